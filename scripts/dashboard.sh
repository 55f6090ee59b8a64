# The store manager's dashboard (dashboard/, a Vite + TypeScript app): installed from its lockfile
# and built only when needed, and tested. Sourced by scripts/dev.sh and scripts/test.sh.
# shellcheck shell=bash

DASHBOARD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DASHBOARD_SRC="$DASHBOARD_ROOT/dashboard"

dashboard_need_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "the dashboard needs Node.js 20.19+ and npm (not found)" >&2
    return 1
  fi
}

# `npm ci` when node_modules is missing or package-lock.json changed since the last install (a
# copy of the lockfile in node_modules is the stamp, like ensure_venv's); then `npm run build`
# when dist/ is missing or older than any source.
ensure_dashboard_built() {
  dashboard_need_node || return 1
  local stamp="$DASHBOARD_SRC/node_modules/.package-lock.stamp.json"
  if [[ ! -d "$DASHBOARD_SRC/node_modules" ]] || ! cmp -s "$DASHBOARD_SRC/package-lock.json" "$stamp"; then
    echo "installing the dashboard's npm packages (first run or lockfile changed)..."
    (cd "$DASHBOARD_SRC" && npm ci --no-audit --no-fund --loglevel=error) || return 1
    cp "$DASHBOARD_SRC/package-lock.json" "$stamp"
  fi
  local index="$DASHBOARD_SRC/dist/index.html"
  if [[ ! -f "$index" ]] || [[ -n $(cd "$DASHBOARD_SRC" && find src public index.html vite.config.ts tsconfig.json package-lock.json -newer "$index" -print -quit 2>/dev/null) ]]; then
    echo "building the dashboard..."
    (cd "$DASHBOARD_SRC" && npm run --silent build) || return 1
  fi
}

# Lint (ESLint + tsc --noEmit), the build (remade when a source is newer), and the browser tests (playwright-core driving
# $CHROMIUM against a local runner of their own with the demo data; screenshots go to
# target/dashboard-screenshots/). Needs the local runner built (build_runner of scripts/lib.sh).
dashboard_test() {
  ensure_dashboard_built || return 1
  (
    cd "$DASHBOARD_SRC" || exit 1
    # ESLint and tsc read the dashboard's sources and configs and the packages of its lockfile:
    # on a rerun with none of them changed since their last pass they are not run again.
    local lint_inputs
    lint_inputs=$(inputs_digest dashboard)
    if passed_with dashboard-lint "$lint_inputs"; then
      echo "dashboard: lint and typecheck not run again: no source, config or pin changed since their last pass" \
        "(inputs $lint_inputs; MAKE_TEST_RECHECK=1 runs them)"
    else
      echo "dashboard: lint and typecheck..."
      npm run --silent lint || exit 1
      record_pass dashboard-lint "$lint_inputs"
    fi
    # ensure_dashboard_built has just built it if any source was newer.
    echo "dashboard: browser tests..."
    RUNNER="${RUNNER:-${CARGO_TARGET_DIR:-$DASHBOARD_ROOT/target}/debug/local-runner}" \
      CHROMIUM="${CHROMIUM:-chromium}" \
      SCREENSHOTS="${SCREENSHOTS:-${CARGO_TARGET_DIR:-$DASHBOARD_ROOT/target}/dashboard-screenshots}" \
      node --test --test-concurrency=1 test/
  )
}
