#!/usr/bin/env bash
# `make dev`: the whole API on this machine, no Docker. Starts moto on the AWS_ENDPOINT_URL port
# (127.0.0.1:4566 by default) unless something (moto, LocalStack) already answers there, then
# runs the local runner until Ctrl-C, and stops whatever it started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export TABLE_NAME="${TABLE_NAME:-ecommerce-admin}"
export PORT="${PORT:-3000}"
local_aws_env
mkdir -p .local

EMULATOR_PID=
cleanup() {
  if [[ -n "${RUNNER_PID:-}" ]]; then kill "$RUNNER_PID" 2>/dev/null || true; wait "$RUNNER_PID" 2>/dev/null || true; fi
  if [[ -n "$EMULATOR_PID" ]]; then kill "$EMULATOR_PID" 2>/dev/null || true; wait "$EMULATOR_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building the local runner..."
cargo build --quiet -p local-runner

if endpoint_answers "$AWS_ENDPOINT_URL"; then
  echo "using the DynamoDB endpoint already answering at $AWS_ENDPOINT_URL"
else
  hostport=${AWS_ENDPOINT_URL#*://}; hostport=${hostport%%/*}
  host=${hostport%:*}; port=${hostport##*:}
  if [[ "$host" != "127.0.0.1" && "$host" != "localhost" ]]; then
    echo "nothing answers at $AWS_ENDPOINT_URL and it is not a local address; start it or unset AWS_ENDPOINT_URL" >&2
    exit 1
  fi
  ensure_venv
  echo "starting moto (DynamoDB + Streams) on 127.0.0.1:$port (log: .local/moto-$port.log)"
  start_moto "$port" ".local/moto-$port.log"
fi

echo "API docs and endpoints are listed below once the table is ready."
./target/debug/local-runner serve &
RUNNER_PID=$!
wait "$RUNNER_PID"
