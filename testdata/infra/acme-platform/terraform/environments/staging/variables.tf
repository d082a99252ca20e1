variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "aws_access_key" {
  type      = string
  sensitive = true
}

variable "aws_secret_key" {
  type      = string
  sensitive = true
}

variable "aws_session_token" {
  type      = string
  default   = null
  sensitive = true
}

variable "datadog_api_key" {
  type      = string
  default   = ""
  sensitive = true
}

variable "db_username" {
  type    = string
  default = "app_owner"
}

variable "deploy_token" {
  type      = string
  sensitive = true
}

variable "deploy_notifier_token" {
  type      = string
  sensitive = true
}

variable "api_keys" {
  type      = map(string)
  default   = {}
  sensitive = true
}

variable "github_token" {
  description = "GitHub token with repo scope; set TF_VAR_github_token in CI"
  type        = string
  default     = "REPLACE_ME"
}
