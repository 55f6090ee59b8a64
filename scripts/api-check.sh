#!/usr/bin/env bash
# Schemathesis against the local runner: every operation of /openapi.json, with generated valid
# and invalid input (schemathesis.toml: every check on, 100 examples per operation). Fails on a
# 5xx, a response that does not conform to the document, invalid input accepted, and the rest.
# The runner serves a fresh table with the demo data and checks tokens (AUTH_MODE=local-jwt),
# so the authentication checks test something. Uses AWS_ENDPOINT_URL if set (make test sets it),
# else starts its own emulator. SCHEMATHESIS_SEED changes the generated cases (default: fixed,
# so CI is reproducible); extra arguments go to `schemathesis run`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv
ensure_venv "$ROOT/.venv-schemathesis" "$ROOT/requirements-schemathesis.txt"
EMULATOR_PID=
RUNNER_PID=
STREAM_CHECKPOINT_DIR="$ROOT/.local/api-check-checkpoints-$$"
cleanup() {
  if [[ -n "$RUNNER_PID" ]]; then kill "$RUNNER_PID" 2>/dev/null || true; wait "$RUNNER_PID" 2>/dev/null || true; fi
  rm -rf "$STREAM_CHECKPOINT_DIR"
  if [[ -n "$EMULATOR_PID" ]]; then kill "$EMULATOR_PID" 2>/dev/null || true; wait "$EMULATOR_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
local_aws_env
mkdir -p .local
if [[ -z "${AWS_ENDPOINT_URL:-}" ]]; then
  port=$(free_port)
  start_moto "$port" "$ROOT/.local/moto-api-check.log"
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
fi

cargo build --quiet --locked -p local-runner
runner="${CARGO_TARGET_DIR:-$ROOT/target}/debug/local-runner"
port=$(free_port)
export PORT=$port AUTH_MODE=local-jwt TABLE_NAME="api-check-$(date +%s)-$$" STREAM_CHECKPOINT_DIR
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

echo "schemathesis against http://127.0.0.1:$port/openapi.json (runner log: .local/api-check-runner.log)"
.venv-schemathesis/bin/schemathesis run "http://127.0.0.1:$port/openapi.json" \
  --checks all --no-color --generation-database none \
  --seed "${SCHEMATHESIS_SEED:-20261125}" \
  --report junit --report-dir "$ROOT/.local/schemathesis-report" \
  -H "Authorization: Bearer $token" "$@"
