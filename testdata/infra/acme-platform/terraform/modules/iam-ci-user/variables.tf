variable "name_prefix" {
  description = "Prefix for every IAM name"
  type        = string
  default     = "acme"
}

variable "pgp_key" {
  description = "keybase:username or base64 public key used to encrypt the secret"
  type        = string
  default     = "keybase:acme_platform"
}

variable "api_token" {
  description = "Token for the deploy notifier; supplied by the pipeline"
  type        = string
  sensitive   = true
}

variable "token_ttl" {
  description = "Lifetime of issued tokens"
  type        = string
  default     = "768h"
}

variable "secret_name" {
  type    = string
  default = "platform/ci/access-key"
}
