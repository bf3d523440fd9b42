"""(f) What a program pays a month: the AWS calls measured per path ((b), `aws_calls`), the cold starts
measured per function ((a), `first_call`), and published on-demand prices.

Prices are US dollars, before any free tier, for us-east-1 where the ca-central-1 figure could not be
found (each says which; docs/PERFORMANCE.md gives the sources). A request's life is the one `aws_calls`
follows: the form and its two assets, the submission, the match, three emails, and the supporter's
link opened, acknowledged and closed.
"""

from __future__ import annotations

from typing import Any

# Prices: (US$ per unit, where from). See docs/PERFORMANCE.md (f) for the pages.
PRICES: dict[str, tuple[float, str]] = {
    "lambda_gb_s": (0.0000133334, "Lambda arm64 duration per GB-second, us-east-1"),
    "lambda_request": (0.20 / 1e6, "Lambda per request, us-east-1"),
    "apigw_request": (3.50 / 1e6, "API Gateway REST API per request (first 333 M), us-east-1"),
    "wru": (0.625 / 1e6, "DynamoDB on-demand write request unit, us-east-1 (Nov 2024 prices)"),
    "rru": (0.125 / 1e6, "DynamoDB on-demand read request unit, us-east-1 (Nov 2024 prices)"),
    "email": (0.10 / 1000, "SES per email sent, every region"),
    "kms_request": (0.03 / 10000, "KMS per request"),
    "secret_call": (0.05 / 10000, "Secrets Manager per API call"),
    "schedule": (1.00 / 1e6, "EventBridge Scheduler per invocation (after 14 M free a month)"),
    "kms_key": (1.00, "KMS customer managed key, per month"),
    "secret": (0.40, "Secrets Manager secret, per month"),
    "alarm": (0.10, "CloudWatch standard alarm, per month"),
    "dashboard": (3.00, "CloudWatch dashboard, per month (the first 3 of an account are free)"),
}
MEMORY_GB = 0.5
ALARMS, DASHBOARDS, KEYS, SECRETS = 16, 1, 1, 1  # as template.yaml declares them
SWEEPS_A_MONTH = 30 * 24 * 4  # the schedule's rate(15 minutes)
# A write's request units: a request item is 1-2 KB and moves an entry of up to two sparse indexes; a
# transaction's writes count twice. Reads: one unit per item read (each under 4 KB).
WRU_PER_WRITE, WRU_PER_TRANSACTION_ITEM, RRU_PER_READ = 3, 6, 1
NETWORK_MS_PER_CALL = 10  # an AWS call's round trip inside the region, billed as duration
INVOKE_SLOWDOWN = 1769 / 512  # an invocation at 512 MB has 512/1769 of the vCPU Init has


def _units(calls: dict[str, int]) -> dict[str, float]:
    units = {"wru": 0.0, "rru": 0.0, "email": 0.0, "secret_call": 0.0, "kms_request": 0.0, "aws_calls": 0.0}
    for call, count in calls.items():
        if not isinstance(count, int) or ":" not in call:
            continue
        operation = call.split(":", 1)[1]
        units["aws_calls"] += count
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            units["wru"] += WRU_PER_WRITE * count
        elif operation == "TransactWriteItems":
            units["wru"] += 2 * WRU_PER_TRANSACTION_ITEM * count  # two items in each of ours
        elif operation in ("GetItem", "Query", "Scan"):
            units["rru"] += RRU_PER_READ * count
        elif operation == "SendEmail":
            units["email"] += count
        elif operation == "GetSecretValue":
            units["secret_call"] += count
            units["kms_request"] += count  # the secret is under the stack's key: one Decrypt each
    return units


def per_request(aws_calls: dict[str, Any]) -> dict[str, float]:
    """The units of one request's life, from the calls measured on each of its paths."""
    paths = ["submission", "match (per request)", "emails", "action: view", "action: acknowledge"]
    total: dict[str, float] = {}
    # The emails were measured on one batch, which may carry more than one request's.
    emails = aws_calls.get("emails", {})
    share = aws_calls.get("SES calls per lifecycle", 3) / max(emails.get("emails sent", 3), 1)
    for path in [*paths, "action: close"]:
        for unit, amount in _units(aws_calls.get(path, {})).items():
            total[unit] = total.get(unit, 0.0) + amount * (share if path == "emails" else 1)
    # Each path of a new instance reads the signing secret once (cached for five minutes after).
    total["secret_call"] = total.get("secret_call", 0.0) + 5
    total["kms_request"] = total.get("kms_request", 0.0) + 5
    total["apigw_request"] = 7  # the form, its stylesheet and icon, the post; the link, acknowledge, close
    total["lambda_request"] = 7 + 1 + 5  # the API's, one match, notify for the changes that email or not
    return total


def invocation_seconds(first_call: dict[str, Any], cold: bool) -> float:
    """The billed seconds of an average invocation at 512 MB: Init (a whole vCPU) and the event (a
    fraction of one) when cold, the event alone when warm, each AWS call's round trip on top."""
    rows = [row for row in first_call.values() if isinstance(row, dict) and "import" in row]
    if not rows:
        return 0.7 if cold else 0.06
    seconds = []
    for row in rows:
        event_ms = (row["first"] if cold else row["again"]) * INVOKE_SLOWDOWN
        calls = sum(row.get("calls", {}).values())
        seconds.append(((row["import"] if cold else 0) + event_ms + calls * NETWORK_MS_PER_CALL) / 1000)
    return sum(seconds) / len(seconds)


def fixed_monthly(first_call: dict[str, Any]) -> dict[str, float]:
    sweep = invocation_seconds(first_call, cold=True) * MEMORY_GB * PRICES["lambda_gb_s"][0]
    return {
        "alarms": ALARMS * PRICES["alarm"][0],
        "dashboard": DASHBOARDS * PRICES["dashboard"][0],
        "key": KEYS * PRICES["kms_key"][0],
        "secret": SECRETS * PRICES["secret"][0],
        "schedule (sweeps, each a cold start)": SWEEPS_A_MONTH
        * (sweep + PRICES["lambda_request"][0] + 3 * RRU_PER_READ * PRICES["rru"][0]),
    }


def variable_monthly(
    requests: int, aws_calls: dict[str, Any], first_call: dict[str, Any]
) -> dict[str, float]:
    units = per_request(aws_calls)
    # Below a few hundred a month nearly every invocation meets a new instance; at 10,000 (one every
    # four minutes) assume half do.
    cold_share = 1.0 if requests <= 1000 else 0.5
    seconds = cold_share * invocation_seconds(first_call, True) + (1 - cold_share) * invocation_seconds(
        first_call, False
    )
    return {
        "Lambda": requests
        * units["lambda_request"]
        * (PRICES["lambda_request"][0] + seconds * MEMORY_GB * PRICES["lambda_gb_s"][0]),
        "API Gateway": requests * units["apigw_request"] * PRICES["apigw_request"][0],
        "DynamoDB": requests * (units["wru"] * PRICES["wru"][0] + units["rru"] * PRICES["rru"][0]),
        "SES": requests * units["email"] * PRICES["email"][0],
        "Secrets Manager + KMS calls": requests
        * (units["secret_call"] * PRICES["secret_call"][0] + units["kms_request"] * PRICES["kms_request"][0]),
    }


def main(aws_calls: dict[str, Any], first_call: dict[str, Any] | None = None) -> dict[str, Any]:
    first_call = first_call or {}
    fixed = fixed_monthly(first_call)
    table: dict[str, Any] = {"per_request_units": per_request(aws_calls), "fixed": fixed}
    print(f"{'US$ a month':34} {'10':>9} {'100':>9} {'10,000':>9}")
    rows = {n: variable_monthly(n, aws_calls, first_call) for n in (10, 100, 10_000)}
    for name in rows[10]:
        print(f"{name:34} " + " ".join(f"{rows[n][name]:>9.4f}" for n in rows))
    totals = {n: sum(rows[n].values()) for n in rows}
    print(f"{'variable, in all':34} " + " ".join(f"{totals[n]:>9.4f}" for n in rows))
    print(f"{'fixed (alarms, dashboard, key, secret, schedule)':50} {sum(fixed.values()):>9.2f}")
    table.update(variable=rows, variable_totals=totals, fixed_total=round(sum(fixed.values()), 2))
    table["total_at"] = {n: round(totals[n] + sum(fixed.values()), 2) for n in rows}
    table["cold_invocation_s"] = round(invocation_seconds(first_call, True), 3)
    return table
