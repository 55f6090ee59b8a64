#!/usr/bin/env bash
# `make lambda-sizes`: each Lambda's release binary and deployment zip (`bootstrap`, `zip -9`),
# against the budget of docs/benchmarks.md ("Lambda packages"): a zip over 5 MB fails. `make
# bench` prints the same sizes with each function's init time (local-runner/benches/cold_start.rs).
#
#   scripts/lambda-sizes.sh            # builds the release binaries first
#   LAMBDA_BINARIES=dir scripts/lambda-sizes.sh   # sizes of binaries already built in dir
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

BUDGET=5000000
functions=(products sales aggregate-stream reports)
dir=${LAMBDA_BINARIES:-}
if [[ -z "$dir" ]]; then
  # One build per function, as `cargo lambda build` (sam build) makes them: each with the features
  # of its own dependencies only (aggregate-stream's `shared` without `http`), where one build of
  # all four would unify them.
  for function in "${functions[@]}"; do
    cargo build --release --locked -p "$function"
  done
  dir="${CARGO_TARGET_DIR:-$ROOT/target}/release"
fi
command -v zip >/dev/null || { echo "lambda-sizes needs zip (apt-get install zip)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
over=0
printf '%-17s %12s %12s\n' function binary zipped
for function in "${functions[@]}"; do
  cp "$dir/$function" "$work/bootstrap"
  rm -f "$work/package.zip"
  (cd "$work" && zip -q -9 package.zip bootstrap)
  binary=$(stat -c %s "$work/bootstrap")
  zipped=$(stat -c %s "$work/package.zip")
  awk -v f="$function" -v b="$binary" -v z="$zipped" 'BEGIN { printf "%-17s %9.1f MB %9.2f MB\n", f, b / 1e6, z / 1e6 }'
  if ((zipped >= BUDGET)); then
    echo "  $function: the zip is over the $((BUDGET / 1000000)) MB budget" >&2
    over=1
  fi
done
exit $over
