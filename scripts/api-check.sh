#!/usr/bin/env bash
# Schemathesis against the local runner: every operation of /openapi.json, with generated valid
# and invalid input (schemathesis.toml: every check on, 100 examples per operation). Fails on a
# 5xx, a response that does not conform to the document, invalid input accepted, and the rest.
# The runner serves a fresh table with the demo data and checks tokens (AUTH_MODE=local-jwt),
# so the authentication checks test something, on a local DynamoDB of its own (the runner starts
# it on a free port; its data is removed on exit). SCHEMATHESIS_SEED changes the generated cases (default: fixed,
# so CI is reproducible); extra arguments go to `schemathesis run`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv "$ROOT/.venv-schemathesis" "$ROOT/requirements-schemathesis.txt"
RUNNER_PID=
STREAM_CHECKPOINT_DIR="$ROOT/.local/api-check-checkpoints-$$"
DYNAMODB_DATA="$ROOT/.local/dynamodb-api-check-$$.sqlite3"
cleanup() {
  if [[ -n "$RUNNER_PID" ]]; then kill "$RUNNER_PID" 2>/dev/null || true; wait "$RUNNER_PID" 2>/dev/null || true; fi
  rm -rf "$STREAM_CHECKPOINT_DIR" "$DYNAMODB_DATA" "$DYNAMODB_DATA-wal" "$DYNAMODB_DATA-shm"
}
trap cleanup EXIT
local_aws_env
mkdir -p .local

build_runner
runner=$RUNNER
port=$(free_port)
AWS_ENDPOINT_URL="http://127.0.0.1:$(free_port)"
export PORT=$port AUTH_MODE=local-jwt TABLE_NAME="api-check-$$" STREAM_CHECKPOINT_DIR DYNAMODB_DATA AWS_ENDPOINT_URL
"$runner" serve >"$ROOT/.local/api-check-runner.log" 2>&1 &
RUNNER_PID=$!
for _ in $(seq 1 300); do
  if endpoint_answers "http://127.0.0.1:$port/health"; then break; fi
  if ! kill -0 "$RUNNER_PID" 2>/dev/null; then break; fi
  sleep 0.1
done
if ! endpoint_answers "http://127.0.0.1:$port/health"; then
  echo "the local runner did not answer; see .local/api-check-runner.log" >&2
  exit 1
fi
# A report to find (the document's example date), as the schedule would have written it.
"$runner" report 2022-10-08 >/dev/null

# An unsigned token with the admin group: AUTH_MODE=local-jwt reads the claims, as API Gateway's
# authorizer hands them over after checking the signature.
b64url() { base64 | tr -d '\n=' | tr '+/' '-_'; }
token="$(printf '{"alg":"none"}' | b64url).$(printf '{"sub":"api-check","cognito:groups":["admin"]}' | b64url).unsigned"

# A sale to return units of: the returns operation's path id is one that exists (schemathesis.toml),
# as the document's example id does not in a fresh table. Its product is topped up first so that
# the sale has units enough for every generated return (up to the documented 10000).
api() { curl --silent --show-error --fail-with-body -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
api -X POST "http://127.0.0.1:$port/products/5/inventory" -d '{"change": 10000, "reason": "restock"}' >/dev/null
API_CHECK_SALE_ID=$(api -X POST "http://127.0.0.1:$port/sales" -d '{"product_id": 5, "units_sold": 10000}' |
  sed -n 's/.*"id":"\([0-9A-Z]\{26\}\)".*/\1/p')
if [[ -z "$API_CHECK_SALE_ID" ]]; then
  echo "could not record the sale the returns are tested against" >&2
  exit 1
fi
export API_CHECK_SALE_ID

echo "schemathesis against http://127.0.0.1:$port/openapi.json (runner log: .local/api-check-runner.log)"
.venv-schemathesis/bin/schemathesis run "http://127.0.0.1:$port/openapi.json" \
  --checks all --no-color --generation-database none \
  --seed "${SCHEMATHESIS_SEED:-20261125}" \
  --report junit --report-dir "$ROOT/.local/schemathesis-report" \
  -H "Authorization: Bearer $token" "$@"
