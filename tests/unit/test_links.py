"""Signed links decode strictly: any other spelling of a genuine token is no token at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from peer_support.links.tokens import (
    InvalidLink,
    issue_group_link,
    issue_link,
    verify_group_link,
    verify_link,
)

KEY = b"k" * 32
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def genuine() -> str:
    return issue_link("PS-7K3M-9QXD", "supporter", "s1", NOW, timedelta(days=30), KEY)


def respellings(token: str) -> dict[str, str]:
    """Strings a lenient base64 decoder reads as the same bytes as `token`."""
    payload, mac = token.split(".")
    # The MAC's 32 bytes take 43 characters, whose last holds 2 unused bits: the next character of the
    # alphabet differs only there, unless the unused bits were already 11.
    last = URLSAFE.index(mac[-1])
    nudged = URLSAFE[last + 1] if last % 4 != 3 else URLSAFE[last - 1]
    return {
        "the last MAC character plus one": f"{payload}.{mac[:-1]}{nudged}",
        "junk inside the payload": f"{payload[:5]}!*~{payload[5:]}.{mac}",
        "padding on the MAC": f"{payload}.{mac}==",
        "padding on the payload": f"{payload}==.{mac}",
        "a space inside the MAC": f"{payload}.{mac[:10]} {mac[10:]}",
        "standard base64 characters": f"{payload}.{mac.replace('-', '+').replace('_', '/')}"
        if "-" in mac or "_" in mac
        else f"{payload}.{mac}+",
    }


def test_a_genuine_link_verifies() -> None:
    assert verify_link(genuine(), KEY, NOW).holder == "s1"


@pytest.mark.parametrize("spelling", list(respellings(genuine())))
def test_every_other_spelling_of_a_link_is_refused(spelling: str) -> None:
    with pytest.raises(InvalidLink):
        verify_link(respellings(genuine())[spelling], KEY, NOW)


def test_a_registration_link_decodes_strictly_too() -> None:
    token = issue_group_link("2026-12-07", "GR-7K3M-9QXD", NOW + timedelta(days=6), KEY)
    assert verify_group_link(token, KEY, NOW).reference == "GR-7K3M-9QXD"
    for spelling in respellings(token).values():
        with pytest.raises(InvalidLink):
            verify_group_link(spelling, KEY, NOW)


def test_a_mac_of_another_length_is_refused() -> None:
    payload, mac = genuine().split(".")
    with pytest.raises(InvalidLink):
        verify_link(f"{payload}.{mac[:-3]}", KEY, NOW)
