locals {
  vault_token   = data.vault_generic_secret.bootstrap.data["token"]
  db_password   = random_password.db.result
  api_key       = lookup(var.api_keys, "staging", "")
  conn_template = "postgres://${var.db_username}:${random_password.db.result}@${module.db.address}:5432/app"
  secret_path   = "secret/data/staging/app"
  token_header  = "Authorization: Bearer ${var.deploy_token}"
}

resource "random_password" "db" {
  length  = 24
  special = false
}

module "db" {
  source      = "../../modules/rds"
  name        = "acme-staging"
  db_username = var.db_username
  db_password = local.db_password
}

module "ci_user" {
  source      = "../../modules/iam-ci-user"
  name_prefix = "acme-staging"
  api_token   = var.deploy_notifier_token
}

resource "aws_secretsmanager_secret_version" "app" {
  secret_id = aws_secretsmanager_secret.app.id
  secret_string = jsonencode({
    password = random_password.db.result
    api_key  = local.api_key
  })
}

resource "kubernetes_secret" "app" {
  metadata {
    name      = "app-credentials"
    namespace = "app"
  }
  data = {
    DB_PASSWORD = random_password.db.result
    API_KEY     = local.api_key
  }
}

data "vault_generic_secret" "bootstrap" {
  path = "secret/staging/bootstrap"
}

resource "aws_ssm_parameter" "api_key" {
  name  = "/staging/app/api_key"
  type  = "SecureString"
  value = var.api_keys["staging"]
}

output "db_password" {
  value     = random_password.db.result
  sensitive = true
}
