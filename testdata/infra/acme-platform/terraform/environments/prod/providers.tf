terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
    datadog = {
      source  = "DataDog/datadog"
      version = "~> 3.37"
    }
    github = {
      source  = "integrations/github"
      version = "~> 6.0"
    }
  }
}

# TODO(ops-412): move these to the CI role before the audit
provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIA6YBLH7WMJ6SHJCPV"
  secret_key = "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"

  default_tags {
    tags = {
      environment = "prod"
      owner       = "platform"
    }
  }
}

provider "aws" {
  alias   = "us"
  region  = "us-east-1"
  profile = "acme-prod"
}

provider "datadog" {
  api_key = "3be9ca36acdb0220e45f75a3e710f38f"
  app_key = "781cc54f114a307d30bbdf0eed9c771f6c5c3e7d"
  api_url = "https://api.datadoghq.eu/"
}

provider "github" {
  owner = "acme-corp"
  token = "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"
}

provider "cloudflare" {
  api_token = "bB8oLOckmmaU--tkPafuxjTzkpFDWoRlhh1cT_V3"
}
