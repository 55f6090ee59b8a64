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

# The deployment template (cfn-lint, `sam validate --lint`, checkov) needs nothing the rest
# builds: it runs beside the Rust tests, its report printed (and its status checked) at the end.
mkdir -p .local
scripts/lint-template.sh >.local/lint-template.log 2>&1 &
LINT_PID=$!

cargo test --workspace --locked "$@"
source scripts/dashboard.sh; build_runner; dashboard_test

# Black-box: schemathesis against the local runner's /openapi.json.
scripts/api-check.sh

lint_status=0
wait "$LINT_PID" || lint_status=$?
cat .local/lint-template.log
exit "$lint_status"
