from __future__ import annotations

import re

from peer_support.core.reference import ALPHABET, new_reference, reference_for_key

PATTERN = re.compile(r"^PS-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def is_reference(value: str) -> bool:
    return bool(PATTERN.match(value))


def test_references_are_short_readable_and_distinct() -> None:
    references = {new_reference() for _ in range(2000)}
    assert len(references) == 2000
    for reference in references:
        assert is_reference(reference)
        assert len(reference) == len("PS-7K3M-9QXD")
        assert not set(reference[3:].replace("-", "")) & set("ILOU")


def test_alphabet_is_crockford_base32() -> None:
    assert len(ALPHABET) == 32
    assert not set(ALPHABET) & set("ILOU")


def test_key_derived_reference_is_stable_and_needs_the_secret() -> None:
    a = reference_for_key(b"secret-one", "key-123", "ann@example.org")
    assert a == reference_for_key(b"secret-one", "key-123", " Ann@Example.org ")
    assert is_reference(a)
    assert a != reference_for_key(b"secret-two", "key-123", "ann@example.org")
    assert a != reference_for_key(b"secret-one", "key-124", "ann@example.org")


def test_a_key_is_scoped_to_its_submitter() -> None:
    # Given the same key sent by two people, each lands on a reference of their own
    assert reference_for_key(b"secret", "key-123", "ann@example.org") != reference_for_key(
        b"secret", "key-123", "someone.else@example.org"
    )


def test_is_reference_rejects_lookalikes() -> None:
    for value in ["PS-7K3M-9QX", "ps-7k3m-9qxd", "PS-7K3M-9QXO", "PS-7K3M9QXD", "XX-7K3M-9QXD", ""]:
        assert not is_reference(value)
