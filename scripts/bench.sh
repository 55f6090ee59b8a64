#!/usr/bin/env bash
# `make bench`: benchmarks that print figures (release build) each on a local DynamoDB of its own.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

local_aws_env
# The Lambda binaries, for the package-size and init-time benchmark.
cargo build --release --locked -p products -p sales -p aggregate-stream -p reports
RUST_LOG=${RUST_LOG:-warn} cargo bench --locked -p local-runner "$@"
