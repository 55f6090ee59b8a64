#!/usr/bin/env bash
# `make test`: every test of the project. Unit tests need nothing; integration and end-to-end
# tests run against a moto server started here on a free port (each test makes its own table).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

start_private_emulator test
echo "test emulator: $AWS_ENDPOINT_URL"

cargo test --workspace --locked "$@"

# The deployment template: cfn-lint, `sam validate --lint` and checkov.
scripts/lint-template.sh
