"""`make audit` runs pip-audit over every requirements file, strictly: a package that could not be audited
fails it. It needs PyPI's vulnerability service, so this test only reads what make would run (`make -n`)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = [
    "layers/common/requirements.txt",
    "requirements-dev.txt",
    "requirements-tools.txt",
    "requirements-checkov.txt",
]


def dry_run(target: str) -> str:
    result = subprocess.run(  # noqa: S603 - make, with fixed arguments
        ["make", "--no-print-directory", "-n", target],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_audit_runs_pip_audit_strictly_over_every_requirements_file() -> None:
    commands = dry_run("audit")
    [audit] = [line.split() for line in commands.splitlines() if "bin/pip-audit " in line]
    assert "--strict" in audit, audit
    assert audit[audit.index("-r") + 1] == "$requirements", audit
    # each file audited on its own: the environments pin different versions of the same packages
    audited = re.findall(r"for requirements in ([^;]+);", commands)
    assert audited, commands
    assert audited[0].split() == REQUIREMENTS


def test_pip_audit_is_pinned_with_the_tools() -> None:
    pins = (ROOT / "requirements-tools.txt").read_text()
    assert re.search(r"^pip-audit==\d+\.\d+\.\d+$", pins, re.MULTILINE), pins


def test_make_test_does_not_audit() -> None:
    """The vulnerability service may be out of reach where the tests run."""
    makefile = (ROOT / "Makefile").read_text()
    [test_rule] = re.findall(r"^test:(.*)$", makefile, re.MULTILINE)
    assert "audit" not in test_rule
    assert "pip-audit" not in dry_run("test")
