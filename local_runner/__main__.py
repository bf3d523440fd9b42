"""`python -m local_runner`: the whole system on this machine, until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading

from local_runner.server import LocalServer
from local_runner.stack import LocalStack


def main() -> int:
    parser = argparse.ArgumentParser(description="Run Physician Peer Support locally.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    args = parser.parse_args()

    from peer_support import clock

    clock.use(clock.AdjustableClock())
    local = LocalStack().start()
    server = LocalServer((args.host, args.port), local)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    print(f"Physician Peer Support is running at http://{args.host}:{server.server_address[1]}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    print("Stopping…", flush=True)
    server.shutdown()
    local.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
