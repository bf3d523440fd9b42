"""The program's report: the last 12 months, each measure as it may be printed (small counts hidden,
medians only over enough cases), as rows for the page and for the CSV. Pure."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from peer_support.core.calendar import local_date
from peer_support.reports.measures import HISTOGRAMS
from peer_support.reports.suppression import HIDDEN, SMALL, Family, suppress

# The codes of the contract (§7), in the order a reader expects them.
KINDS = ("self", "colleague", "reach_in")
REASONS = (
    "adverse_event",
    "complaint",
    "interpersonal_conflict",
    "life_stressor",
    "discrimination",
    "burnout",
    "workplace_change",
    "work_life_balance",
    "other",
)
MODALITIES = ("in_person", "phone", "video")
REFERRED_ON = (
    "physician_health_program",
    "employee_assistance",
    "own_physician",
    "other_professional",
    "none",
)

FLOW = (
    "requests",
    *KINDS,
    "urgent",
    "matched",
    "needs_admin",
    "withdrawn",
    "closed",
    "first_contacts",
    "first_contact_in_time",
    "breaches",
    "reassigned",
    "declined",
    "check_ins",
    "follow_up_requested",
)
FEEDBACK = (
    "feedback_responses",
    "feedback_helpful_4_or_5",
    "feedback_contacted_in_time",
    "feedback_would_recommend",
)
MEDIANS = {
    "time_to_match_p50_minutes": "time_to_match_minutes",
    "time_to_first_contact_p50_hours": "time_to_first_contact_hours",
}


def families(conversations: tuple[str, ...]) -> list[Family]:
    return [
        Family("kinds", "requests", tuple(KINDS), partition=True),
        Family("reasons", "requests", tuple(f"reason:{r}" for r in REASONS), partition=False),
        Family("modalities", "closed", tuple(f"modality:{m}" for m in MODALITIES), partition=True),
        Family("referred_on", "closed", tuple(f"referred_on:{r}" for r in REFERRED_ON), partition=False),
        Family("conversations", "closed", conversations, partition=True),
        Family("urgent", "requests", ("urgent",), partition=True, unprinted=True),
        Family("in_time", "first_contacts", ("first_contact_in_time",), partition=True, unprinted=True),
        *(
            Family(name, "feedback_responses", (name,), partition=True, unprinted=True)
            for name in FEEDBACK[1:]
        ),
    ]


@dataclass(frozen=True)
class Section:
    title: str
    measures: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    months: tuple[str, ...]  # oldest first
    sections: tuple[Section, ...]
    values: dict[str, dict[str, str]]  # month → measure → as printed ("" when not given)
    min_count: int

    def rows(self) -> list[tuple[str, str, str]]:
        """`(month, measure, value)` for the CSV: every printed measure of every month; a median over
        too few cases is left out."""
        return [
            (month, measure, self.values[month][measure])
            for month in self.months
            for section in self.sections
            for measure in section.measures
            if self.values[month].get(measure, "") != ""
        ]

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("month", "measure", "value"))
        writer.writerows(self.rows())
        return out.getvalue()


def last_months(now: datetime, count: int = 12) -> tuple[str, ...]:
    """The `count` months up to and including the program's current month, oldest first."""
    today = local_date(now)
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1).strftime("%Y-%m"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(reversed(months))


def median_bucket(counts: dict[str, int], histogram: str) -> tuple[int, str]:
    """How many cases a histogram holds, and the upper bound of the bucket its median falls in."""
    bounds = [*(str(b) for b in HISTOGRAMS[histogram]), "inf"]
    per_bucket = [counts.get(f"hist:{histogram}:le_{b}", 0) for b in bounds]
    total = sum(per_bucket)
    seen = 0
    for bound, count in zip(bounds, per_bucket, strict=True):
        seen += count
        if total and seen * 2 >= total:
            return total, bound if bound != "inf" else f">{HISTOGRAMS[histogram][-1]}"
    return total, ""


def _printed(
    counts: dict[str, int], counted: tuple[str, ...], conversations: tuple[str, ...], k: int
) -> dict[str, str]:
    """One month's measures as printed: counts with small ones hidden, medians over enough cases."""
    status = suppress(counts, counted, families(conversations), k)
    marks = {SMALL: f"<{k}", HIDDEN: "hidden"}
    printed = {m: marks.get(status[m], str(counts.get(m, 0))) for m in counted}
    for measure, histogram in MEDIANS.items():
        cases, bound = median_bucket(counts, histogram)
        printed[measure] = bound if cases >= k else ""
    return printed


def build(counts_by_month: dict[str, dict[str, int]], months: tuple[str, ...], min_count: int) -> Report:
    """The report of `months`: each month's counts as they may be printed."""
    seen_conversations = sorted(
        {m for counts in counts_by_month.values() for m in counts if m.startswith("conversations:")},
        key=lambda m: int(m.split(":", 1)[1]),
    )
    conversations = tuple(seen_conversations) or ("conversations:1",)
    sections = (
        Section("Requests and what happened to them", FLOW),
        Section("Medians (over at least the minimum number of cases)", tuple(MEDIANS)),
        Section("What brought people (one request may give several)", tuple(f"reason:{r}" for r in REASONS)),
        Section(
            "How supporters and people talked (closed cases)", tuple(f"modality:{m}" for m in MODALITIES)
        ),
        Section("Conversations per closed case", conversations),
        Section("Where people went next (closed cases)", tuple(f"referred_on:{r}" for r in REFERRED_ON)),
        Section("Anonymous feedback", FEEDBACK),
        Section("BIPOC Physician Peer Support Group", ("group_registrations",)),
    )
    counted = tuple(m for s in sections for m in s.measures if m not in MEDIANS)
    values = {
        month: _printed(counts_by_month.get(month, {}), counted, conversations, min_count) for month in months
    }
    return Report(months, sections, values, min_count)
