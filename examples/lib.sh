# Shared by the examples: `call METHOD PATH [BODY] [EXPECTED_STATUS]` prints the request and the
# pretty response, and fails when the status is not the expected one. Needs curl and python3.
# API is the base URL (default: `make dev`'s); AUTH_HEADER, if set, is sent with every request
# (`Authorization: Bearer <JWT>` in AWS). HEADERS (an array, set by a script) adds headers.
# shellcheck shell=bash
set -euo pipefail
API=${API:-http://127.0.0.1:3000}
HEADERS=()
LAST_BODY=
_response=$(mktemp)
trap 'rm -f "$_response"' EXIT

call() {
  local method=$1 path=$2 body=${3:-} expect=${4:-}
  local args=(--silent --show-error -X "$method" -o "$_response" -w '%{http_code}')
  if [[ -n "$body" ]]; then args+=(-H 'content-type: application/json' --data-raw "$body"); fi
  for h in "${HEADERS[@]+"${HEADERS[@]}"}"; do args+=(-H "$h"); done
  if [[ -n "${AUTH_HEADER:-}" ]]; then args+=(-H "$AUTH_HEADER"); fi
  echo "> $method $path"
  if [[ -n "$body" ]]; then echo "  $body"; fi
  local status
  status=$(curl "${args[@]}" "$API$path")
  echo "< $status"
  python3 -m json.tool <"$_response" 2>/dev/null || cat "$_response"
  echo
  LAST_BODY=$(cat "$_response")
  if [[ -n "$expect" && "$status" != "$expect" ]]; then
    echo "expected status $expect, got $status" >&2
    exit 1
  fi
}

# `field NAME`: a top-level member of the last response body.
field() {
  python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$LAST_BODY" "$1"
}
