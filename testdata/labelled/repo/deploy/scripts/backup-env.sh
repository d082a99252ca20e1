#!/usr/bin/env bash
# Environment for backup jobs; sourced by the systemd unit.
set -euo pipefail

export ALLOWED_HOSTS='shop.acme.io,api.acme.io'
export RETRY_ATTEMPTS='5'
export AZURE_CLIENT_ID='c5680bee-7d89-430c-ae92-1396a34564d8'
export STRIPE_API_VERSION='2024-06-20'
export TOKEN_TTL_SECONDS='3600'
export BLOB_SAS_TOKEN='sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2026-08-03T18:00:00Z&st=2024-09-01T10:00:00Z&spr=https&sig=aC2vOunH36BpXq2ANfYgc6tJiXPbjeqNNIlT6sxOQvc%3D'
export ORDERS_FUNCTION_URL='https://acme-zqmuzu.azurewebsites.net/api/orders-webhook?code=M7Jz6Gjm0G1lKBg2H5a2E9uL8oL6fFguFS4_8xcm2djf3t_ase69k8=='
export VAULT_TOKEN='hvs.CAESIvQkAK73h7_NQpmwLbOzW7RVZS05JesK39J_mcBNWHwd7Vr6eTg1li7PZQemh9wDVb5J-el_GE4js-gmiDT1udQ'
export DOCKER_PASSWORD='dckr_pat_Rl2qjsFAlS4aebCR9ZsV15S-SX0'
export FEATURE_NEW_CHECKOUT='true'
export GA_MEASUREMENT_ID='G-7WG1X6ZIIH'
export DB_PORT='5432'
export HONEYCOMB_API_KEY='hcaik_018w5zv24nd1fe8tsc263rwpntwu58eecto4acehs92d2k0unjephtrla0'
export PORT='8080'
export CURRENCY='EUR'
export DB_PASSWORD='none'
export ELASTICSEARCH_URL='https://search.acme.internal:9200'
export SPLUNK_HEC_TOKEN='49aa872e-e8fa-44e0-afd0-64d3dab537b4'
export WORKERS='4'
export INFLUXDB_TOKEN='Hvae6tSqsEQ88ajMiz13zfXz5dnP63p9mYY-8rBEjDK_hpsZ74n4Zo_JY1gZJ1TyC2bInnZ9z3ihbohJGbPXie=='
export SESSION_COOKIE_NAME='acme_sid'
export REDIS_PASSWORD='B.3RLs+7kbM!tJOa0.0'
export HEALTHCHECK_PATH='/healthz'

exec /opt/backup/bin/backup "$@"
