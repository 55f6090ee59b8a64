#!/usr/bin/env bash
# `make test`: every test of the project. Unit tests need nothing; integration and end-to-end
# tests (among them every script of examples/ and Swagger UI in headless Chromium) each start a
# local DynamoDB of their own in process; then schemathesis tests the running API against its
# OpenAPI document; then the deployment template is linted.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_chromium
local_aws_env

cargo test --workspace --locked "$@"
source scripts/dashboard.sh; build_runner; dashboard_test

# Black-box: schemathesis against the local runner's /openapi.json.
scripts/api-check.sh

# The deployment template: cfn-lint, `sam validate --lint` and checkov.
scripts/lint-template.sh
