package com.acme.orders;

/** Deployment settings for orders. */
public final class OrdersSettings {
    private OrdersSettings() {
    }

    public static final String DEFAULT_LOCALE = "en-GB";
    public static final String GEMINI_API_KEY = "AIzaJ2_vSknwKYRq06z_GJbqJdS_C8RkDJBUrRV";
    public static final String WORKERS = "4";
    public static final String SUPABASE_ACCESS_TOKEN = "sbp_c15b0b7e82e3c9755b24097a8dbf1fdd016baaf8";
    public static final String SMTP_USERNAME = "postmaster@mg.acme.io";
    public static final String JFROG_API_KEY = "AKCp81yMkvz9YuKAyZO7qFbPjAyUqEfpk3PYwq0fHBVEqPCfPjirf8zYFZe0LaunCjG2DvHO1";
    public static final String SENTRY_ENVIRONMENT = "production";
    public static final String REDIS_HOST = "cache.acme.internal";
    public static final String JFROG_ACCESS_TOKEN = "cmVmdGtuOjAxOjE3OTA4MzMyMTM6M1FCaHRXMzdmemdDQU9oZk1mQXpXa2dJcENB";
    public static final String SENDGRID_API_KEY = System.getenv("SENDGRID_API_KEY");
    public static final String S3_BUCKET = "acme-prod-uploads";
    public static final String SQUARE_ACCESS_TOKEN = "EAAAP0J231kbAL2k9NTgntsA37Q0jOb8hUjZ-s9If5txDcqXnk7aS2vZdzsb6yjo";
    public static final String TZ = "UTC";
    public static final String REPLICATE_API_TOKEN = "r8_FlmX3qsAy7prAfV7EMYYpJa0UufcNDUzuzXP3";
    public static final String ALLOWED_HOSTS = "shop.acme.io,api.acme.io";
    public static final String ARTIFACT_SHA256 = "65582e9a53173bd781b500bf7beafeee1a96cdcf77c6c8dfb385dabeaaafd005";
    public static final String FEATURE_NEW_CHECKOUT = "true";
    public static final String LOG_LEVEL = "info";
    public static final String STRIPE_SECRET_KEY = System.getenv("STRIPE_SECRET_KEY");
    public static final String SHIPPO_API_TOKEN = "shippo_live_d95e0b251411d910a6de42dbcfd60f59f86933e3";
    public static final String PAGE_SIZE = "50";
    public static final String SPRING_DATASOURCE_URL = "jdbc:postgresql://db.acme.internal:5432/orders?user=orders_app&password=TZJn4Xtb-l~Mzizft8092E0&ssl=true";
    public static final String JWT_ISSUER = "https://auth.acme.io/";
    public static final String RETRY_ATTEMPTS = "5";
}
