"""Local DynamoDB + DynamoDB Streams endpoint: moto's server, with each API call applied atomically.

moto's own `moto_server` handles requests on several threads without isolating them, so two
concurrent conditional writes (or transactions) can both pass their condition: 40 concurrent sales
of a product with 10 in stock sold 12 in our tests. DynamoDB never does that. Serialising the
calls restores DynamoDB's guarantees (each request, and each transaction, is atomic and isolated)
at the cost of parallelism the local stack does not need.

Usage: python scripts/local_dynamodb.py [--host 127.0.0.1] [--port 4566]
"""

import argparse
import os
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


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
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, one_call_at_a_time(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
