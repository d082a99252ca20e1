region       = "eu-west-1"
db_username  = "app_owner"
secret_path  = "secret/data/staging/app"
api_key_name = "staging-deployer"

# Filled in by CI from Vault; never commit real values here.
aws_access_key  = ""
aws_secret_key  = ""
datadog_api_key = "CHANGE_ME"
deploy_token    = "<deploy-token>"
github_token    = "${GITHUB_TOKEN}"
