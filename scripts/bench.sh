#!/usr/bin/env bash
# `make bench`: benchmarks that print figures (release build) against a fresh local emulator.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv
local_aws_env
mkdir -p .local
port=$(free_port)
EMULATOR_PID=
trap '[[ -n "$EMULATOR_PID" ]] && kill "$EMULATOR_PID" 2>/dev/null; wait 2>/dev/null || true' EXIT
start_moto "$port" ".local/moto-bench.log"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
RUST_LOG=${RUST_LOG:-warn} cargo bench --locked -p local-runner "$@"
