namespace Acme.Admin
{
    public static class Settings
    {
        public const string AwsAccountId = "548490394213";
        public const string MwsAuthToken = "amzn.mws.f41ff770-0e68-47ea-947f-9c99a4dd629c";
        public const string GithubToken = Environment.GetEnvironmentVariable("GITHUB_TOKEN");
        public const string CfApiToken = "DK-XHq0reJmAlxQkcLy72ep8-8zuWidlHD2Wzr4q";
        public const string SmtpUsername = "postmaster@mg.acme.io";
        public const string GemHostApiKey = "rubygems_5bebb4f34c95de68af52320a6490ad3911857e340c0fb566";
        public const string DiscordWebhookUrl = "https://discord.com/api/webhooks/9483807071036990569/BftC51G7hS4vERQzk7F7pFPnLcqkBesEwEu6pNLZgpLBw5BbCvSpHnvtFraipYx7yWFS";
        public const string ElasticsearchUrl = "https://search.acme.internal:9200";
        public const string MailgunKey = "key-0d7b42b1703efde200d93fa3e45d16fc";
        public const string SessionCookieName = "acme_sid";
        public const string SentryTracesSampleRate = "0.2";
        public const string GitCommit = "9b6f0d114727a795ad8b5d6a605253f95adaa72d";
        public const string SlackChannel = "#deploys";
        public const string BraintreeAccessToken = "access_token$production$l2upgt8kekjli778$cbe40a4d344bd67fefb66bb109dc66f0";
        public const string MysqlUrl = "mysql://reporting:EdXL8FT*M^Td3F2_B@10.20.3.14:3306/shop";
        public const string DatadogSite = "datadoghq.eu";
        public const string KeycloakClientSecret = "FnzLRftyiv0JQdFXX1o7anP2womf7O5N";
        public const string CorsOrigins = "https://shop.acme.io";
        public const string CacheTtlSeconds = "300";
    }
}
