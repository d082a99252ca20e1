provider "vault" {
  address = "https://vault.internal.acme.io:8200"
  token   = "hvs.GJ780RhEneA6TchrbCU7fsS4"
}

provider "digitalocean" {
  token = "dop_v1_2532dffe58975b7a0ba189c79de91415702a720cc8af9eff23facab4027b6cd9"
}

resource "vault_generic_secret" "gitlab" {
  path = "secret/ci/gitlab"

  data_json = <<EOT
{
  "username": "ci-bot",
  "token": "glpat-NqseCuaShj7bwHEks_Sw"
}
EOT
}

resource "vault_generic_secret" "smtp" {
  path = "secret/ci/smtp"

  data_json = jsonencode({
    host     = "smtp.acme.io"
    user     = "mailer"
    password = "LXUiNYehzB.JLv1w16"
  })
}

resource "vault_generic_secret" "templated" {
  path      = "secret/ci/templated"
  data_json = <<EOT
{
  "password": "${random_password.templated.result}"
}
EOT
}

resource "random_password" "templated" {
  length = 20
}
