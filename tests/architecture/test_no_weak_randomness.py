"""The deployed code draws every random number from the operating system: ruff's bandit rules (S311)
run over it, and nothing in it silences them."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "common" / "peer_support"


def test_no_module_of_the_package_silences_the_pseudo_random_rule() -> None:
    silenced = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if "S311" in p.read_text()]
    assert silenced == []


def test_the_groups_retry_jitter_comes_from_the_operating_system() -> None:
    import random

    from peer_support.group import registrations

    assert isinstance(registrations._jitter, random.SystemRandom)
