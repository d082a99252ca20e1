terraform {
  backend "s3" {
    bucket         = "acme-terraform-state"
    key            = "staging/platform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "terraform-locks"
    role_arn       = "arn:aws:iam::210987654321:role/terraform-state"
  }
}

provider "aws" {
  region     = var.region
  access_key = var.aws_access_key
  secret_key = var.aws_secret_key
  token      = var.aws_session_token
}

provider "datadog" {
  api_key = var.datadog_api_key
  app_key = data.aws_ssm_parameter.datadog_app_key.value
}

provider "github" {
  owner = "acme-corp"
  token = trimspace(file("${path.root}/.secrets/github-token"))
}

provider "vault" {
  address = "https://vault.internal.acme.io:8200"
  token   = local.vault_token
}

provider "google" {
  project     = "acme-staging-118230"
  credentials = file("credentials/staging-sa.json")
}

provider "kubernetes" {
  host                   = module.eks.cluster_endpoint
  cluster_ca_certificate = base64decode(module.eks.cluster_certificate_authority_data)
  token                  = data.aws_eks_cluster_auth.this.token
}

data "aws_ssm_parameter" "datadog_app_key" {
  name            = "/staging/datadog/app_key"
  with_decryption = true
}
