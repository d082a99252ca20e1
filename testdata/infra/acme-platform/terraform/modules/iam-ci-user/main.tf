# CI deployer identity: one IAM user with a programmatic key, encrypted with the
# platform team's PGP key so the secret never lands in state in plain text.

resource "aws_iam_user" "ci" {
  name          = "${var.name_prefix}-ci-deployer"
  path          = "/automation/"
  force_destroy = true

  tags = {
    team       = "platform"
    managed_by = "terraform"
  }
}

resource "aws_iam_access_key" "ci" {
  user    = aws_iam_user.ci.name
  pgp_key = var.pgp_key
  status  = "Active"
}

resource "aws_iam_user_policy_attachment" "ci_deploy" {
  user       = aws_iam_user.ci.name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}

resource "aws_iam_role" "deploy" {
  name = "platform-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = aws_iam_user.ci.arn }
    }]
  })
}

resource "aws_secretsmanager_secret" "ci_key" {
  name                    = "platform/ci/access-key"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "ci_key" {
  secret_id = aws_secretsmanager_secret.ci_key.id
  secret_string = jsonencode({
    access_key_id     = aws_iam_access_key.ci.id
    secret_access_key = aws_iam_access_key.ci.encrypted_secret
  })
}
