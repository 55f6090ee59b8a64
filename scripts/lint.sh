#!/usr/bin/env bash
# `make lint`: rustfmt, then Clippy over every target of the workspace (the pedantic group on;
# the lints the project allows are listed, each with its reason, in Cargo.toml), warnings denied.
# Clippy runs as the workspace's compiler in the build of every test, bench and binary (lib.sh,
# `use_clippy_driver`), so the build is also the one `make test` then runs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

cargo fmt --all -- --check

if [[ -z "${RUSTC_WORKSPACE_WRAPPER:-}" ]]; then
  echo "make lint: no clippy-driver to compile with (RUSTC_WORKSPACE_WRAPPER is set empty, or Clippy" \
    "is not installed: rustup component add clippy)" >&2
  exit 1
fi
# A warning does not stop a build: cargo prints (and, for a crate it does not compile again,
# replays) one "generated N warnings" line per crate that has some, which fails the lint here.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
build_workspace 2>&1 | tee "$log"
if grep -qE '^warning: .* generated [0-9]+ warnings?' "$log"; then
  echo "make lint: FAILED: the warnings above are denied" >&2
  exit 1
fi
echo "make lint: passed"
