#!/usr/bin/env bash
# Rotate the CI user's access key and store the new one in Secrets Manager.
set -euo pipefail

USER_NAME="${1:-acme-prod-ci-deployer}"
OLD_KEY_ID="$(aws iam list-access-keys --user-name "$USER_NAME" --query 'AccessKeyMetadata[0].AccessKeyId' --output text)"

NEW_KEY_JSON="$(aws iam create-access-key --user-name "$USER_NAME")"
AWS_ACCESS_KEY_ID="$(jq -r .AccessKey.AccessKeyId <<<"$NEW_KEY_JSON")"
AWS_SECRET_ACCESS_KEY="$(jq -r .AccessKey.SecretAccessKey <<<"$NEW_KEY_JSON")"

aws secretsmanager put-secret-value \
  --secret-id platform/ci/access-key \
  --secret-string "{\"access_key_id\":\"$AWS_ACCESS_KEY_ID\",\"secret_access_key\":\"$AWS_SECRET_ACCESS_KEY\"}"

aws iam update-access-key --user-name "$USER_NAME" --access-key-id "$OLD_KEY_ID" --status Inactive
echo "rotated: $OLD_KEY_ID -> $AWS_ACCESS_KEY_ID"
