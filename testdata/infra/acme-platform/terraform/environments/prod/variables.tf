variable "grafana_api_key" {
  type      = string
  sensitive = true
}

variable "deploy_notifier_token" {
  type      = string
  sensitive = true
}

variable "datadog_api_key" {
  type      = string
  sensitive = true
}

variable "db_password" {
  type      = string
  sensitive = true
}
