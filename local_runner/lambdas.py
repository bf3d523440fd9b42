"""Loads each function's real handler the way Lambda does: its own folder's `app.py`."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from local_runner.template import ACCOUNT_ID, ROOT, load_template

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """What Lambda passes as `context` (the attributes Powertools reads)."""

    function_name: str
    region: str = "ca-central-1"
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = ""

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


def handler_module(function: str) -> ModuleType:
    """Import `functions/<dir>/app.py` of the template's `function` under a name of its own."""
    props = load_template()["Resources"][function]["Properties"]
    module_file, _, _attr = props["Handler"].partition(".")
    path = ROOT / Path(props["CodeUri"]) / f"{module_file}.py"
    name = f"_lambda_{function}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def handler(function: str) -> Handler:
    props = load_template()["Resources"][function]["Properties"]
    attribute = props["Handler"].partition(".")[2]
    result: Handler = getattr(handler_module(function), attribute)
    return result


def invoke(function: str, event: dict[str, Any], region: str = "ca-central-1") -> Any:
    """Call `function`'s handler with `event` and a fresh context, as Lambda would."""
    return handler(function)(event, LambdaContext(function_name=function, region=region))
