"""`make run PARAMETERS="Name=Value …"`: template parameter overrides as `sam deploy` takes them, checked
against the template's declarations before anything starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local_runner.template import ParameterError, parameter_overrides

ROOT = Path(__file__).resolve().parents[2]


def test_space_separated_pairs_as_sam_deploy_takes_them() -> None:
    given = "GroupCapacity=3 ProgramName='Peer Support Vancouver' ParameterKey=SesSandbox,ParameterValue=true"
    assert parameter_overrides(given) == {
        "GroupCapacity": "3",
        "ProgramName": "Peer Support Vancouver",
        "SesSandbox": "true",
    }
    assert parameter_overrides("") == {}
    assert parameter_overrides("LinkTtlDays=7 LinkTtlDays=9") == {"LinkTtlDays": "9"}  # the later wins


def test_a_name_the_template_does_not_declare_is_refused_with_those_it_does() -> None:
    with pytest.raises(ParameterError) as refused:
        parameter_overrides("GroupCapacity=3 NoSuchSetting=0")
    message = str(refused.value)
    assert "no parameter 'NoSuchSetting'" in message
    assert "GroupCapacity" in message
    assert "RetentionDays" in message


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("GroupCapacity=0", "GroupCapacity: must be at least 1"),
        ("GroupCapacity=many", "GroupCapacity: must be a number"),
        ("RetentionDays=4000", "RetentionDays: must be at most 3650"),
        ("SesSandbox=maybe", "SesSandbox: must be one of true, false"),
        ("Region=us-east-1", "Region: must be one of ca-central-1, ca-west-1"),
        ("SenderEmail=nobody", "SenderEmail: must match"),
        ("GroupCapacity", "'GroupCapacity' is not Name=Value"),
        ("ProgramName='unclosed", "cannot be read"),
    ],
)
def test_a_value_the_template_would_refuse_is_refused(given: str, problem: str) -> None:
    with pytest.raises(ParameterError, match=problem.replace("(", r"\(")):
        parameter_overrides(given)


def test_an_override_reaches_the_functions_environment(aws: None) -> None:
    from local_runner.template import create_stack

    stack = create_stack(parameters=parameter_overrides("GroupCapacity=3 GroupMeetsOnHolidays=false"))

    environment = stack.function_environment("GroupFunction")
    assert environment["GROUP_CAPACITY"] == "3"
    assert environment["GROUP_MEETS_ON_HOLIDAYS"] == "false"


def run_local_stack(parameters: str) -> subprocess.CompletedProcess[str]:
    env: dict[str, Any] = {
        **os.environ,
        "PARAMETERS": parameters,
        "PORT": "0",
        "PYTHONPATH": f"{ROOT / 'layers/common'}{os.pathsep}{ROOT}",
    }
    return subprocess.run(
        [sys.executable, "-m", "local_runner"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_local_stack_will_not_start_with_an_unknown_parameter() -> None:
    done = run_local_stack("NoSuchParameter=5")
    assert done.returncode == 2
    assert done.stderr.startswith("PARAMETERS: the template declares no parameter 'NoSuchParameter'")
