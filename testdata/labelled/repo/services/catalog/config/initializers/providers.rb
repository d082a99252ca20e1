# frozen_string_literal: true

module Catalog
  module Settings
    GOOGLE_REFRESH_TOKEN = "1//0X-fn1pCK2xyWSuVNBKeIodfm3A8SPYa9tEoKCH1YPbWpEuYMtSpvvQD_0m4AmxCE5SaPu6eakCsoih6WvK2UObNmVL7Qgq402OF4"
    AWS_REGION = "eu-west-1"
    REQUEST_TIMEOUT_MS = "15000"
    VERCEL_TOKEN = "Yte2hUzl95d6Wc9R2ACDn3NQ"
    VAULT_ADDR = "https://vault.acme.internal:8200"
    DOPPLER_TOKEN = "dp.pt.xYHarzGf0zyEwBLqO7i5ORp5bVJ2X6HsESMIJb31HZ4"
    DEFAULT_LOCALE = "en-GB"
    TWILIO_API_KEY = "SK01cbd9a451bf01ecad762f5c6ac677d2"
    OAUTH_TOKEN_URL = "https://auth.acme.io/oauth2/token"
    RELEASE_SHA = "21c81a96fa9de88a989e27cbbee940a0a0f54dc6"
    DB_PASSWORD = ENV.fetch("DB_PASSWORD")
    NOTION_API_KEY = "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"
    ALLOWED_HOSTS = "shop.acme.io,api.acme.io"
    ELASTIC_PASSWORD = "a9d%:%0vvjR.HikAs"
    SUPPORT_EMAIL = "support@acme.io"
    DATA_ENCRYPTION_KEY = "R2V9PP1jdG4YoIgsZnUMWsfjHiYg7AvgvZrSUMRWfBU="
    CURRENCY = "EUR"
    DEBUG = "false"
    ADMIN_PASSWORD = "CHANGE_ME_IN_PROD"
    PORT = "8080"
    METRICS_PORT = "9102"
  end
end
