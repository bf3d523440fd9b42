"""`python -m local_runner` as a process of its own, for what drives the local stack from outside over
HTTP: the end-to-end tests and the load benchmark."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from local_runner.stack import free_port

ROOT = Path(__file__).resolve().parent.parent


class StackDidNotStart(RuntimeError):
    """The local stack exited, or did not say it was running in time."""


@contextmanager
def launched(
    env: Mapping[str, str] | None = None, *, log: list[str] | None = None, seconds: float = 60
) -> Iterator[str]:
    """`python -m local_runner` on a free port, as `make run` starts it, with `env` added to this
    process's environment; yields its URL once it is running, and stops it when the block ends.

    Everything it prints after that is kept in `log` (if given), and read either way so it never blocks
    on a full pipe. Raises `StackDidNotStart` if it exits first or is not running within `seconds`.
    """
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "local_runner"],
        cwd=ROOT,
        env={
            **os.environ,
            "PORT": str(port),
            "PYTHONPATH": f"{ROOT / 'layers/common'}{os.pathsep}{ROOT}",
            **(env or {}),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + seconds
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "is running at" in line:
                break
            if time.monotonic() > deadline:
                raise StackDidNotStart(f"the local stack did not start within {seconds:g} s")
        else:
            raise StackDidNotStart(f"the local stack exited with {process.wait()}")
        threading.Thread(target=_drain, args=(process, log), daemon=True).start()
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _drain(process: subprocess.Popen[str], log: list[str] | None) -> None:
    for line in process.stdout or []:
        if log is not None:
            log.append(line)
