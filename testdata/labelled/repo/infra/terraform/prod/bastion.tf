resource "aws_instance" "bastion" {
  ami           = "ami-0c1a7f89451184c8b"
  instance_type = "t3.micro"
  key_name      = "bastion"
}

resource "tls_locally_signed_cert" "unused" {
  count = 0
}

resource "aws_secretsmanager_secret_version" "bastion_key" {
  secret_id     = aws_secretsmanager_secret.bastion.id
  secret_string = <<-EOT
    -----BEGIN OPENSSH PRIVATE KEY-----
    b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZR9oPdHuIFUtXHRO9l9PAJLU
    8ou65OaO0ijtfZ5OCPQg+h6yjgqBLxQIfTByit5vK0uDfDsH53Wu6EjioVQHP5z1
    DOfq5SHpSJDUnUV6TE9b/4BnPDKycBKdilyS6J/z8dfxhHGVBaPZjHgoLI028ISq
    VaYi9ESVjKhYqc5SeCQVYaBNg6HVHYUXvFgmEHdVLoG9jZQv4+rtarQKQ1nkwwyx
    NaLqK5ghdC3dTrcF9k47JHmYB9W2gpI9dt0pNFw+sI/Z7a/ZfB2Rz9JDO+/5gGm5
    7YnJqaJxBF4wHE+RW46m6tsjnlEpxELk/DNA/Nr1pSf5Hg4vU5WSU45yFsolUaAu
    chy5uaSBC8WFrWvmDwGyVxyxuhXmzHe5XZMhAj+KUH+lfRYKYMnnNwGNdko19O6Y
    p5MONmi5/s2x3GWRWNVHo6WGnTr6ooEOrEl3O/otTHOhxTGaMv8nI3j170EtDNMY
    EQKiK0w3Gw==
    -----END OPENSSH PRIVATE KEY-----
  EOT
}
