"""One event at a time across the local stack's functions, with the people waiting served first.

The stack's functions share one process (see `stack.LocalStack`), so one event runs at a time in all of
it. Who goes next matters under load: a request submitted or matched is what a person waits for, while
the emails have slack (each is sent within seconds, and exactly once whenever it goes). So an event of a
`background` function (the email consumers, the schedule) takes its turn when no other event is waiting,
or once it has waited `patience` seconds (so the emails keep flowing under a steady load); the rest take
theirs in whatever order the lock gives. Re-entrant, as the lock it replaces was.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Turns:
    def __init__(self, patience: float = 5.0) -> None:
        self.patience = patience
        self._lock = threading.RLock()
        self._changed = threading.Condition()
        self._waiting = 0  # events of foreground functions waiting for their turn
        self._owner: int | None = None

    @contextmanager
    def turn(self, background: bool) -> Iterator[None]:
        if self._owner == threading.get_ident():  # already this thread's turn (a nested call)
            self._lock.acquire()
        elif background:
            waited_until = time.monotonic() + self.patience
            taken = False
            with self._changed:
                # Taken here only when no foreground event waits for it; past patience, in the lock's turn.
                while not taken and time.monotonic() < waited_until:
                    taken = self._waiting == 0 and self._lock.acquire(blocking=False)
                    if not taken:
                        self._changed.wait(timeout=0.05)
            if not taken:
                self._lock.acquire()
        else:
            with self._changed:
                self._waiting += 1
            try:
                self._lock.acquire()
            finally:
                with self._changed:
                    self._waiting -= 1
        owner, self._owner = self._owner, threading.get_ident()
        try:
            yield
        finally:
            self._owner = owner
            self._lock.release()
            with self._changed:
                self._changed.notify_all()
