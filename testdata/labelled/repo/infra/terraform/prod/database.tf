resource "random_password" "orders_db" {
  length  = 32
  special = true
}

resource "aws_db_instance" "orders" {
  identifier     = "orders-prod"
  engine         = "postgres"
  instance_class = "db.r6g.large"
  username       = "orders_app"
  password       = random_password.orders_db.result
  kms_key_id     = "arn:aws:kms:eu-west-1:285069319821:key/7397abfe-37f2-412b-a8c4-b7f08d8f6821"
  vpc_security_group_ids = ["sg-0752a9b4bdd7242f0"]
}

resource "aws_secretsmanager_secret" "orders_db" {
  name = "prod/orders/db-password"
}

data "aws_ami" "base" {
  most_recent = true
  owners      = ["amazon"]
}

locals {
  golden_ami     = "ami-0257fce27a01038f9"
  hosted_zone_id = "Z0LGU80885SZPZU6WG498"
  certificate    = "arn:aws:acm:us-east-1:761224853127:certificate/833185c7-5e6e-4802-a38b-f162eb243e6d"
  distribution   = "EB574FAAQ3FGS7"
}
