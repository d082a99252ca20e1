#!/usr/bin/env bash
# Environment for shop jobs; sourced by the systemd unit.
set -euo pipefail

export AUTH_PROVIDER='okta'
export DEBUG='false'
export BEDROCK_API_KEY='ABSKQmVkcm9ja0FQSUtleS1zb3V0LWF0LTgzNzU3OTYyMjgzNjpZNGxXdEVwam0yRE9POThocHB4UEkzM282MEFiUnphWXlTamJvWTdP'
export STRIPE_API_VERSION='2024-06-20'
export CORS_ORIGINS='https://shop.acme.io'
export DD_API_KEY='your-token-here'
export S3_BUCKET='acme-prod-uploads'
export MWS_AUTH_TOKEN='amzn.mws.dcd260b0-97da-494e-8665-17a7ca621ef9'
export SMTP_PORT='587'
export GL_TOKEN='glpat-VWXt6wlyrCfaJixt24oxCIveDPQnxeM1FQlL.01.eg7d7u64j'
export SENTRY_TRACES_SAMPLE_RATE='0.2'
export SECRETS_BACKEND='aws-secretsmanager'
export BITBUCKET_APP_PASSWORD='ATBBRIKRs3wcBTCSxOKicuO7psoblhHsNY12'
export SENTRY_ORG_SLUG='acme-corp'
export HONEYCOMB_API_KEY='hcaik_01jqahda40kolk01fy4gk7k5xe7q9zb9bg7njgmiw3rmbpduful0lodzae'
export DB_USER='orders_app'
export LD_SDK_KEY='sdk-9d20557d-8927-4a25-98ef-5bb229d3e303'
export SUPPORT_EMAIL='support@acme.io'
export TOKEN_TTL_SECONDS='3600'
export POSTGRES_PASSWORD='q9DJfVt7D=8o3q!p=1'
export CHART_COMMIT='27463abab40a039e06b302a7f1033664f9b72aca'
export KEYCLOAK_CLIENT_SECRET='JThiY86rvtCt8QP7RalGkCvyJqjFMIpb'
export CURRENCY='EUR'
export FEATURE_NEW_CHECKOUT='true'
export DB_PORT='5432'

exec /opt/shop/bin/shop "$@"
