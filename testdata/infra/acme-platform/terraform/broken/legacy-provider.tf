# Terraform 0.11 syntax with a missing brace: the HCL2 parser rejects it.
provider "aws" {
  region     = "${var.region}"
  access_key = "AKIAZN35N5W5KYTIOV6H"
  secret_key = "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"

resource "aws_s3_bucket" "logs" {
  bucket = "acme-legacy-logs"
  acl    = "log-delivery-write"
