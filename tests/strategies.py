"""Hypothesis strategies for what the models take: valid answers of every kind, and hostile values.

Valid values are drawn widely (any printable Unicode in a name, any mix of optional answers) so that a
property over them says something about the model, not about a handful of examples.
"""

from __future__ import annotations

from typing import Any, Final

from hypothesis import strategies as st

from peer_support.core.fields import Modality
from peer_support.requests.models import CareerStage, Kind, ReachInEvent, Reason

# Everything a one-line answer refuses: control, format, surrogate, private-use, unassigned, and the line
# and paragraph separators.
NOT_ON_A_LINE: Final = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def _stripped_size(low: int, high: int) -> Any:
    return lambda text: low <= len(text.strip()) <= high


lines = st.text(st.characters(exclude_categories=NOT_ON_A_LINE), min_size=1, max_size=100).filter(
    _stripped_size(1, 100)
)
notes = st.text(
    st.characters(exclude_categories=NOT_ON_A_LINE) | st.sampled_from("\n\t"), max_size=500
).filter(lambda text: text.strip() != "")
emails = st.from_regex(
    r"[a-z0-9]{1,12}([._+-][a-z0-9]{1,8}){0,2}@[a-z0-9]{1,12}(-[a-z0-9]{1,6})?\.(org|com|ca|net)",
    fullmatch=True,
)
phones = st.from_regex(r"\+?[0-9][0-9 ()\-.]{5,22}[0-9]", fullmatch=True)
# North American numbers, which a text message can reach: what a person who prefers phone contact gives.
textable_phones = st.from_regex(r"(\+1 )?[2-9][02-9][0-9] ?[2-9][02-9][0-9][ .-]?[0-9]{4}", fullmatch=True)
supporter_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", fullmatch=True)


def unique_lists(elements: Any, min_size: int = 0, max_size: int = 10) -> Any:
    return st.lists(elements, min_size=min_size, max_size=max_size, unique_by=lambda v: v)


def _optional(draw: Any, key: str, strategy: Any, data: dict[str, Any]) -> None:
    if draw(st.booleans()):
        data[key] = draw(strategy)


@st.composite
def contacts(draw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": draw(lines), "email": draw(emails)}
    _optional(draw, "phone", phones, data)
    if "phone" in data:
        _optional(draw, "preferred_contact", st.sampled_from(["email", "phone"]), data)
    if data.get("preferred_contact") == "phone":
        data["phone"] = draw(textable_phones)
    return data


@st.composite
def request_forms(draw: Any) -> dict[str, Any]:
    """A request the model takes: any kind, with the colleague and consent a referral needs."""
    kind = draw(st.sampled_from(list(Kind)))
    data: dict[str, Any] = {
        "kind": kind.value,
        "requester": draw(contacts()),
        "career_stage": draw(st.sampled_from(list(CareerStage))).value,
        "practices_in_vancouver": draw(st.booleans()),
        "reasons": draw(unique_lists(st.sampled_from([r.value for r in Reason]), 1, 9)),
        "modalities": draw(unique_lists(st.sampled_from([m.value for m in Modality]), 1, 3)),
    }
    if kind is Kind.COLLEAGUE:
        data["colleague"] = draw(contacts())
        data["consent_confirmed"] = True
    if kind is Kind.REACH_IN:
        # Someone else than the referrer, and what it follows; whether the invitation may name them.
        data["colleague"] = draw(contacts().filter(lambda c: c["email"] != data["requester"]["email"]))
        data["event"] = draw(st.sampled_from(list(ReachInEvent))).value
        _optional(draw, "share_referrer_name", st.booleans(), data)
    _optional(draw, "share_reasons", st.booleans(), data)
    _optional(draw, "urgent", st.booleans(), data)
    _optional(draw, "site", lines, data)
    _optional(draw, "note", notes, data)
    _optional(draw, "avoid", unique_lists(lines, max_size=10), data)
    preferences: dict[str, Any] = {}
    _optional(draw, "shared_identity", unique_lists(lines, max_size=5), preferences)
    _optional(draw, "language", lines, preferences)
    if preferences:
        data["preferences"] = preferences
    return data


@st.composite
def roster_entries(draw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "supporter_id": draw(supporter_ids),
        "name": draw(lines),
        "email": draw(emails),
        "modalities": draw(unique_lists(st.sampled_from([m.value for m in Modality]), 1, 3)),
    }
    _optional(draw, "phone", phones, data)
    _optional(draw, "active", st.booleans(), data)
    _optional(draw, "max_open", st.integers(0, 50), data)
    for key in ("sites", "identities", "languages"):
        _optional(draw, key, unique_lists(lines, max_size=20), data)
    _optional(draw, "away_until", st.dates().map(lambda d: d.isoformat()), data)
    return data


@st.composite
def supporter_records(draw: Any) -> dict[str, Any]:
    data: dict[str, Any] = draw(roster_entries())
    _optional(draw, "open_count", st.integers(0, 50), data)
    _optional(
        draw, "last_assigned_at", st.datetimes().map(lambda d: d.isoformat(timespec="seconds") + "Z"), data
    )
    return data


group_registrations = st.fixed_dictionaries(
    {"name": lines, "email": emails, "identifies_as_bipoc": st.booleans(), "practices_in_bc": st.booleans()}
)
group_cancel_forms = st.just({"action": "cancel"})
action_forms = st.one_of(
    st.fixed_dictionaries(
        {"action": st.sampled_from(["acknowledge", "decline", "confirm_consent", "cancel", "withdraw"])}
    ),
    st.fixed_dictionaries(
        {
            "action": st.just("close"),
            "conversations": st.integers(0, 20),
            "modality_used": st.sampled_from([m.value for m in Modality]),
        }
    ),
)

# Any JSON value at all, for a field that expects something else.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
# Strings a person should never get into a stored answer.
hostile_text = st.sampled_from(
    [
        "Dr. A\r\nBcc: x@evil.example",
        "A\u2028B",
        "A\x00B",
        "<script>alert(1)</script>\n\x1b[31m",
        "\ud800",
        "x" * 10_000,
        "",
        "   ",
        "A\u202eB",
    ]
)
