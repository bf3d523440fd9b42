"""The layer's makefile ships its templates compiled, and bytecode when Lambda's Python is at hand (why:
`layers/common/Makefile`)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common"
HASH_BASED_UNCHECKED = 0b01  # PEP 552: hash-based, the source never checked
# Where the layer's environment takes the form from.
FORM_FROM = (
    "from peer_support.core.rendering import environment\n"
    "print(environment().get_template('pages/form.html').filename)"
)


def bytecode(packages: Path, lambda_python: str) -> subprocess.CompletedProcess[str]:
    # Without the checkout's own bytecode: compileall keeps a cached file whose timestamp still matches.
    shutil.copytree(
        LAYER / "peer_support", packages / "peer_support", ignore=shutil.ignore_patterns("__pycache__")
    )
    return make("bytecode", packages, f"LAMBDA_PYTHON={lambda_python}")


def make(target: str, packages: Path, *variables: str) -> subprocess.CompletedProcess[str]:
    """The layer makefile's `target` for the packages in `packages`, run with this machine's Python."""
    return subprocess.run(  # noqa: S603 - make, with our own arguments
        ["make", "-C", str(LAYER), target, f"PACKAGES={packages}", f"PYTHON={sys.executable}", *variables],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )


def test_each_module_gets_bytecode_that_never_checks_its_source(tmp_path: Path) -> None:
    # This machine's Python stands in for Lambda's: the makefile compiles with whichever it is given.
    made = bytecode(tmp_path, sys.executable)

    assert made.returncode == 0, made.stderr
    # The templates too, compiled to modules first (`templates`), so they get theirs, and the layer's
    # environment loads them.
    compiled = tmp_path / "peer_support" / "compiled_templates"
    assert len(list(compiled.glob("tmpl_*.py"))) > 100
    loaded = subprocess.run(  # noqa: S603 - this Python, with our own code
        [sys.executable, "-c", FORM_FROM],
        env={"PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(loaded.stdout.strip()).parent == compiled
    sources = sorted(tmp_path.rglob("*.py"))
    assert len(sources) > 50
    for source in sources:
        header = Path(importlib.util.cache_from_source(str(source))).read_bytes()[:8]
        assert header[:4] == importlib.util.MAGIC_NUMBER, source
        assert int.from_bytes(header[4:8], "little") == HASH_BASED_UNCHECKED, source


def test_without_lambdas_python_the_layer_builds_without_bytecode_and_says_so(tmp_path: Path) -> None:
    made = bytecode(tmp_path, "")

    assert made.returncode == 0, made.stderr
    assert "no Python 3.13 here" in made.stderr
    assert not list(tmp_path.rglob("__pycache__"))


def test_the_templates_are_compiled_from_the_package_being_built(tmp_path: Path) -> None:
    shutil.copytree(LAYER / "peer_support", tmp_path / "built" / "peer_support")
    text = tmp_path / "built" / "peer_support" / "templates" / "sms" / "assigned.txt"
    text.write_text(text.read_text() + "As built.")

    made = make("templates", tmp_path / "built")

    assert made.returncode == 0, made.stderr
    compiled = tmp_path / "built" / "peer_support" / "compiled_templates"
    assert any("As built." in module.read_text() for module in compiled.glob("tmpl_*.py"))
