#!/usr/bin/env bash
# `make test`: every test of the project. Unit tests need nothing; integration and end-to-end
# tests (among them every script of examples/ and Swagger UI in headless Chromium) run against a
# moto server started here on a free port (each test makes its own table); then schemathesis
# tests the running API against its OpenAPI document; then the deployment template is linted.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_chromium
start_private_emulator test
echo "test emulator: $AWS_ENDPOINT_URL"

cargo test --workspace --locked "$@"

# Black-box: schemathesis against the local runner's /openapi.json.
scripts/api-check.sh

# The deployment template: cfn-lint, `sam validate --lint` and checkov.
scripts/lint-template.sh
