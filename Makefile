# The two commands of the project: `make dev` and `make test`. See README.md.
.PHONY: dev test lint fmt build clean bench lambda-sizes lint-template sam-build

dev:
	@scripts/dev.sh

test:
	@scripts/test.sh

lint:
	@scripts/lint.sh

fmt:
	cargo fmt --all

build:
	cargo build --workspace --release --locked

clean:
	cargo clean
	rm -rf .venv .venv-* .local

bench:
	@scripts/bench.sh

lambda-sizes:
	@scripts/lambda-sizes.sh

lint-template:
	@scripts/lint-template.sh

sam-build:
	@scripts/sam-build.sh
