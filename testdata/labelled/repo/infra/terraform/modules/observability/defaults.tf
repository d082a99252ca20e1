# Settings for the observability stack.
locals {
  stripe_secret_key = "sm://acme/prod/observability/stripe"
  bundle_checksum = "f97106e282c21a416756d9865ac893a5e7f12ad67d35a6c8f18a75f694ff10fd"
  aws_session_token = "IQoJb3JpZ2luX2Vj2WhNth+G66n3tvTwSPdHY9qt+9L6SHuXAPitoRifdLl1E4oOP6zdEhln3wyrdEMyIjEYr2owYfJZrMu8mwZvAH8YSYSX4T+CCCWCJzmm22ahZMYuHME4bjf+0NL8IQFlNx0y8v1L1oUNhOU54LfVZhOmBvZvSeWEFxYthHolgc0wjXQNGcjrDYPcrY+pvL4tdS+IR2YEk1CUUPr3rXgaaAKmEHbcGeox4fytsjpOupwYS2QAfjiOWUY0x7XFseAbIgYKJAWig+RCReNOp5eY0sSZ3WCnZR5IzrM6UThSsbD7lPId6HcCFIs9728NTmb2PPxAJ+qwYcLqO+ojfJcKpzanlQL+lNiblvLOfhc4u+EJ/p9wTfcgPqV21wBlYFgp0jbWY6wUSx+nKx3XiZUgJF+LVYxCLo9c3EDwhIlhz3nG3cP+2uzuIYNpXEY5ZOUtlg"
  vault_addr = "https://vault.acme.internal:8200"
  system_accesstoken = "m468SXrvpe8Cn3jtAnFwF1587lENTtwFiXpHZJiYp8xkevLCGuQxQi1selPPafGQoe3ZGEbMWTfdAZDOrJcF"
  tz = "UTC"
  trigger_token = "glptt-1d17a31834a73088bd2eefbab3426a4a6855d522"
  support_email = "support@acme.io"
  dockerhub_token = "dckr_pat_c695RgV6mG1N6-tAFj7bZqAThjI"
  retry_attempts = "5"
  pinecone_api_key = "pcsk_7XRb8f_kT6yhqrEPaN9FlJ4IoLPn1FItr0fikkyok1pYuxzSekvZNoR33TZWrOthwGjwVE50h"
  jwt_issuer = "https://auth.acme.io/"
  db_user = "orders_app"
  nvidia_api_key = "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"
  database_url = "postgresql://orders_app:T4RRagKqitScd!ZJ9UTst@pg.prod.acme.net/orders"
  internal_api_key = "jXC5UxgBgy7EQxmqZh1ASv7ydw0RNEkSKGw5KsbD"
  db_port = "5432"
  db_name = "orders"
  internal_jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtb2ExMW42d2wiLCJpYXQiOjE3MTczNDEwMzksImV4cCI6MTg5MzQ1NjAwMCwic2NvcGUiOiJpbnRlcm5hbDp3cml0ZSJ9.0wlnh3eYymL40abllTpGL2Zm071Q4vrbkb7w4kTG1Y8"
  sendgrid_api_key = var.sendgrid_api_key
  stripe_api_version = "2024-06-20"
}

module "observability" {
  source = "../modules/service"
  name   = "observability"
}
