# The two commands of the project: `make dev` and `make test`. See README.md.
.PHONY: dev test lint fmt build clean bench lambda-sizes lint-template sam-build dynamodb-local test-dynamodb-local

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

# DynamoDB Local (AWS's own emulator) on 127.0.0.1:8000, in memory, until Ctrl-C; then
# `AWS_ENDPOINT_URL=http://127.0.0.1:8000 make dev` in another terminal. DYNAMODB_LOCAL_PORT and
# DYNAMODB_LOCAL_DATA (a folder: the data is kept there) change it.
dynamodb-local:
	@scripts/dynamodb-local.sh serve "$${DYNAMODB_LOCAL_PORT:-8000}" "$${DYNAMODB_LOCAL_DATA:-}"

# The DynamoDB-facing tests on DynamoDB Local alone (make test runs them too).
test-dynamodb-local:
	@scripts/dynamodb-local.sh test
