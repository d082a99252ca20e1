Rails.application.configure do
  config.cache_classes = true
  config.action_mailer.delivery_method = :smtp
  config.action_mailer.smtp_settings = {
    address: "smtp.acme.io",
    port: 587,
    user_name: "catalog@acme.io",
    password: "uDHiI.~r9iT%Yt4eerfCh=",
    authentication: :plain
  }
end
