"""Print the program's report as CSV (`month,measure,value`), from the deployed Counters table.

    PYTHONPATH=layers/common:. python tools/report.py --table TABLE [--min-count 5] [--region R]
        [--endpoint-url URL]

The same numbers, hidden the same way, as `GET /reports/{token}?format=csv`: the last 12 months up to
this one (Pacific time), every count from 1 to one below the minimum written `<5`, and enough others
`hidden` that none can be worked out. Exit status: 0 printed, 2 usage or AWS errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from peer_support.core import clock
from peer_support.reports.monthly import MonthlyCounters
from peer_support.reports.report import build, last_months

OK, FAILED = 0, 2


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="report", description="Print the program's report as CSV.")
    parser.add_argument("--table", required=True, help="the Counters table's name (output CountersTableName)")
    parser.add_argument("--min-count", type=int, default=5, help="ReportMinCount of the stack (default 5)")
    parser.add_argument("--region", help="AWS region (default: from the AWS configuration)")
    parser.add_argument("--endpoint-url", help="a DynamoDB endpoint other than AWS's (local testing)")
    args = parser.parse_args(argv)
    if args.min_count < 3:
        parser.error("--min-count must be at least 3")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    client = boto3.session.Session(region_name=args.region).client("dynamodb", endpoint_url=args.endpoint_url)
    months = last_months(clock.now())
    try:
        counts = MonthlyCounters(args.table, "", client).months(months)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "unknown error")
        print(f"report: could not read {args.table}: {code}", file=sys.stderr)
        return FAILED
    except BotoCoreError as error:  # No region, no credentials, endpoint unreachable.
        print(f"report: could not read {args.table}: {error}", file=sys.stderr)
        return FAILED
    sys.stdout.write(build(counts, months, args.min_count).csv())
    return OK


if __name__ == "__main__":
    sys.exit(main())
