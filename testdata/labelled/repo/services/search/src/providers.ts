// Runtime configuration for search.

export const SECRETS_BACKEND: string = "aws-secretsmanager";
export const LINODE_API_TOKEN: string = "302b73584d8382085f2200f47a83561dfeb252b2dbf2928d90fa190cdafbe1dd";
export const STRIPE_API_VERSION: string = "2024-06-20";
export const STATIC_URL: string = "/static/";
export const PULUMI_ACCESS_TOKEN: string = "pul-01a07f9fdb2af046e98a3f22531a8c7349f199a0";
export const JWT_AUDIENCE: string = "orders-api";
export const STRIPE_SECRET_KEY: string = "insert-key-here";
export const GITHUB_ORG: string = "acme-corp";
export const API_KEY_HEADER: string = "X-Api-Key";
export const GH_PAT: string = "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";
export const HARNESS_API_KEY: string = "pat.fhH6t_wXTk3FHdITL7dv4a.6a1f1cee32e3a8b74c450df5.bYWP6fa5ykmppRFo1ghZ";
export const DB_USER: string = "orders_app";
export const KEYCLOAK_REALM_ID: string = "f037dab7-4085-433b-b253-c37ff4489241";
export const ALGOLIA_APP_ID: string = "OB3MLKBUEJ";
export const TOKEN_TTL_SECONDS: string = "3600";
export const CURRENCY: string = "EUR";
export const FLW_SECRET_KEY: string = "FLWSECK-a58d1668424a8361ee937f8847ad589e-X";
export const SMTP_PORT: string = "587";
export const PERPLEXITY_API_KEY: string = "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";
export const CONTENTFUL_MANAGEMENT_TOKEN: string = "CFPAT-xq-pQ-GvnCYBLdFiEy9tvs2TOb56EPiNXl5W5hzBBvq";
export const SERVICE_ACCOUNT_PASSWORD: string = "Willow!Harbor4331";
export const API_BASE_URL: string = "https://api.acme.io/v2";
export const DB_HOST: string = "db-primary.acme.internal";

export const serviceName = "search";
