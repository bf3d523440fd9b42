"""Each function's metrics as its own Lambda instance keeps them, though the local runner runs every
function in one process, several at a time.

Powertools keeps one set of metrics per process: every `Metrics()` shares its class's dictionaries (the
metrics, dimensions, metadata and default dimensions), and a function's `log_metrics` publishes and
clears them when its invocation ends. In Lambda a process holds one function, running one event. Here
functions run side by side (`turns`), and one's flush would publish another's metrics as its own, then
clear them from under it. So, while a function runs (`running`), those dictionaries hold that function's
own; outside any function (a module's import), the process's, which each function's starts as a copy of.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_running: ContextVar[str | None] = ContextVar("running_function", default=None)

# The class attributes of Powertools' `Metrics` that all its instances share.
SHARED = ("_metrics", "_dimensions", "_metadata", "_default_dimensions")


class PerFunction(dict[str, Any]):
    """A dictionary whose contents are the running function's own. A `dict` still, for whatever checks
    for one; every way Powertools reads or changes it goes to `_own()`."""

    def __init__(self) -> None:
        super().__init__()
        self._by: dict[str | None, dict[str, Any]] = {None: {}}

    def _own(self) -> dict[str, Any]:
        function = _running.get()
        own = self._by.get(function)
        if own is None:
            own = self._by[function] = dict(self._by[None])
        return own

    def __getitem__(self, key: str) -> Any:
        return self._own()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._own()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._own()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._own()

    def __iter__(self) -> Iterator[str]:
        return iter(self._own())

    def __len__(self) -> int:
        return len(self._own())

    def __repr__(self) -> str:
        return repr(self._own())

    def __eq__(self, other: object) -> bool:
        return self._own() == other

    def get(self, key: str, default: Any = None) -> Any:
        return self._own().get(key, default)

    def keys(self) -> Any:
        return self._own().keys()

    def values(self) -> Any:
        return self._own().values()

    def items(self) -> Any:
        return self._own().items()

    def clear(self) -> None:
        self._own().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._own().update(*args, **kwargs)

    def pop(self, key: str, *default: Any) -> Any:
        return self._own().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        return self._own().popitem()

    def setdefault(self, key: str, default: Any = None) -> Any:
        return self._own().setdefault(key, default)

    def copy(self) -> dict[str, Any]:
        return dict(self._own())


def install() -> None:
    """Give each function its own metrics; call it before any `Metrics()` is built (the local stack does,
    when it starts, before it imports a handler): one built before keeps the process's dictionaries."""
    from aws_lambda_powertools.metrics.metrics import Metrics

    for name in SHARED:
        if not isinstance(getattr(Metrics, name), PerFunction):
            setattr(Metrics, name, PerFunction())


@contextmanager
def running(function: str) -> Iterator[None]:
    """While the block runs on this thread, the metrics are `function`'s."""
    token = _running.set(function)
    try:
        yield
    finally:
        _running.reset(token)
