namespace Acme.AdminInfrastructure
{
    public static class Settings
    {
        public const string TlsCertFile = "/etc/ssl/certs/acme.crt";
        public const string CosmosConnectionString = "AccountEndpoint=https://acme-cyrihl.documents.azure.com:443/;AccountKey=jsMRxzxrrDz+5ku76faHVY66zdC3KiUtMLjDwXRRbK3YyCiKlPyL3M8a3wEzY1lS0xtfQu36vf+uSTNEU5aj/Y==;";
        public const string RequestTimeoutMs = "15000";
        public const string HerokuApiKey = "HRKU-AAm33kF64LtHQJf0el2YL3ZHOl9az25ps3N9hREBmLIPryC5B0NktIfDUmNC";
        public const string JwtAudience = "orders-api";
        public const string DbPassword = Environment.GetEnvironmentVariable("DB_PASSWORD");
        public const string DbUser = "orders_app";
        public const string SentryTracesSampleRate = "0.2";
        public const string ApiKey = "projects/acme-prod-4821/secrets/admin-infrastructure-api-key/versions/latest";
        public const string SonarToken = "sqp_983168a68c9ad6cf4b0c118b3878cbfc54191c0b";
        public const string CacheTtlSeconds = "300";
        public const string TelegramBotToken = "5433129990:AAE93m6nCu9Nau_45byG4CJg_yX700QuMf0";
        public const string PasswordMinLength = "12";
        public const string PostmarkApiToken = "fca422a5-6f09-49da-a2e8-ed5f533d31ac";
        public const string GeoipDbSha256 = "1437873db0a872db261d2dc3807d164be2151920a92b27bd5a2ada6f37b1fe4a";
        public const string SmtpHost = "smtp.acme.io";
        public const string DatadogApiKey = "aed507ce13dfe4c47ba1e64e49197692";
        public const string Tz = "UTC";
        public const string Debug = "false";
        public const string MongoUrl = "mongodb+srv://atlasAdmin:O8F91WKHC^Yu!K~8wrMBDhE@cluster0.x7f2k.mongodb.net/catalog?retryWrites=true&w=majority";
        public const string SmtpPassword = "vRBEA8h3DVk3cd__W";
        public const string OtelExporterOtlpEndpoint = "http://otel-collector:4317";
        public const string FeatureNewCheckout = "true";
    }
}
