terraform {
  backend "s3" {
    bucket         = "acme-terraform-state"
    key            = "prod/platform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "terraform-locks"
    encrypt        = true
    access_key     = "AKIA7IWDTBLBXD4U4SPM"
    secret_key     = "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"
  }
}
