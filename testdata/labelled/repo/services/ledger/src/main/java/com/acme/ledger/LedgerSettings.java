package com.acme.ledger;

/** Deployment settings for ledger. */
public final class LedgerSettings {
    private LedgerSettings() {
    }

    public static final String SESSION_COOKIE_NAME = "acme_sid";
    public static final String LINODE_TOKEN = "ecd2c83fd7a581d9d9ea695e8cd83a4896d56d90bd65775dfc1e11135aa15b5b";
    public static final String TWILIO_ACCOUNT_SID = "ACf910fe11805e4d28bb15d9fb6260fcf9";
    public static final String AWS_REGION = "eu-west-1";
    public static final String FEATURE_NEW_CHECKOUT = "true";
    public static final String PLANETSCALE_SERVICE_TOKEN = "pscale_tkn_iaVS6jt9iHYByNJQ8Urlf-4ejgldYHsvC0-qZ_mEkOW";
    public static final String JENKINS_API_TOKEN = "11b8888df10b604c0b9866b12b382611c5";
    public static final String GOOGLE_CLOUD_PROJECT = "acme-prod-4821";
    public static final String CACHE_TTL_SECONDS = "300";
    public static final String PACKAGIST_TOKEN = "packagist_uat_e4fe72ba413b69d59d50116f948fa8f62789df00b100ca2460de2c72db2c5edc28f2";
    public static final String SENTRY_TRACES_SAMPLE_RATE = "0.2";
    public static final String OPENAI_API_KEY = "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";
    public static final String CLIENT_SECRET = System.getenv("CLIENT_SECRET");
    public static final String GITHUB_ORG = "acme-corp";
    public static final String CORS_ORIGINS = "https://shop.acme.io";
    public static final String ANTHROPIC_API_KEY = "sk-ant-api03-9qhNFSQCJ16epl4Zr0reUnliuiETxYfP-Q6CPoSCsWPVcorWfotDXWquPMzM0S7A7vKc5Ma5TtH3_adedxnbMjJpcJaDVAA";
    public static final String DB_USER = "orders_app";
    public static final String MAPBOX_DOWNLOADS_TOKEN = "sk.eyJ1IjoiYWNtZSIsImEiOiJjbG00ejlzNnk2MGJydzd1ZXY3N2t1M2JrIn0.pZ2rqz_T_HTh7TFe63CxOD";
    public static final String ADMIN_PASSWORD = System.getenv("ADMIN_PASSWORD");
    public static final String API_KEY_HEADER = "X-Api-Key";
    public static final String LEDGER_JDBC_URL = "jdbc:oracle:thin:ledger/HXpUgs4OB_Pj6!pU1ivPtJj@ora.acme.internal:1521/LEDGER";
    public static final String RATE_LIMIT_PER_MINUTE = "600";
    public static final String REDIS_HOST = "cache.acme.internal";
    public static final String STATIC_URL = "/static/";
}
