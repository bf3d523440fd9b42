"""(a″) The layer as Lambda loads it: with and without bytecode, under Lambda's Python.

A layer built without bytecode is compiled from source at every cold start (why:
`layers/common/Makefile`), where the benchmarks' virtualenv has its packages' bytecode from pip. This
builds the layer with its own makefile (`layers/common/Makefile`, for this machine's platform, since
pydantic's core is compiled code), once as it builds with Lambda's Python at hand (bytecode) and once
without it, and imports each function from each in fresh processes of that Python, alternating with the
floor (`import boto3` and one client). boto3 stands in for the runtime's own, installed with bytecode as
pip installs it.

It needs Python 3.13 (`python3.13`, or `LAMBDA_PYTHON=...`) and the package index; without them it
says so and measures nothing. `.venv/bin/python -m benchmarks.layer_bytecode`
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.cold_import import FLOOR, LOAD, environment, timed

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
LAMBDA_VERSION = (3, 13)


def lambda_python() -> str | None:
    """Lambda's Python version on this machine, if there is one: as the layer's makefile looks for it."""
    for candidate in (os.environ.get("LAMBDA_PYTHON"), "python3.13"):
        if not candidate:
            continue
        try:
            found = subprocess.run(
                [candidate, "-c", "import sys; print(sys.executable, *sys.version_info[:2])"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
        except (OSError, subprocess.CalledProcessError):
            continue
        if tuple(int(part) for part in found[1:]) == LAMBDA_VERSION:
            return found[0]
    return None


def build_layers(python: str, into: Path) -> tuple[Path, Path, Path]:
    """The layer with bytecode, the same without, and the runtime's boto3: three directories."""
    compiled = into / "compiled"
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(ROOT / "layers" / "common"),
            "build-CommonLayer",
            f"ARTIFACTS_DIR={compiled}",
            f"PYTHON={sys.executable}",
            f"PLATFORM=manylinux2014_{platform.machine()}",
            f"LAMBDA_PYTHON={python}",
        ],
        check=True,
        capture_output=True,
    )
    source = into / "source"
    shutil.copytree(compiled, source, ignore=shutil.ignore_patterns("__pycache__"))
    runtime = into / "runtime"
    import boto3

    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--target", str(runtime), f"boto3=={boto3.__version__}"],
        check=True,
        capture_output=True,
    )
    return compiled / "python", source / "python", runtime


def main(runs: int = RUNS) -> dict[str, Any]:
    from local_runner.template import resources_of_type

    python = lambda_python()
    if python is None:
        print("skipped: no Python 3.13 here (python3.13, or LAMBDA_PYTHON=...)")
        return {"skipped": "no Python 3.13"}
    with tempfile.TemporaryDirectory() as directory:
        try:
            compiled, source, runtime = build_layers(python, Path(directory))
        except subprocess.CalledProcessError as error:
            why = (error.stderr or b"").decode(errors="replace").strip().splitlines()[-3:]
            print(
                f"skipped: the layer did not build ({error.cmd[0]} exited {error.returncode})", *why, sep="\n"
            )
            return {"skipped": "the layer did not build"}

        def env(function: str | None, layer: Path | None) -> dict[str, str]:
            paths = [str(layer)] if layer else []
            return {**environment(function), "PYTHONPATH": os.pathsep.join([*paths, str(runtime)])}

        def cpu(body: str, environ: dict[str, str]) -> float:
            return timed(body, environ, python)[1]

        rows: dict[str, Any] = {"python": python, "runs": runs}
        columns = ("floor", "source", "x floor", "bytecode", "x floor", "saved")
        print(f"{'import, under Python 3.13':28}" + "".join(f"{c:>9}" for c in columns))
        functions = resources_of_type("AWS::Serverless::Function")
        for function, resource in functions.items():
            body = LOAD.format(path=str(ROOT / resource["Properties"]["CodeUri"] / "app.py"))
            shipped, built = env(function, source), env(function, compiled)
            cpu(body, shipped), cpu(body, built)  # the file cache warm for both
            samples = [
                (cpu(FLOOR, env(None, None)), cpu(body, shipped), cpu(body, built)) for _ in range(runs)
            ]
            floor, without, with_ = (statistics.median(s[i] for s in samples) for i in range(3))
            rows[function] = {
                "floor_cpu_ms": round(floor),
                "source_cpu_ms": round(without),
                "bytecode_cpu_ms": round(with_),
                "source_ratio": round(without / floor, 2),
                "bytecode_ratio": round(with_ / floor, 2),
            }
            print(
                f"{function:28}{floor:>9.0f}{without:>9.0f}{without / floor:>9.2f}"
                f"{with_:>9.0f}{with_ / floor:>9.2f}{without - with_:>9.0f}"
            )
        print(f"(CPU ms, medians of {runs}; source: the layer as it builds without Python 3.13)")
        return rows


if __name__ == "__main__":
    main()
