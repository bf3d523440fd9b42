"""Import the Peer Supporter roster from a CSV file into the supporters table.

    PYTHONPATH=layers/common:. python tools/roster.py FILE --table TABLE [--region R] [--endpoint-url URL]

The whole file is checked first: if any row is wrong, the problems are listed and nothing is written.
Supporters are created or updated, each keeping its count of open cases; supporters missing from the
file are left as they are. Exit status: 0 imported, 1 rows at fault, 2 usage, file or AWS errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from peer_support.supporters.repository import SupportersRepository
from peer_support.supporters.roster import RosterError, parse_roster

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

OK, BAD_ROWS, FAILED = 0, 1, 2
# Batches of 100 are each all-or-nothing, so a failure may leave earlier batches written; upserts are
# idempotent and keep open counts, so the fix is always to run the same import again.
_RERUN = "Running the import again is safe."


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="roster", description="Import the Peer Supporter roster (CSV, UTF-8) into DynamoDB."
    )
    parser.add_argument("file", type=Path, help="the roster CSV; the header row names the columns")
    parser.add_argument("--table", required=True, help="the supporters table's name")
    parser.add_argument("--region", help="AWS region (default: from the AWS configuration)")
    parser.add_argument("--endpoint-url", help="a DynamoDB endpoint other than AWS's (local testing)")
    return parser.parse_args(argv)


def _client(region: str | None, endpoint_url: str | None) -> DynamoDBClient:
    session = boto3.session.Session(region_name=region)
    return session.client("dynamodb", endpoint_url=endpoint_url)


def _fail(message: str) -> int:
    print(f"roster: {message}", file=sys.stderr)
    return FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """Run the import; returns the exit status (argparse itself exits 2 on bad usage)."""
    args = _arguments(argv)
    try:
        text = args.file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _fail(f"{args.file}: no such file")
    except UnicodeDecodeError:
        return _fail(f'{args.file}: not UTF-8 text (save it from the spreadsheet as "CSV UTF-8")')
    except OSError as error:
        return _fail(f"{args.file}: cannot be read ({error.strerror})")

    try:
        entries = parse_roster(text)
    except RosterError as error:
        for line, message in error.problems:
            print(f"line {line}: {message}", file=sys.stderr)
        print(f"{len(error.problems)} problem(s) found; nothing was imported.", file=sys.stderr)
        return BAD_ROWS

    try:
        SupportersRepository(args.table, _client(args.region, args.endpoint_url)).upsert(entries)
    except ClientError as error:
        # Only the code: DynamoDB's message may quote the item being written.
        code = error.response.get("Error", {}).get("Code", "unknown error")
        return _fail(f"could not write to {args.table}: {code}. {_RERUN}")
    except BotoCoreError as error:  # No region, no credentials, endpoint unreachable.
        return _fail(f"could not write to {args.table}: {error}. {_RERUN}")
    print(f"Imported {len(entries)} supporters into {args.table}.")
    return OK


if __name__ == "__main__":
    sys.exit(main())
