// Runtime configuration for storefront.

export const DB_HOST: string = "db-primary.acme.internal";
export const API_KEY: string = "op://Production/storefront/credential";
export const ELASTICSEARCH_URL: string = "https://search.acme.internal:9200";
export const ALIBABA_CLOUD_ACCESS_KEY_ID: string = "LTAI5t4XAVMJKwvsAoH5gW0Q";
export const JWT_AUDIENCE: string = "orders-api";
export const ALIBABA_CLOUD_ACCESS_KEY_SECRET: string = "slNsbvKMDaSzPMzVxz7qeqorkCHd2r";
export const BUILDKITE_API_TOKEN: string = "bkua_bd3275fb817a472877b1bd6720071cee64189fa6";
export const GOOGLE_CLOUD_PROJECT: string = "acme-prod-4821";
export const CLOJARS_PASSWORD: string = "CLOJARS_npru2je7joxxrbt6gbp4n9zj5mkqm3erpr22rr7v30cfquyr4i89x9zzau49";
export const RATE_LIMIT_PER_MINUTE: string = "600";
export const OPENAI_API_KEY: string = "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";
export const KAFKA_BROKERS: string = "kafka-0.acme.internal:9092";
export const DYNATRACE_API_TOKEN: string = "dt0c01.V5JM99C539S1CFF36PD2F56F.4MWKADKJRYYILRQUGN8YYVIWKYSVTERECCCLL4H3C3Z1D5MIZSIANEBXB7NW2AEU";
export const MONGODB_URI: string = "mongodb+srv://svc-catalog:qh7eqU-gtN~xKN8@cluster0.x7f2k.mongodb.net/catalog?retryWrites=true&w=majority";
export const SECRETS_BACKEND: string = "aws-secretsmanager";
export const SENTRY_ORG_SLUG: string = "acme-corp";
export const CHART_COMMIT: string = "cd305b4e9103b2c8db155c7283aa74f4c58afead";
export const SESSION_COOKIE_NAME: string = "acme_sid";
export const ADMIN_PASSWORD: string = "m9g2mREaOVvp0Q!fGni3";
export const REQUEST_TIMEOUT_MS: string = "15000";
export const INTERNAL_JWT: string = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtYWs1YnhjcHkiLCJpYXQiOjE3MTcxNjI3ODEsImV4cCI6MTg5MzQ1NjAwMCwic2NvcGUiOiJpbnRlcm5hbDp3cml0ZSJ9.wvQLfCjoY1YEQWZJiPE8Vu9R_TNB9_f_P80rQGmdk24";
export const DB_USER: string = "orders_app";
export const APP_ENV: string = "production";
export const AWS_REGION: string = "eu-west-1";

export const serviceName = "storefront";
