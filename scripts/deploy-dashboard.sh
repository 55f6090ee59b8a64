#!/usr/bin/env bash
# Publishes the dashboard to a deployed stack (docs/deploy.md, "The dashboard"):
#   1. builds dashboard/ (npm ci && npm run build: dashboard/dist, Vite base /dashboard/);
#   2. reads the stack's outputs (aws cloudformation describe-stacks) and writes config.json:
#      {"apiBaseUrl": ApiUrl, "oidc": {"authority": OidcAuthority, "clientId": DashboardClientId,
#      "scope": "openid profile email"}};
#   3. uploads the build and config.json under dashboard/ in the stack's private bucket
#      (DashboardBucketName): hashed assets first (cached for a year), then index.html and
#      config.json (revalidated on every load), then removes what the build no longer has
#      (aws s3 sync --delete; the bucket keeps old versions for 30 days);
#   4. invalidates /dashboard/* on the distribution (DashboardDistributionId) and prints the URL.
#
# Usage: scripts/deploy-dashboard.sh STACK_NAME  (or STACK_NAME=... in the environment)
# Needs the AWS CLI v2 with credentials for the stack's account and region (AWS_PROFILE,
# AWS_REGION as usual), Node.js and npm, and Python 3 (to write JSON). SKIP_BUILD=1 publishes
# the existing dashboard/dist as it is. OIDC_SCOPE overrides the scope.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK=${1:-${STACK_NAME:-}}
SCOPE=${OIDC_SCOPE:-openid profile email}

if [[ -z $STACK ]]; then
  echo "usage: $0 STACK_NAME" >&2
  exit 2
fi
for tool in aws python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "deploy-dashboard: $tool is required" >&2
    exit 1
  fi
done

# 1. Build.
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  if ! command -v npm >/dev/null; then
    echo "deploy-dashboard: npm is required to build the dashboard (or SKIP_BUILD=1)" >&2
    exit 1
  fi
  echo "--- building dashboard/"
  (cd "$ROOT/dashboard" && npm ci && npm run build)
fi
DIST="$ROOT/dashboard/dist"
if [[ ! -f $DIST/index.html ]]; then
  echo "deploy-dashboard: $DIST/index.html is missing; build the dashboard first" >&2
  exit 1
fi

# 2. The stack's outputs.
echo "--- reading the outputs of stack $STACK"
outputs=$(aws cloudformation describe-stacks --stack-name "$STACK" --query 'Stacks[0].Outputs' --output json)
output() {
  local value
  value=$(OUTPUTS=$outputs python3 -c '
import json, os, sys
outputs = json.loads(os.environ["OUTPUTS"]) or []
print(next((o["OutputValue"] for o in outputs if o["OutputKey"] == sys.argv[1]), ""))
' "$1")
  if [[ -z $value ]]; then
    echo "deploy-dashboard: stack $STACK has no output $1 (deploy the current template.yaml first)" >&2
    exit 1
  fi
  printf '%s' "$value"
}
api_url=$(output ApiUrl)
authority=$(output OidcAuthority)
client_id=$(output DashboardClientId)
bucket=$(output DashboardBucketName)
distribution=$(output DashboardDistributionId)
dashboard_url=$(output DashboardUrl)

# The build is copied, not changed: config.json is written next to it in a staging directory.
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp -R "$DIST/." "$staging/"
API_URL=$api_url AUTHORITY=$authority CLIENT_ID=$client_id SCOPE=$SCOPE python3 -c '
import json, os, sys
config = {
    "apiBaseUrl": os.environ["API_URL"],
    "oidc": {"authority": os.environ["AUTHORITY"], "clientId": os.environ["CLIENT_ID"], "scope": os.environ["SCOPE"]},
}
json.dump(config, sys.stdout, indent=2)
print()
' >"$staging/config.json"
echo "--- config.json"
cat "$staging/config.json"

# 3. Upload: assets before the index that refers to them, stale files last.
target="s3://$bucket/dashboard"
echo "--- uploading to $target"
if [[ -d $staging/assets ]]; then
  aws s3 sync "$staging/assets" "$target/assets" --only-show-errors \
    --cache-control "public, max-age=31536000, immutable"
fi
aws s3 sync "$staging" "$target" --only-show-errors --exclude "assets/*" --cache-control "no-cache"
aws s3 sync "$staging" "$target" --only-show-errors --delete

# 4. Invalidate what CloudFront may have cached of the previous build.
echo "--- invalidating /dashboard/* on $distribution"
invalidation=$(aws cloudfront create-invalidation --distribution-id "$distribution" --paths '/dashboard/*' \
  --query 'Invalidation.Id' --output text)
echo "invalidation $invalidation started (aws cloudfront wait invalidation-completed --distribution-id $distribution --id $invalidation)"
echo "dashboard: $dashboard_url"
