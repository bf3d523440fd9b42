"""Small counts hidden: every rule, checked against a reader who tries every value the printed report
allows (brute force over the families' sums)."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import pytest

from peer_support.reports.measures import bucket, feedback_measures, request_measures
from peer_support.reports.report import build, families, last_months, median_bucket
from peer_support.reports.suppression import HIDDEN, SHOWN, SMALL, Family, suppress

K = 5
CONVERSATIONS = ("conversations:1", "conversations:2", "conversations:3")


def possible(
    counts: dict[str, int], status: dict[str, str], fams: list[Family], limit: int = 30
) -> dict[str, set[int]]:
    """Every value each unprinted cell can take, trying all combinations the printed page allows."""
    unknown = sorted(
        m for m, s in status.items() if s != SHOWN and any(m in (f.total, *f.cells) for f in fams)
    )
    ranges = [range(1, K) if status[m] == SMALL else range(K, limit) for m in unknown]
    values: dict[str, set[int]] = {m: set() for m in unknown}
    for combo in itertools.product(*ranges):
        guess = {
            **{m: counts.get(m, 0) for m in status if status[m] == SHOWN},
            **dict(zip(unknown, combo, strict=True)),
        }
        if all(_holds(f, guess) for f in fams):
            for m, v in zip(unknown, combo, strict=True):
                values[m].add(v)
    return values


def _holds(family: Family, guess: dict[str, int]) -> bool:
    cells = [guess.get(c, 0) for c in family.cells]
    total = guess.get(family.total, 0)
    if family.unprinted:
        return total - cells[0] >= 0
    return (
        sum(cells) == total if family.partition else (sum(cells) >= total and max(cells, default=0) <= total)
    )


CLOSED_FAMILY = [Family("conversations", "closed", CONVERSATIONS, partition=True)]


def test_a_small_count_is_written_with_the_threshold() -> None:
    # Given a month with 2 of one kind of closing among many
    counts = {"closed": 30, "conversations:1": 14, "conversations:2": 14, "conversations:3": 2}
    status = suppress(counts, ["closed", *CONVERSATIONS], CLOSED_FAMILY, K)
    assert status["conversations:3"] == SMALL
    report = build({"2026-03": counts}, ("2026-03",), K)
    assert report.values["2026-03"]["conversations:3"] == "<5"
    assert report.values["2026-03"]["closed"] == "30"


def test_naive_suppression_is_undone_by_the_total_so_another_cell_is_hidden() -> None:
    # 12 closed: 10 after one conversation, 2 after two. Hiding only the 2 leaves 12 - 10 = 2 to read.
    counts = {"closed": 12, "conversations:1": 10, "conversations:2": 2, "conversations:3": 0}
    naive = {"closed": SHOWN, "conversations:1": SHOWN, "conversations:2": SMALL, "conversations:3": SHOWN}
    assert possible(counts, naive, CLOSED_FAMILY)["conversations:2"] == {2}  # the naive page gives it away
    status = suppress(counts, ["closed", *CONVERSATIONS], CLOSED_FAMILY, K)
    assert status["conversations:2"] == SMALL
    assert status["conversations:1"] == HIDDEN  # the complementary cell
    assert status["closed"] == SHOWN
    assert len(possible(counts, status, CLOSED_FAMILY)["conversations:2"]) > 1


def test_a_hidden_cell_known_to_be_at_least_the_threshold_gives_nothing_away() -> None:
    # 6 closed: 1 and 5. Hiding the 5 as well still tells 6 - (at least 5) = at most 1: so the total goes too.
    counts = {"closed": 6, "conversations:1": 1, "conversations:2": 5, "conversations:3": 0}
    status = suppress(counts, ["closed", *CONVERSATIONS], CLOSED_FAMILY, K)
    assert status["conversations:1"] == SMALL
    assert status["conversations:2"] == HIDDEN
    assert status["closed"] == HIDDEN
    assert len(possible(counts, status, CLOSED_FAMILY)["conversations:1"]) > 1


def test_a_total_hidden_in_one_family_is_not_read_back_from_another() -> None:
    # The closed total, hidden for the conversations, is also the sum of the modalities: they hide too.
    counts = {"closed": 6, "conversations:1": 1, "conversations:2": 5, "modality:video": 6}
    fams = [
        *CLOSED_FAMILY,
        Family("modalities", "closed", ("modality:video", "modality:phone"), partition=True),
    ]
    printed = ["closed", *CONVERSATIONS, "modality:video", "modality:phone"]
    status = suppress(counts, printed, fams, K)
    assert status["modality:video"] == HIDDEN
    assert len(possible(counts, status, fams)["conversations:1"]) > 1


def test_the_unprinted_no_of_a_yes_no_count_is_protected() -> None:
    # 7 requests, 5 urgent: 2 not urgent would follow. One of the two printed numbers is hidden.
    counts = {"requests": 7, "urgent": 5}
    fams = [Family("urgent", "requests", ("urgent",), partition=True, unprinted=True)]
    status = suppress(counts, ["requests", "urgent"], fams, K)
    assert HIDDEN in (status["requests"], status["urgent"])
    report = build({"2026-03": {"requests": 7, "self": 7, "urgent": 5, "reason:burnout": 7}}, ("2026-03",), K)
    assert "hidden" in (report.values["2026-03"]["requests"], report.values["2026-03"]["urgent"])


def test_overlapping_families_assume_only_at_least_the_total() -> None:
    # Reasons overlap (one request, several reasons): 8 requests, reasons 8 and 3 do not reveal the 3.
    counts = {"requests": 8, "reason:burnout": 8, "reason:complaint": 3}
    fams = [Family("reasons", "requests", ("reason:burnout", "reason:complaint"), partition=False)]
    status = suppress(counts, list(counts), fams, K)
    assert status == {"requests": SHOWN, "reason:burnout": SHOWN, "reason:complaint": SMALL}


def test_zero_is_printed_and_no_count_is_hidden_without_need() -> None:
    counts = {"closed": 10, "conversations:1": 5, "conversations:2": 5, "conversations:3": 0}
    assert set(suppress(counts, ["closed", *CONVERSATIONS], CLOSED_FAMILY, K).values()) == {SHOWN}


@pytest.mark.parametrize("seed", range(40))
def test_no_small_count_can_be_worked_out_in_any_month(seed: int) -> None:
    # Random small months over the report's real families: the reader never pins a small count down.
    import random

    rng = random.Random(seed)
    conversations = [rng.choice((0, 1, 2, 3, 5, 8)) for _ in range(3)]
    modalities = [rng.choice((0, 1, 2, 6)) for _ in range(2)]
    closed = sum(conversations)
    counts = {
        "closed": closed,
        **{f"conversations:{i + 1}": n for i, n in enumerate(conversations)},
        "modality:video": modalities[0],
        "modality:phone": max(closed - modalities[0], 0),
    }
    fams = [
        Family("conversations", "closed", CONVERSATIONS, partition=True),
        Family("modalities", "closed", ("modality:video", "modality:phone"), partition=True),
    ]
    if counts["modality:video"] > closed:
        counts["modality:video"], counts["modality:phone"] = closed, 0
    status = suppress(counts, list(counts), fams, K)
    for measure, values in possible(counts, status, fams, limit=closed + 2).items():
        if status[measure] == SMALL:
            assert len(values) > 1, (counts, status, measure, values)


def test_medians_only_over_enough_cases() -> None:
    few = Counter({bucket("time_to_match_minutes", 3): 4})
    many = Counter({bucket("time_to_match_minutes", 3): 3, bucket("time_to_match_minutes", 100): 3})
    assert median_bucket(dict(many), "time_to_match_minutes") == (6, "5")
    report = build({"2026-02": dict(few), "2026-03": dict(many)}, ("2026-02", "2026-03"), K)
    assert report.values["2026-02"]["time_to_match_p50_minutes"] == ""
    assert report.values["2026-03"]["time_to_match_p50_minutes"] == "5"
    rows = report.csv().splitlines()
    assert rows[0] == "month,measure,value"
    assert "2026-03,time_to_match_p50_minutes,5" in rows
    assert not any(row.startswith("2026-02,time_to_match_p50") for row in rows)


def test_the_last_twelve_months_run_oldest_first_across_a_new_year() -> None:
    from datetime import UTC, datetime

    months = last_months(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    assert months[0] == "2025-04"
    assert months[-1] == "2026-03"
    assert len(months) == 12


def test_what_a_change_counts_for_is_codes_and_a_month_only() -> None:
    new = {
        "request_id": "PS-AAAA-BBBB",
        "version": 1,
        "kind": "reach_in",  # a kind counted by its own name, whatever it is
        "created_at": "2026-03-01T07:30:00Z",  # still February in Vancouver
        "reasons": ["burnout", "<script>"],
        "urgent": True,
        "requester": {"name": "Dr. Someone", "email": "someone@example.org"},
    }
    month, tally = request_measures(None, new) or ("", Counter())
    assert month == "2026-02"
    assert tally == Counter({"requests": 1, "reach_in": 1, "urgent": 1, "reason:burnout": 1})
    assert feedback_measures(4, False, True) == Counter(
        {"feedback_responses": 1, "feedback_helpful_4_or_5": 1, "feedback_would_recommend": 1}
    )
    assert families(CONVERSATIONS)[0].total == "requests"
    assert math.isinf(float("inf"))
