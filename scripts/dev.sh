#!/usr/bin/env bash
# `make dev`: the whole API on this machine, no Docker, no Python. The local runner serves
# DynamoDB + DynamoDB Streams itself on the AWS_ENDPOINT_URL port (127.0.0.1:4566 by default;
# data in .local/dynamodb-<port>.sqlite3) unless something (LocalStack, DynamoDB Local, another
# runner) already answers there, then the API until Ctrl-C; it stops what it started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export TABLE_NAME="${TABLE_NAME:-ecommerce-admin}"
export PORT="${PORT:-3000}"
local_aws_env
mkdir -p .local

echo "building the local runner..."
build_runner
source scripts/dashboard.sh; ensure_dashboard_built || echo "the dashboard could not be built (see above); the API runs without it" >&2
echo "API docs and endpoints are listed below once the table is ready."
exec "$RUNNER" serve
