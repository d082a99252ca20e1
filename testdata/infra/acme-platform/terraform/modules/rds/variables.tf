variable "name" {
  type = string
}

variable "instance_class" {
  type    = string
  default = "db.t3.medium"
}

variable "db_username" {
  type    = string
  default = "app_owner"
}

# Left over from the first import; nobody rotated it.
variable "db_password" {
  type      = string
  default   = "z-M4I#g9t^9GuUaOrV"
  sensitive = true
}

variable "password_length" {
  type    = number
  default = 24
}
