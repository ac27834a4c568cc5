"""moto's server (DynamoDB + SQS + Secrets Manager) with DynamoDB requests serialised.

moto's threaded server evaluates a conditional write's condition and applies it in separate
steps, so two concurrent claims can both "win" — real DynamoDB applies them atomically. This
wrapper runs every DynamoDB request under one lock (SQS long polls stay concurrent), so the
emulator keeps the guarantee the dedup store relies on.

usage: python scripts/moto_server.py PORT
"""

import os
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


def serialise_dynamodb(app):
    lock = threading.Lock()

    def wrapped(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with lock:
                # materialise the body inside the lock: the write happens while it is produced
                return list(app(environ, start_response))
        return app(environ, start_response)

    return wrapped


def main():
    port = int(sys.argv[1])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, serialise_dynamodb(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
