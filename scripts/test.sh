#!/usr/bin/env bash
# `make test`: every test of the project. Unit tests need nothing; integration and end-to-end
# tests run against a moto server started here on a free port (each test makes its own table).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv
local_aws_env
mkdir -p .local
port=$(free_port)
EMULATOR_PID=
trap '[[ -n "$EMULATOR_PID" ]] && kill "$EMULATOR_PID" 2>/dev/null; wait 2>/dev/null || true' EXIT
start_moto "$port" ".local/moto-test.log"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
echo "test emulator: $AWS_ENDPOINT_URL"

cargo test --workspace --locked "$@"
