"""The README's operator commands against the local stack, from a shell with no AWS credentials at all:
`make roster … ENDPOINT=…`, and the AWS CLI recipes once `GET /_local/aws?format=sh` is in the shell."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import ask_for_oneself, get_json, http, request_item, wait_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed"),
]

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def no_aws_environment(home: Path) -> dict[str, str]:
    """This process's environment without anything that could reach AWS: no AWS_* variable, and a home
    without `~/.aws`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {**env, "HOME": str(home)}


def readme_block(containing: str) -> str:
    """The README's `sh` block that contains `containing` (its indentation in a list item removed)."""
    for indent, body in re.findall(r"^( *)```sh\n(.*?)^\1```$", README, flags=re.MULTILINE | re.DOTALL):
        if containing in body:
            return "\n".join(line.removeprefix(indent) for line in body.splitlines())
    raise AssertionError(f"no sh block with {containing!r} in the README")


def make(target: str, *variables: str, home: Path) -> subprocess.CompletedProcess[str]:
    """`make <target> <variables>` as the README writes it, from a shell with no AWS credentials; `-o`
    because the tests already run inside the installed .venv."""
    return subprocess.run(  # noqa: S603 - make, with our own arguments
        [str(shutil.which("make")), "--no-print-directory", "-o", ".venv/.installed", target, *variables],
        cwd=ROOT,
        env=no_aws_environment(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def bash(script: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - a fixed interpreter, our own script
        ["/bin/bash", "-euo", "pipefail", "-c", script],
        env=no_aws_environment(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_local_aws_gives_what_a_shell_needs(local_url: str, tmp_path: Path) -> None:
    aws = get_json(f"{local_url}/_local/aws")
    assert aws["environment"] == {
        "AWS_ENDPOINT_URL": aws["endpoint_url"],
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": aws["region"],
        "AWS_REGION": aws["region"],
    }
    assert aws["outputs"]["RequestsTableName"] == aws["requests_table"]
    assert aws["outputs"]["SupportersTableName"] == aws["supporters_table"]
    assert aws["outputs"]["FormUrl"] == f"{local_url}/"

    status, headers, body = http("GET", f"{local_url}/_local/aws?format=sh")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    lines = body.decode()
    for name, value in aws["environment"].items():
        assert f"export {name}={value}\n" in lines
    shown = bash(
        f'eval "$(curl -s "{local_url}/_local/aws?format=sh")"\necho "$(output GroupTableName)"', tmp_path
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == aws["group_table"]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_roster_with_endpoint_needs_no_aws_credentials(local_url: str, tmp_path: Path) -> None:
    aws = get_json(f"{local_url}/_local/aws")
    before = get_json(f"{local_url}/_local/supporters")
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "supporter_id,name,email,modalities\ne2e-cli,Dr. Cli Import,cli.import@example.org,video\n",
        encoding="utf-8",
    )
    try:
        done = make(
            "roster",
            f"FILE={roster}",
            f"TABLE={aws['supporters_table']}",
            f"ENDPOINT={aws['endpoint_url']}",
            home=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        assert f"Imported 1 supporters into {aws['supporters_table']}." in done.stdout
        assert "e2e-cli" in {s["supporter_id"] for s in get_json(f"{local_url}/_local/supporters")}
    finally:
        status, _, _ = http(
            "PUT",
            f"{local_url}/_local/supporters",
            json.dumps(before).encode(),
            {"Content-Type": "application/json"},
        )
        assert status == 200


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_the_readme_query_and_requeue_work_on_the_local_stack(local_url: str, tmp_path: Path) -> None:
    names = [s["name"] for s in get_json(f"{local_url}/_local/supporters")]
    reference = ask_for_oneself(
        local_url,
        "Dr. Nobody Left",
        "nobody.left@example.org",
        ["burnout"],
        ["phone"],
        avoid=names,  # everyone: so the request waits for an administrator
    )
    assert wait_for(lambda: request_item(local_url, reference)["status"] == "needs_admin")
    shell = f'eval "$(curl -s "{local_url}/_local/aws?format=sh")"\n'

    listed = bash(shell + readme_block("--index-name by-status"), tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert reference in {item["request_id"]["S"] for item in json.loads(listed.stdout)["Items"]}

    requeue = readme_block("set_status()").replace("PS-7K3M-9QXD", reference)
    requeued = bash(shell + requeue, tmp_path)
    assert requeued.returncode == 0, requeued.stderr
    # The stream hands it to match again, which finds nobody again and says so once more.
    assert wait_for(
        lambda: [h["event"] for h in request_item(local_url, reference)["history"]].count("needs_admin") == 2,
        10,
    )
    # The same edit again, the request no longer where it was expected: refused, nothing changes.
    assert wait_for(lambda: request_item(local_url, reference)["status"] == "needs_admin")
    stale = bash(shell + requeue.replace("needs_admin pending_match", "matched pending_match"), tmp_path)
    assert stale.returncode != 0
    assert "ConditionalCheckFailed" in stale.stderr
    assert request_item(local_url, reference)["status"] == "needs_admin"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_report_prints_the_report_s_csv(local_url: str, tmp_path: Path) -> None:
    aws = get_json(f"{local_url}/_local/aws")
    ask_for_oneself(local_url, "Dr. Counted Once", "counted.once@example.org", ["burnout"], ["video"])

    def report() -> subprocess.CompletedProcess[str]:
        return make(
            "report",
            f"TABLE={aws['outputs']['CountersTableName']}",
            f"ENDPOINT={aws['endpoint_url']}",
            home=tmp_path,
        )

    def counted() -> subprocess.CompletedProcess[str] | None:
        # This month's requests, the last of the report's months, once the count function has run.
        done = report()
        assert done.returncode == 0, done.stderr
        rows = [line.split(",") for line in done.stdout.splitlines()[1:]]
        this_month = [value for month, measure, value in rows if measure == "requests"][-1]
        return done if this_month != "0" else None

    done = wait_for(counted, 20)
    assert done is not None
    lines = done.stdout.splitlines()
    assert lines[0] == "month,measure,value"
    assert len({line.split(",")[0] for line in lines[1:]}) == 12
    assert "Counted" not in done.stdout
