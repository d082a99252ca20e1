#!/usr/bin/env bash
# Deploy the API to the prod cluster. Run from the repo root: ./deploy/scripts/deploy.sh <tag>
set -euo pipefail

TAG="${1:?usage: deploy.sh <image-tag>}"
REGISTRY="registry.acme.io"

# Temporary: the CI role is broken, use the break-glass key (ops-412)
export AWS_ACCESS_KEY_ID=AKIAZN35N5W5KYTIOV6H
export AWS_SECRET_ACCESS_KEY=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
export AWS_DEFAULT_REGION=eu-west-1

docker login "$REGISTRY" -u deploy-bot -p 'oB2OjC2AzR^5c99N**'
docker push "$REGISTRY/api:$TAG"

# Tell the release tracker
curl -sf -u release-bot:2II5Wy.KPRIAv_lLax https://tracker.acme.io/api/releases -d "tag=$TAG"
curl -sf -H "Authorization: Bearer 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" \
  https://api.github.com/repos/acme-corp/api/deployments -d "{\"ref\":\"$TAG\"}"

# Schema migrations
mysql -h db.internal.acme.io -u migrator -pLXUiNYehzB.JLv1w16 app < migrations/latest.sql
sshpass -p 'aUpdp7Kc3fvx501fbw' ssh ops@bastion.acme.io "sudo systemctl restart api"

# These come from the environment and are fine
curl -sf -H "Authorization: Bearer ${DEPLOY_TOKEN}" https://hooks.acme.io/deploy
docker login "$REGISTRY" -u deploy-bot -p "$REGISTRY_PASSWORD"
export VAULT_TOKEN="$(vault login -method=aws -token-only)"
export DB_PASSWORD=$(aws ssm get-parameter --name /prod/db/password --with-decryption --query Parameter.Value --output text)
