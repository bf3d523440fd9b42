"""What each function builds in Init (`handlers.PREPARE`, `handlers.PAGES`) names real modules,
callables and templates: Init suppresses a failed step (the first event does the work again), so a
misspelt one would only make cold starts slower, silently."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest

from peer_support.core.rendering import TEMPLATES
from peer_support.entrypoints.handlers import PAGES, PREPARE, resolve

ROOT = Path(__file__).resolve().parents[2]
STEPS = sorted({step for steps in PREPARE.values() for step in steps})


@pytest.mark.parametrize("step", STEPS)
def test_each_step_names_a_module_and_what_it_calls(step: str) -> None:
    target = resolve(step)
    module, _, path = step.partition(":")
    assert callable(target) if path else isinstance(target, ModuleType) and target.__name__ == module


@pytest.mark.parametrize("template", sorted({t for templates in PAGES.values() for t in templates}))
def test_each_page_compiled_in_init_exists(template: str) -> None:
    assert (TEMPLATES / template).is_file()


def test_each_key_is_what_a_function_runs() -> None:
    """The keys are the modules the API functions serve and the functions the consumers call, as the
    functions' `app.py` name them."""
    named = {
        name for app in ROOT.glob("functions/*/app.py") for name in re.findall(r'"([\w.]+)"', app.read_text())
    }
    assert "handle_match" in named
    assert set(PREPARE) <= named
    assert set(PAGES) <= named
