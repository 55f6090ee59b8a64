#!/usr/bin/env bash
# `make dev`: the whole API on this machine, no Docker, no Python. The local runner serves
# DynamoDB + DynamoDB Streams itself on the AWS_ENDPOINT_URL port (127.0.0.1:4566 by default;
# data in .local/dynamodb-<port>.sqlite3) unless something (LocalStack, DynamoDB Local, another
# runner) already answers there, then the API until Ctrl-C; it stops what it started.
# `LAMBDA=1 make dev`: the same with the real Lambda binaries under `cargo lambda watch`.
# `STREAM=off make dev`: the API without the stream consumer (`local-runner consume` reads it).
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
if [[ "${LAMBDA:-}" == 1 ]]; then
  # The real function binaries under `cargo lambda watch` behind the template's routes, stream
  # filter and schedule (README "Run the real Lambda binaries").
  ensure_cargo_lambda
  echo "LAMBDA=1: the functions run under cargo lambda watch on 127.0.0.1:${LAMBDA_INVOKE_PORT:-9000}"
fi
echo "API docs and endpoints are listed below once the table is ready."
exec "$RUNNER" serve
