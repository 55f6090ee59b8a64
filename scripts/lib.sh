# Shared by scripts/dev.sh and scripts/test.sh: the Python venv and the local emulator.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"

# Installs pinned Python tools into a git-ignored venv, only when the pins changed (a copy of the
# requirements file in the venv is the stamp). Defaults: .venv and requirements-local.txt.
ensure_venv() {
  local venv=${1:-$VENV} requirements=${2:-$ROOT/requirements-local.txt}
  local stamp
  stamp="$venv/.$(basename "$requirements")"
  if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
  fi
  if ! cmp -s "$requirements" "$stamp"; then
    echo "installing $(basename "$requirements") into $(basename "$venv") (first run or pins changed)..."
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
  fi
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

# Starts moto on 127.0.0.1:$1 in the background; sets EMULATOR_PID; waits until it answers.
start_moto() {
  local port=$1 log=$2
  "$VENV/bin/python" "$ROOT/scripts/local_dynamodb.py" --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 1 100); do
    if endpoint_answers "http://127.0.0.1:$port"; then return 0; fi
    if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then
      echo "moto server failed to start; see $log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "moto server did not answer on port $port; see $log" >&2
  return 1
}

# A headless-capable Chromium for the test that renders Swagger UI, exported as CHROMIUM: the
# one CHROMIUM names, one on PATH, or Debian's `chromium` installed with apt (as root, or with
# passwordless sudo).
ensure_chromium() {
  local candidate
  for candidate in ${CHROMIUM:-} chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
      export CHROMIUM="$candidate"
      return 0
    fi
  done
  local sudo=
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo -n"; fi
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium (for the Swagger UI test)..."
    if $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; then
      export CHROMIUM=chromium
      return 0
    fi
  fi
  echo "no Chromium found and it could not be installed: install Debian's chromium (or set CHROMIUM)" >&2
  return 1
}

# A free TCP port on 127.0.0.1.
free_port() {
  "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# For test and bench runs: the venv, local AWS settings, and a fresh emulator on a free port
# (stopped on exit), exported as AWS_ENDPOINT_URL. $1 names the log.
start_private_emulator() {
  ensure_venv
  local_aws_env
  mkdir -p "$ROOT/.local"
  local port
  port=$(free_port)
  EMULATOR_PID=
  trap '[[ -n "$EMULATOR_PID" ]] && kill "$EMULATOR_PID" 2>/dev/null; wait 2>/dev/null || true' EXIT
  start_moto "$port" "$ROOT/.local/moto-$1.log"
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
}
