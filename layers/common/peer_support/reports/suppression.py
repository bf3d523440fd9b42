"""Small counts hidden, so that a report never points at a person. Pure.

1. Every count from 1 to `min_count - 1` is *small*: written `<5` (the threshold written out).
2. Counts that add up are grouped in *families* (a month's requests by kind, by reason; its closed
   cases by modality, by conversations, by where the person went next), each with its total; a yes/no
   count (urgent, in time, helpful) makes a family of two with its total, the "no" never printed.
3. What a reader could work out is computed, not guessed: from every printed number, the bounds the
   marks imply (`<5` is 1 to 4, a hidden cell is at least 5) and each family's sum, the bounds of every
   cell are narrowed until nothing changes, across all the month's families at once (a total hidden
   in one family is hidden in all). While any small count's bounds close on one value, the smallest
   printed count of one of its families is hidden too (*complementary* suppression): written `hidden`.

A family whose members can overlap (one request, several reasons) only guarantees that its cells add
up to at least its total, and that none exceeds it; that is what is assumed of it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

SMALL = "small"
HIDDEN = "hidden"
SHOWN = "shown"


@dataclass(frozen=True)
class Family:
    name: str
    total: str
    cells: tuple[str, ...]
    partition: bool  # the cells add up to the total exactly (else: at least)
    # A "no" cell never printed (the total minus the one cell): protected, never shown.
    unprinted: bool = False


Bounds = dict[str, tuple[float, float]]


def _initial(counts: dict[str, int], status: dict[str, str], k: int) -> Bounds:
    bounds: Bounds = {}
    for measure, state in status.items():
        if measure.startswith("~"):
            bounds[measure] = (0, math.inf)  # never printed: known only through its family's sum
        elif state == SHOWN:
            bounds[measure] = (counts.get(measure, 0), counts.get(measure, 0))
        elif state == SMALL:
            bounds[measure] = (1, k - 1)
        else:
            bounds[measure] = (k, math.inf)
    return bounds


def _narrow(family: Family, bounds: Bounds) -> bool:
    """Tighten the bounds of a family's members by its sum; True when anything changed."""
    members = [family.total, *family.cells]
    lo = {m: bounds.get(m, (0, math.inf))[0] for m in members}
    hi = {m: bounds.get(m, (0, math.inf))[1] for m in members}
    cells_lo = sum(lo[c] for c in family.cells)
    cells_hi = sum(hi[c] for c in family.cells)
    new: Bounds = {}
    t = family.total
    if family.partition:
        new[t] = (max(lo[t], cells_lo), min(hi[t], cells_hi))
        for c in family.cells:
            others_lo, others_hi = cells_lo - lo[c], cells_hi - hi[c]
            new[c] = (max(lo[c], lo[t] - others_hi), min(hi[c], hi[t] - others_lo))
    else:
        new[t] = (max([lo[t], *(lo[c] for c in family.cells)]), min(hi[t], cells_hi))
        for c in family.cells:
            new[c] = (max(lo[c], lo[t] - (cells_hi - hi[c])), min(hi[c], hi[t]))
    if any(low > high for low, high in new.values()):
        return False  # the counts do not keep this family's rule (a reach-in gives no reason): no inference
    changed = False
    for member, value in new.items():
        if value != bounds.get(member, (0, math.inf)):
            bounds[member] = value
            changed = True
    return changed


def _settle(counts: dict[str, int], status: dict[str, str], families: list[Family], k: int) -> Bounds:
    """What a reader could narrow each cell to, from what would be printed and every family's sum."""
    bounds = _initial(counts, status, k)
    for _ in range(100):  # each round only narrows: a handful of rounds settles it
        if not any(_narrow(family, bounds) for family in families):
            break
    return bounds


def _complement(
    exposed: list[str], bounds: Bounds, counts: dict[str, int], status: dict[str, str], families: list[Family]
) -> str | None:
    """The smallest printed count to hide next: in a family of an exposed count, else in a family of a
    hidden cell that the sums still pin down (through which the exposed one is worked out)."""
    pinned = {m for m, (lo, hi) in bounds.items() if status.get(m) != SHOWN and lo == hi}
    for wanted in (set(exposed), pinned):
        candidates = [
            (counts.get(member, 0), member)
            for family in families
            if wanted & {family.total, *family.cells}
            for member in (family.total, *family.cells)
            if status.get(member) == SHOWN and counts.get(member, 0) > 0
        ]
        if candidates:
            return min(candidates)[1]
    return None


def suppress(
    counts: dict[str, int], printed: Iterable[str], families: list[Family], k: int
) -> dict[str, str]:
    """How each printed measure of one month is written: SHOWN, SMALL (`<k`) or HIDDEN."""
    counts = {**counts}
    status = {m: SMALL if 1 <= counts.get(m, 0) < k else SHOWN for m in printed}
    for family in families:
        if family.unprinted:
            # The never-printed "no" cell: known to a reader only through its family's sum.
            counts[f"~{family.cells[0]}"] = counts.get(family.total, 0) - counts.get(family.cells[0], 0)
            status[f"~{family.cells[0]}"] = HIDDEN
    every = _with_unprinted(families)
    while True:
        bounds = _settle(counts, status, every, k)
        exposed = [
            m
            for m in sorted(bounds)
            if 1 <= counts.get(m, 0) < k and status.get(m) != SHOWN and bounds[m][0] == bounds[m][1]
        ]
        if not exposed:
            break
        complement = _complement(exposed, bounds, counts, status, every)
        if complement is None:
            break  # nothing printed is left to hide: every family concerned is hidden already
        status[complement] = HIDDEN
    return {m: state for m, state in status.items() if not m.startswith("~")}


def _with_unprinted(families: list[Family]) -> list[Family]:
    return [
        Family(f.name, f.total, (*f.cells, f"~{f.cells[0]}"), True) if f.unprinted else f for f in families
    ]
