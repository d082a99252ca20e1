locals {
  name = "acme-prod"
  common_tags = {
    environment = "prod"
    cost_center = "cc-1042"
  }
  # Slack app for deploy notifications
  slack_bot_token = "xoxb-449163470499-1950408308226-OOcl2duNKmRiwS4viz6qCRHQ"
  grafana_api_key = var.grafana_api_key
  alert_channel   = "#prod-alerts"
}

module "ci_user" {
  source      = "../../modules/iam-ci-user"
  name_prefix = local.name
  pgp_key     = "keybase:acme_platform"
  api_token   = var.deploy_notifier_token
}

module "db" {
  source         = "../../modules/rds"
  name           = local.name
  instance_class = "db.r6g.large"
  db_username    = "app_owner"
  db_password    = "Quy1QgtIz5ZsUaApTy"
}

module "gcp_ci" {
  source  = "../../modules/gcp-service-account"
  project = "acme-prod-291107"
}

resource "aws_instance" "bastion" {
  ami           = data.aws_ami.ubuntu.id
  instance_type = "t3.micro"
  key_name      = "bastion-prod"

  user_data = <<-EOT
    #!/bin/bash
    set -euo pipefail
    apt-get update -y
    export STRIPE_API_KEY="sk_live_AWkYCRqeli6QcF7McmZSbGLu"
    export DB_HOST="${module.db.address}"
    systemctl enable --now amazon-ssm-agent
  EOT

  tags = merge(local.common_tags, { Name = "bastion" })
}

resource "aws_lambda_function" "notifier" {
  function_name = "deploy-notifier"
  role          = module.ci_user.role_arn
  handler       = "main.handler"
  runtime       = "python3.12"
  filename      = "${path.module}/build/notifier.zip"

  environment {
    variables = {
      SLACK_CHANNEL   = local.alert_channel
      SLACK_TOKEN     = local.slack_bot_token
      SENDGRID_APIKEY = "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"
      LOG_LEVEL       = "info"
    }
  }
}

data "aws_ami" "ubuntu" {
  most_recent = true
  owners      = ["099720109477"]
  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"]
  }
}
