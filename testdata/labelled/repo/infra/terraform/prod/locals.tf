# Settings for the prod stack.
locals {
  cors_origins = "https://shop.acme.io"
  cloudflare_api_key = "9e06190ec857c3942e0a5974b12565e2ca019"
  session_cookie_name = "acme_sid"
  db_user = "orders_app"
  github_token = var.github_token
  token_ttl_seconds = "3600"
  hcloud_token = "Z0lrl1REnZQEzK2gRw5iVqYRzXMiynVZ0lAUTdTgfSuAB5DyCW4BmVRtLIBbkMmU"
  request_timeout_ms = "15000"
  oauth_token_url = "https://auth.acme.io/oauth2/token"
  b2_application_key = "K005R8ITrNqCPSblYWeHLvgmborFfeE"
  support_email = "support@acme.io"
  alerts_webhook = "https://hooks.slack.com/services/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"
  page_size = "50"
  port = "8080"
  rollbar_access_token = "26329cb0651fc9f9c2e420510880f1df"
  app_env = "production"
  static_url = "/static/"
  confluence_api_token = "ATATT3xFfGF0CWp3MzCpq39M0FGGeQkVhFTQiiUYSSojzYtz6WZH5YNqxwPqZJ9AMUBiVLFaSy3IOgwNAXnmFYqM6PwXcCI0gC2kdKRs4_T6RoGWhKQalG9loXBdmG1rX-jGdisupmuL9bohw6EotEDPjkREu6fxFuuvKFprpcpiHJga_Ht1xG=6B00CC76"
  rate_limit_per_minute = "600"
  chart_commit = "83558b5ad36b43171cf793114bcac5931858d25d"
  metrics_port = "9102"
  okta_client_token = "00Km3KZS2MvKSsZtpAGp5G0wTq1-wDx9B5g4WC1uGk"
  otel_exporter_otlp_endpoint = "http://otel-collector:4317"
  stripe_price_id = "price_1feeFTaClU14FvhV4bkQSvKc"
  feature_new_checkout = "true"
  openai_model = "gpt-4o-mini"
  db_password = "Mq7IpuWH=dUpj7ZFLdC"
  db_port = "5432"
  smtp_host = "smtp.acme.io"
}

module "prod" {
  source = "../modules/service"
  name   = "prod"
}
