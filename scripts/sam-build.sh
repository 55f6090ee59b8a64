#!/usr/bin/env bash
# `make sam-build`: builds the four Lambdas with `sam build` (BuildMethod rust-cargolambda) into
# .aws-sam/, ready for `sam deploy` (docs/deploy.md). cargo-lambda cross-compiles for Amazon
# Linux 2023 and links with zig; both come from PyPI (requirements-sam.txt) into the git-ignored
# .venv-sam, so the only other need is a Rust toolchain.
#
#   ARCHITECTURE=arm64 make sam-build     # x86_64 (default) or arm64, as the stack's parameter
#   scripts/sam-build.sh --cached         # further arguments go to `sam build`
#
# Deploy with the same Architecture: `sam deploy --parameter-overrides Architecture=arm64 ...`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

SAM_VENV="$ROOT/.venv-sam"
REQUIREMENTS="$ROOT/requirements-sam.txt"

ensure_venv "$SAM_VENV" "$REQUIREMENTS"

ARCHITECTURE="${ARCHITECTURE:-x86_64}"
case "$ARCHITECTURE" in
  x86_64) target=x86_64-unknown-linux-gnu ;;
  arm64) target=aarch64-unknown-linux-gnu ;;
  *) echo "ARCHITECTURE must be x86_64 or arm64, not '$ARCHITECTURE'" >&2; exit 2 ;;
esac

command -v cargo >/dev/null || { echo "sam-build needs a Rust toolchain (cargo) on PATH" >&2; exit 1; }
# cargo-lambda builds for the Linux target of the architecture; add its standard library once.
if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$target"; then
  echo "adding the Rust target $target (rustup)..."
  rustup target add "$target"
fi

# The venv's bin first: `sam`, `cargo-lambda` (which `cargo lambda` runs), and the venv's
# python, through which cargo-lambda would find zig (`python3 -m ziglang`). Naming the ziglang
# package's zig binary outright (cargo-zigbuild reads CARGO_ZIGBUILD_ZIG_PATH before it looks at
# PATH) keeps another zig on the machine, of a version cargo-zigbuild may not support, out of it.
export PATH="$SAM_VENV/bin:$PATH"
CARGO_ZIGBUILD_ZIG_PATH="$("$SAM_VENV/bin/python" -c \
  'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')"
export CARGO_ZIGBUILD_ZIG_PATH
echo "cargo-lambda $(cargo-lambda lambda --version 2>/dev/null | awk '{print $2}'), zig $("$CARGO_ZIGBUILD_ZIG_PATH" version), target $target"

export SAM_CLI_TELEMETRY=0
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}"

# Sequential builds (no --parallel): the four binaries share the workspace's target directory,
# so the dependencies compile once and each function adds only its own crate.
sam build --template template.yaml --parameter-overrides "Architecture=$ARCHITECTURE" "$@"
echo "built into .aws-sam/build; deploy with: sam deploy --guided --parameter-overrides Architecture=$ARCHITECTURE"
