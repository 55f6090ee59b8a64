"""Local DynamoDB + DynamoDB Streams endpoint: moto's server, with each API call applied atomically.

Two changes to moto (pinned in requirements-local.txt), both to behave like DynamoDB:

1. moto's own `moto_server` handles requests on several threads without isolating them, so two
   concurrent conditional writes (or transactions) can both pass their condition: 40 concurrent
   sales of a product with 10 in stock sold 12 in our tests. DynamoDB never does that. Serialising
   the calls restores DynamoDB's guarantees (each request, and each transaction, is atomic and
   isolated) at the cost of parallelism the local stack does not need.
2. moto's TransactWriteItems deep-copies every table it touches (items and stream records) to be
   able to roll back, so each transaction costs time and memory in proportion to everything ever
   written: a few thousand sales took minutes and 15 GB. Here a transaction checks every
   condition first and writes only if all pass (as DynamoDB does), keeping copies of just the
   items it writes in case a write itself fails.

Usage: python scripts/local_dynamodb.py [--host 127.0.0.1] [--port 4566]
"""

import argparse
import os
import signal
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


def install_fast_transactions() -> None:
    import copy

    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    def key_of(backend, op_type, op):
        if op_type == "Put":
            table = backend.get_table(op["TableName"])
            attrs = op["Item"]
            key = {table.hash_key_attr: attrs[table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = attrs[table.range_key_attr]
            return key
        return op["Key"]

    def transact_write_items(self, transact_items):
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        ops, seen, errors = [], set(), []
        # Phase 1: every condition, against the state before the transaction.
        for entry in transact_items:
            if len(entry) > 1:
                raise TransactWriteSingleOpException
            op_type, op = next(iter(entry.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            key = key_of(self, op_type, op)
            unique = (op["TableName"], str(dict(sorted(key.items()))))
            if unique in seen:
                raise MultipleTransactionsException()
            seen.add(unique)
            current = self.get_item(op["TableName"], key)
            error = (None, None, None)
            if op.get("ConditionExpression") is not None:
                condition = get_filter_expression(
                    op["ConditionExpression"], op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                )
                if not condition.expr(current):
                    old = None
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        old = current.to_json()["Attributes"]
                    error = ("ConditionalCheckFailed", "The conditional request failed", old)
            errors.append(error)
            ops.append((op_type, op, key, copy.deepcopy(current)))
        if any(code is not None for code, _, _ in errors):
            raise TransactionCanceledException(errors)
        # Phase 2: the writes, undone (items and stream records) if one of them fails.
        tables = {op["TableName"] for _, op, _, _ in ops}
        stream_lengths = {
            name: len(self.get_table(name).stream_shard.items)
            for name in tables
            if self.get_table(name).stream_shard is not None
        }
        done = []
        try:
            for op_type, op, key, before in ops:
                name = op["TableName"]
                if op_type == "Put":
                    self.put_item(name, op["Item"])
                elif op_type == "Delete":
                    self.delete_item(name, key)
                elif op_type == "Update":
                    self.update_item(
                        name,
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=op.get("ExpressionAttributeNames"),
                        expression_attribute_values=op.get("ExpressionAttributeValues"),
                    )
                done.append((name, key, before))
        except Exception:
            for name, key, before in reversed(done):
                if before is None:
                    self.delete_item(name, key)
                else:
                    self.put_item(name, before.to_json()["Attributes"])
            for name, length in stream_lengths.items():
                del self.get_table(name).stream_shard.items[length:]
            raise

    DynamoDBBackend.transact_write_items = transact_write_items


def one_call_at_a_time(app):
    lock = threading.Lock()

    def serialised(environ, start_response):
        with lock:
            result = app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        return [body]

    return serialised


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    # Exit at once on a signal (a plain sys.exit would wait for request threads).
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    install_fast_transactions()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, one_call_at_a_time(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
