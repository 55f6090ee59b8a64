#!/usr/bin/env bash
# `make lint-template`: lints template.yaml with cfn-lint, `sam validate --lint` and checkov, and
# fails on any finding. The tools are pinned in requirements-lint.txt (.venv-lint) and
# requirements-sam.txt (.venv-sam): checkov and aws-sam-cli pin conflicting boto3 versions, so
# they cannot share one venv. Needs no network but PyPI (for the first install only), and no AWS
# account: the credentials below are dummies unless the caller set real ones.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

LINT_VENV="$ROOT/.venv-lint"
SAM_VENV="$ROOT/.venv-sam"
ensure_venv "$LINT_VENV" "$ROOT/requirements-lint.txt"
ensure_venv "$SAM_VENV" "$ROOT/requirements-sam.txt"

export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}"
export AWS_REGION="${AWS_REGION:-$AWS_DEFAULT_REGION}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_EC2_METADATA_DISABLED=true
# No usage telemetry from SAM, and no version check against the network.
export SAM_CLI_TELEMETRY=0
export SAM_CLI_DISABLE_VERSION_CHECK=1
# checkov: no calls home, no external checks, no update notice.
export BC_SKIP_MAPPING=TRUE
export CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false
export ANSI_COLORS_DISABLED=1

status=0
run() {
  echo "--- $*"
  if ! "$@"; then
    status=1
  fi
}

run "$LINT_VENV/bin/cfn-lint" template.yaml
run "$SAM_VENV/bin/sam" validate --lint --template template.yaml
run "$LINT_VENV/bin/checkov" -f template.yaml --framework cloudformation --quiet --compact \
  --skip-download

if [[ $status -ne 0 ]]; then
  echo "lint-template: findings above" >&2
  exit 1
fi
echo "lint-template: template.yaml is clean (cfn-lint, sam validate --lint, checkov)"
