"""Matching a request to a Peer Supporter: pure functions of (request, roster, clock).

First the hard filters, which are never broken; then the preferences (a requested shared
identity, then language, then specialty), then the lowest load, then whoever was assigned least
recently, so the work rotates fairly. An urgent request then goes first to whoever is on call today
(`on_call_first`), and to everyone eligible when nobody is.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from peer_support.core.calendar import local_date
from peer_support.supporters.models import WEEKDAYS, SupporterRecord

# Why a supporter was left out, as codes: the record shows why, never who.
INACTIVE = "inactive"
AWAY = "away"
AT_CAPACITY = "at_capacity"
NO_SHARED_MODALITY = "no_shared_modality"
EXCLUDED = "excluded"
SAME_SITE = "same_site"
AVOIDED = "avoided"
IS_PARTICIPANT = "is_participant"
PAUSED = "paused"
TRAINING_LAPSED = "training_lapsed"


@lru_cache(maxsize=16384)  # rosters repeat the same names and places from one decision to the next
def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name: "Dr. Zoë O'Brien" → "zoe obrien"."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() or c.isspace() else "" for c in letters.casefold()).split()
    if words and words[0] in ("dr", "doctor"):
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True)
class Need:
    """What matching needs to know of a request, taken from its stored item."""

    modalities: frozenset[str]
    site: str = ""
    avoid: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    participant_names: frozenset[str] = frozenset()
    participant_emails: frozenset[str] = frozenset()
    identities: frozenset[str] = frozenset()
    language: str = ""
    specialty: str = ""
    urgent: bool = False

    @classmethod
    def of(cls, item: dict[str, Any]) -> Need:
        people = [p for p in (item.get("requester"), item.get("colleague")) if isinstance(p, dict)]
        preferences = item.get("preferences") or {}
        return cls(
            modalities=frozenset(item.get("modalities") or ()),
            site=normalise(item.get("site") or ""),
            avoid=frozenset(normalise(name) for name in item.get("avoid") or ()),
            excluded=frozenset(item.get("excluded_supporters") or ()),
            participant_names=frozenset(normalise(p.get("name", "")) for p in people) - {""},
            participant_emails=frozenset(str(p.get("email", "")).casefold() for p in people) - {""},
            identities=frozenset(normalise(i) for i in preferences.get("shared_identity") or ()),
            language=normalise(preferences.get("language") or ""),
            specialty=_normalised_answer(preferences, "specialty"),
            urgent=bool(item.get("urgent")),
        )


def _normalised_answer(answers: dict[str, Any], name: str) -> str:
    """A free-text answer as matching compares it; '' when not given."""
    return normalise(str(answers.get(name) or ""))


@lru_cache(maxsize=4096)
def normalised(values: tuple[str, ...]) -> frozenset[str]:
    """`normalise` of each of a supporter's sites, identities or languages, once per distinct list."""
    return frozenset(normalise(value) for value in values)


def why_not(need: Need, supporter: SupporterRecord, today: date) -> str | None:
    """The first hard filter `supporter` fails for `need` on `today` (the program's local date), or None
    if they may take it."""
    if not supporter.active:
        return INACTIVE
    if paused(supporter):
        return PAUSED
    if away(supporter, today):
        return AWAY
    if training_lapsed(supporter, today):
        return TRAINING_LAPSED
    if supporter.open_count >= supporter.open_limit:
        return AT_CAPACITY
    if need.modalities.isdisjoint(supporter.modalities):  # StrEnum members are their values
        return NO_SHARED_MODALITY
    if supporter.supporter_id in need.excluded:
        return EXCLUDED
    if need.site and need.site in normalised(tuple(supporter.sites)):
        return SAME_SITE
    name = normalise(supporter.name)
    if name in need.avoid:
        return AVOIDED
    if name in need.participant_names or supporter.email.casefold() in need.participant_emails:
        return IS_PARTICIPANT
    return None


def paused(supporter: SupporterRecord) -> bool:
    """The supporter paused themself: no new cases until they resume (their open ones stay theirs)."""
    return supporter.paused


def away(supporter: SupporterRecord, today: date) -> bool:
    """Away on `today`: from `away_from` (or now, without one) through `away_until`."""
    if supporter.away_until is None or today > supporter.away_until:
        return False
    return supporter.away_from is None or supporter.away_from <= today


def training_lapsed(supporter: SupporterRecord, today: date) -> bool:
    """Not matched from the day after `trained_until`."""
    return supporter.trained_until is not None and today > supporter.trained_until


def has_specialty(need: Need, supporter: SupporterRecord) -> bool:
    """A requested specialty among the supporter's, compared as names are (case, accents, punctuation)."""
    return bool(need.specialty) and need.specialty in normalised(tuple(supporter.specialties))


def _preference_key(need: Need, supporter: SupporterRecord) -> tuple[Any, ...]:
    shares_identity = not need.identities.isdisjoint(normalised(tuple(supporter.identities)))
    speaks_language = bool(need.language) and need.language in normalised(tuple(supporter.languages))
    return (
        not shares_identity,
        not speaks_language,
        not has_specialty(need, supporter),
        supporter.open_count,
        supporter.last_assigned_at or "",  # never assigned sorts first
        supporter.supporter_id,
    )


@dataclass(frozen=True)
class Ranking:
    candidates: list[SupporterRecord]
    left_out: dict[str, str] = field(default_factory=dict)  # supporter_id → code
    nobody_on_call: bool = False  # urgent, and no eligible supporter is on call today

    def reasons(self) -> dict[str, int]:
        """How many supporters each filter left out, for the record."""
        return dict(sorted(Counter(self.left_out.values()).items()))


def rank_candidates(item: dict[str, Any], roster: Iterable[SupporterRecord], now: datetime) -> Ranking:
    """Supporters who may take this request, best first, and why the others may not."""
    need = Need.of(item)
    today = local_date(now)
    candidates: list[SupporterRecord] = []
    left_out: dict[str, str] = {}
    for supporter in roster:
        code = why_not(need, supporter, today)
        if code is None:
            candidates.append(supporter)
        else:
            left_out[supporter.supporter_id] = code
    candidates.sort(key=lambda s: _preference_key(need, s))
    # A person who asked to talk again is offered first to the supporter they talked with, if free.
    candidates.sort(key=lambda s: s.supporter_id != item.get("follow_up_of"))
    if not need.urgent:
        return Ranking(candidates, left_out)
    on_call = on_call_first(candidates, today)
    return Ranking(on_call.candidates, left_out, nobody_on_call=on_call.nobody_on_call)


def on_call_first(candidates: list[SupporterRecord], today: date) -> Ranking:
    """The eligible supporters on call `today` (the program's local date) first, each group in the order
    it had; with nobody on call, everyone eligible as they were, and `nobody_on_call` says so."""
    weekday = WEEKDAYS[today.weekday()]
    on_call = [s for s in candidates if weekday in s.on_call]
    if not on_call:
        return Ranking(candidates, nobody_on_call=bool(candidates))
    return Ranking(on_call + [s for s in candidates if weekday not in s.on_call])
