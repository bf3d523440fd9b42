"""Which events of the local stack may run at the same time: one at a time per instance of a function
(one each here, or more where a stream's parallelization factor asks), and the instances side by side,
as they would be in Lambda.

The exception is the API's functions, which take their turns one at a time among themselves: Powertools
keeps the resolver's current event (and Lambda context) on the class all their resolvers share, so two
of them at once would answer each other's requests. What else the functions would share in one process
is kept apart: their log lines (`logs`) and their metrics (`metrics`). Not the instances of one
function, though, which share its logger: while two run at once (a parallelization factor's batches),
a line can carry the other's request id. Re-entrant: a turn can be taken again inside itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager


class Turns:
    def __init__(self, one_at_a_time: Iterable[str] = ()) -> None:
        """`one_at_a_time`: the functions that share one turn (the API's)."""
        shared = threading.RLock()
        self._shared = dict.fromkeys(one_at_a_time, shared)
        self._locks: dict[tuple[str, int], threading.RLock] = {}
        self._guard = threading.Lock()

    def _lock(self, function: str, instance: int) -> threading.RLock:
        if function in self._shared:
            return self._shared[function]
        with self._guard:
            return self._locks.setdefault((function, instance), threading.RLock())

    @contextmanager
    def turn(self, function: str, instance: int = 0) -> Iterator[None]:
        with self._lock(function, instance):
            yield
