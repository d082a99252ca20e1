region      = "eu-west-1"
environment = "prod"

# Shared with the on-call rotation; see runbook "rotating the Datadog key"
datadog_api_key       = "78c90d688c5d129da9c3440f1838baaf"
grafana_api_key       = "glsa_Lw8XcV4mP1qT7nB2rK9sD3fH6jA0yE5u_1f3a9c2e"
deploy_notifier_token = "ghs_Ru2G4N6md9FiifUGb2aeK4Qq77dfjr40vixp"
db_password           = "L!twcjGgwl0g20H1tr"

allowed_cidrs = ["10.20.0.0/16", "10.30.0.0/16"]
