#!/usr/bin/env bash
# LocalStack init hook (ready stage): creates the application's table exactly as the `Table`
# resource of template.yaml defines it. The definition is ../table.json, generated from the
# template (see localstack/README.md), mounted at /etc/localstack/init/table.json. TTL is
# template.yaml's TimeToLiveSpecification (expires_at), which CreateTable cannot carry.
#
# Idempotent: a table that exists (a persisted LocalStack, or one the local runner created) is
# left as it is. `make dev` would also create the table itself if it were missing.
set -euo pipefail

TABLE_NAME="${TABLE_NAME:-ecommerce-admin}"
DEFINITION="${TABLE_DEFINITION:-/etc/localstack/init/table.json}"
TTL_ATTRIBUTE=expires_at

# awslocal ships in the LocalStack image; plain aws CLI pointed at the endpoint otherwise.
awslocal() {
  if type -P awslocal >/dev/null; then
    command awslocal "$@"
  else
    aws --endpoint-url "${AWS_ENDPOINT_URL:-http://localhost:4566}" "$@"
  fi
}

if awslocal dynamodb describe-table --table-name "$TABLE_NAME" >/dev/null 2>&1; then
  echo "create-table: $TABLE_NAME already exists"
  exit 0
fi

echo "create-table: creating $TABLE_NAME from $DEFINITION"
awslocal dynamodb create-table --table-name "$TABLE_NAME" --cli-input-json "file://$DEFINITION" >/dev/null
awslocal dynamodb wait table-exists --table-name "$TABLE_NAME"
awslocal dynamodb update-time-to-live --table-name "$TABLE_NAME" \
  --time-to-live-specification "Enabled=true,AttributeName=$TTL_ATTRIBUTE" >/dev/null
echo "create-table: $TABLE_NAME is ready (stream NEW_AND_OLD_IMAGES, TTL on $TTL_ATTRIBUTE)"
