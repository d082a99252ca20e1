resource "google_service_account" "ci" {
  project      = var.project
  account_id   = "ci-deployer"
  display_name = "CI deployer"
}

resource "google_service_account_key" "ci" {
  service_account_id = google_service_account.ci.name
  public_key_type    = "TYPE_X509_PEM_FILE"
}

resource "google_project_iam_member" "ci" {
  project = var.project
  role    = "roles/editor"
  member  = "serviceAccount:${google_service_account.ci.email}"
}

output "ci_key" {
  value     = google_service_account_key.ci.private_key
  sensitive = true
}

variable "project" {
  type    = string
  default = "acme-prod-291107"
}
