# Shared by the scripts of `make`: Python venvs for the tools that are Python, local AWS
# settings, Chromium, free ports and a private local DynamoDB.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# uv (pinned in requirements-uv.txt, in the git-ignored .venv-uv) installs the Python tools: the
# same pins, in seconds, where pip spent a minute of CPU on checkov's and SAM's dependencies (CPU
# that `make test`'s Rust build, running beside it on 2 cores, needs). Exported as UV. Several
# scripts call it at once in `make test`: the first one installs it, under a lock.
ensure_uv() {
  local venv="$ROOT/.venv-uv" requirements="$ROOT/requirements-uv.txt"
  mkdir -p "$ROOT/.local"
  (
    flock 9
    if [[ ! -x "$venv/bin/uv" ]] || ! cmp -s "$requirements" "$venv/.requirements-uv.txt"; then
      python3 -m venv "$venv"
      "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
      cp "$requirements" "$venv/.requirements-uv.txt"
    fi
  ) 9>"$ROOT/.local/uv.lock"
  export UV="$venv/bin/uv"
  # Where pip is told to look for wheels first (PIP_FIND_LINKS), uv looks too.
  if [[ -n "${PIP_FIND_LINKS:-}" && -z "${UV_FIND_LINKS:-}" ]]; then export UV_FIND_LINKS="$PIP_FIND_LINKS"; fi
}

# A check whose every input is a known set of files (a lint) is skipped by `make test` when
# those files are byte for byte the ones of its last pass: `inputs_digest FILE_OR_DIR...` hashes
# the paths and contents of every file under them but installed packages and build output
# (node_modules/, dist/: their lockfile and sources are inputs); `passed_with NAME DIGEST` says
# whether NAME last passed on DIGEST; `record_pass NAME DIGEST` records a pass.
# MAKE_TEST_RECHECK=1 runs every check regardless. A clean clone (CI) has no record, so it runs
# everything.
inputs_digest() {
  (cd "$ROOT" && find "$@" \( -name node_modules -o -name dist \) -prune -o -type f -print0 |
    sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}
passed_with() {
  [[ "${MAKE_TEST_RECHECK:-}" != 1 ]] && [[ "$(cat "$ROOT/.local/passed/$1" 2>/dev/null)" == "$2" ]]
}
record_pass() {
  mkdir -p "$ROOT/.local/passed"
  echo "$2" >"$ROOT/.local/passed/$1"
}

# Installs pinned Python tools into a git-ignored venv, only when the pins changed (a copy of the
# requirements file in the venv is the stamp). Only tools that are Python use this (schemathesis,
# cfn-lint, SAM CLI, checkov); `make dev` needs no Python.
ensure_venv() {
  local venv=$1 requirements=$2
  local stamp
  stamp="$venv/.$(basename "$requirements")"
  if [[ -x "$venv/bin/python" ]] && cmp -s "$requirements" "$stamp"; then
    return 0
  fi
  ensure_uv
  echo "installing $(basename "$requirements") into $(basename "$venv") (first run or pins changed)..."
  if [[ ! -x "$venv/bin/python" ]]; then
    "$UV" venv --quiet --python python3 "$venv"
  fi
  "$UV" pip install --quiet --python "$venv/bin/python" -r "$requirements"
  cp "$requirements" "$stamp"
}

# cargo-lambda for `LAMBDA=1 make dev` and local-runner/tests/lambda_mode.rs (`cargo lambda watch`
# runs the real function binaries): the pinned one (requirements-lambda.txt) in the git-ignored
# .venv-lambda, exported as CARGO_LAMBDA.
ensure_cargo_lambda() {
  ensure_venv "$ROOT/.venv-lambda" "$ROOT/requirements-lambda.txt"
  export CARGO_LAMBDA="$ROOT/.venv-lambda/bin/cargo-lambda"
}

# Local AWS settings: dummy credentials and a region unless the caller set real ones.
local_aws_env() {
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
  export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
  export AWS_REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
  export AWS_DEFAULT_REGION="$AWS_REGION"
  export AWS_EC2_METADATA_DISABLED=true
}

# True when something answers HTTP at $1.
endpoint_answers() {
  curl --silent --output /dev/null --max-time 2 "$1" 2>/dev/null
}

# Installs Debian packages with apt (as root, or with passwordless sudo); false without apt or
# when it fails. `make test` installs Chromium and Java at once on a fresh machine: apt takes one
# at a time (a second `apt-get update` fails on the lists' lock), so they queue on a lock here.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  local sudo=
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo -n"; fi
  mkdir -p "$ROOT/.local"
  (
    flock 9
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
  ) 9>"$ROOT/.local/apt.lock"
}

# A headless-capable Chromium for the browser tests, exported as CHROMIUM: the one CHROMIUM
# names, one on PATH, or Debian's `chromium` installed with apt.
ensure_chromium() {
  local candidate
  for candidate in ${CHROMIUM:-} chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
      export CHROMIUM="$candidate"
      return 0
    fi
  done
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium (for the browser tests)..."
    if apt_install chromium; then
      export CHROMIUM=chromium
      return 0
    fi
  fi
  echo "no Chromium found and it could not be installed: install Debian's chromium (or set CHROMIUM)" >&2
  return 1
}

# A free TCP port on 127.0.0.1 (one nothing listens on; bash's /dev/tcp, no Python).
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

# The one build of the workspace that `make dev`, `make test` and `make lint` share: every test
# binary, bench and example, and the local runner with them, resolved together. Built alone
# (`cargo build -p local-runner`), the runner resolves its dependencies' features without the
# dev-dependencies' (proptest turns on more of regex-syntax and getrandom, under
# tracing-subscriber and uuid), so the SDK, Dynoxide and the workspace were compiled a second time
# whenever one switched between `make dev` and `make test`. Extra arguments go to cargo.
build_workspace() {
  cargo test --workspace --all-targets --locked --no-run "$@"
}

# The local runner binary (debug build), from the one build; exported as RUNNER. A no-op once
# built in this process.
build_runner() {
  if [[ "${RUNNER_BUILT:-}" == 1 ]]; then return 0; fi
  build_workspace --quiet
  export RUNNER="${CARGO_TARGET_DIR:-$ROOT/target}/debug/local-runner" RUNNER_BUILT=1
}

# `make lint` and `make test` compile the workspace once between them: every cargo build of
# `make` compiles the workspace's own crates through clippy-driver (RUSTC_WORKSPACE_WRAPPER,
# exactly what `cargo clippy` does, but in a real build rather than `cargo check`). A crate is
# then linted as it is compiled, and the build `make lint` leaves is the one `make test` runs;
# linting with `cargo clippy` instead compiled every dependency a second time, for metadata only
# (on 2 cores, about 3 minutes of a clean clone). Dependencies are compiled by rustc either way.
# clippy-driver's code is rustc's, plus lints. Without clippy (a toolchain without the
# component), builds use plain rustc and `make lint` says how to install it.
use_clippy_driver() {
  if [[ -z "${RUSTC_WORKSPACE_WRAPPER+set}" ]] && clippy-driver --version >/dev/null 2>&1; then
    RUSTC_WORKSPACE_WRAPPER=$(command -v clippy-driver)
    export RUSTC_WORKSPACE_WRAPPER
  fi
}
use_clippy_driver

# Every test binary and the local runner, in one build (`make test`); exports RUNNER.
build_tests() {
  build_runner
}

# Shows that one build serves every `make` target: the build `make dev` runs, after the one
# `make test` has just run, compiles nothing (cargo prints no "Compiling" line).
check_one_build() {
  local output
  output=$(build_workspace 2>&1)
  if grep -E '^\s*Compiling ' <<<"$output"; then
    echo "the build of make dev compiled again after the build of make test (above)" >&2
    return 1
  fi
  echo "one build: the build of make dev after the build of make test compiled nothing"
}

# A private local DynamoDB on a free port (`local-runner dynamodb`), its data under .local/ and
# removed on exit, exported as AWS_ENDPOINT_URL; stopped on exit. $1 names it.
start_private_emulator() {
  local_aws_env
  build_runner
  mkdir -p "$ROOT/.local"
  local port data
  port=$(free_port)
  data="$ROOT/.local/dynamodb-$1-$$.sqlite3"
  "$RUNNER" dynamodb --port "$port" --data "$data" >"$ROOT/.local/dynamodb-$1.log" 2>&1 &
  EMULATOR_PID=$!
  # shellcheck disable=SC2064 # expand now: the data path and pid are this call's
  trap "kill $EMULATOR_PID 2>/dev/null; wait $EMULATOR_PID 2>/dev/null; rm -f '$data' '$data-wal' '$data-shm'" EXIT
  for _ in $(seq 1 100); do
    if endpoint_answers "http://127.0.0.1:$port"; then
      export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
      return 0
    fi
    sleep 0.1
  done
  echo "the local DynamoDB did not answer on port $port; see .local/dynamodb-$1.log" >&2
  return 1
}
