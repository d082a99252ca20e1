resource "random_password" "db" {
  length           = 24
  special          = true
  override_special = "!#*-_"
}

resource "aws_db_instance" "main" {
  identifier              = "${var.name}-postgres"
  engine                  = "postgres"
  engine_version          = "15.4"
  instance_class          = var.instance_class
  allocated_storage       = 50
  username                = var.db_username
  password                = coalesce(var.db_password, random_password.db.result)
  backup_retention_period = 7
  skip_final_snapshot     = false
  storage_encrypted       = true
  kms_key_id              = data.aws_kms_key.rds.arn
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id = aws_secretsmanager_secret.db.id
  secret_string = jsonencode({
    username = var.db_username
    password = random_password.db.result
    host     = aws_db_instance.main.address
  })
}

resource "aws_ssm_parameter" "db_host" {
  name  = "/${var.name}/db/host"
  type  = "String"
  value = "db.internal.acme.io"
}

resource "aws_ssm_parameter" "db_password" {
  name  = "/${var.name}/db/password"
  type  = "SecureString"
  value = random_password.db.result
}

data "aws_kms_key" "rds" {
  key_id = "alias/rds"
}
