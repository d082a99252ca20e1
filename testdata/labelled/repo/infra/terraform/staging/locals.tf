# Settings for the staging stack.
locals {
  build_revision = "098f01af01d1f7e030e97f7d304fec02d5ce2a9d"
  ibmcloud_api_key = "AoMG8JN5GGY4Ov5vqk21fxJIiKmJrBY1JNyvRhh4Mi8L"
  token_ttl_seconds = "3600"
  allowed_hosts = "shop.acme.io,api.acme.io"
  trigger_token = "glptt-bfaf499c603a2a4da4cfd6bb9289c059132df0db"
  slack_channel = "#deploys"
  nuget_api_key = "oy2me271xu5dbwtphx5e4ius010buoc84140p5wc5scd92"
  metrics_port = "9102"
  cargo_registry_token = "cioM2vksBkxeCR38azy9F18ArQZ6QvNpcAn"
  smtp_username = "postmaster@mg.acme.io"
  plaid_access_token = "access-production-031ecff2-384c-4651-a1ab-69f14a96a347"
  redis_host = "cache.acme.internal"
  git_commit = "4ed683523ec6610d685465115667b08566d4851a"
  aws_region = "eu-west-1"
  grafana_sa_token = "glsa_rt3HSqjg4o25KytQ15wS6ZEPmkQAbj6P_c4442274"
  sentry_traces_sample_rate = "0.2"
  api_base_url = "https://api.acme.io/v2"
  algolia_admin_api_key = "3b06f4d9b71ae8177cdcefa0fc2061a5"
  jwt_secret = "CHANGE_ME_IN_PROD"
  postgres_password = "pJ=TSaq7NG.V.EWI1vF-BN"
  cors_origins = "https://shop.acme.io"
}

module "staging" {
  source = "../modules/service"
  name   = "staging"
}
