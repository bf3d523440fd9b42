"""CPU time per match decision over a roster of 1,000 supporters (`make bench`)."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime

from peer_support.requests.matching import rank_candidates
from peer_support.supporters.models import SupporterRecord

SITES = ["VGH", "St. Paul's", "BC Children's", "MSJ", "UBC Hospital", "Richmond"]
IDENTITIES = ["woman in surgery", "Black physician", "parent of young children", "2SLGBTQIA+", "IMG"]
LANGUAGES = ["English", "French", "Punjabi", "Cantonese", "Tagalog", "Spanish"]
MODALITIES = ["in_person", "phone", "video"]


def roster(size: int, rng: random.Random) -> list[SupporterRecord]:
    return [
        SupporterRecord.model_validate(
            {
                "supporter_id": f"s{i:05d}",
                "name": f"Dr. Supporter {i}",
                "email": f"s{i}@example.org",
                "active": rng.random() > 0.1,
                "modalities": rng.sample(MODALITIES, rng.randint(1, 3)),
                "max_open": rng.randint(1, 4),
                "open_count": rng.randint(0, 3),
                "sites": rng.sample(SITES, rng.randint(0, 2)),
                "identities": rng.sample(IDENTITIES, rng.randint(0, 2)),
                "languages": rng.sample(LANGUAGES, rng.randint(1, 3)),
                "last_assigned_at": f"2026-11-{rng.randint(1, 25):02d}T10:00:00Z",
            }
        )
        for i in range(size)
    ]


def request(rng: random.Random) -> dict[str, object]:
    return {
        "request_id": "PS-AAAA-BBBB",
        "requester": {"name": "Dr. Ann Lee", "email": "ann@example.org"},
        "modalities": rng.sample(MODALITIES, rng.randint(1, 2)),
        "site": rng.choice(SITES),
        "avoid": ["Dr. Supporter 7", "Dr. Supporter 99"],
        "excluded_supporters": ["s00001"],
        "preferences": {"shared_identity": [rng.choice(IDENTITIES)], "language": rng.choice(LANGUAGES)},
    }


def main(size: int = 1000, decisions: int = 300) -> dict[str, float]:
    rng = random.Random(7)
    supporters = roster(size, rng)
    now = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
    samples = []
    for _ in range(decisions):
        item = request(rng)
        start = time.process_time()
        rank_candidates(item, supporters, now)
        samples.append((time.process_time() - start) * 1000)
    result = {
        "supporters": size,
        "decisions": decisions,
        "median_ms": statistics.median(samples),
        "p95_ms": statistics.quantiles(samples, n=20)[18],
    }
    print(
        f"match decision over {size} supporters: median {result['median_ms']:.3f} ms CPU, "
        f"p95 {result['p95_ms']:.3f} ms CPU ({decisions} decisions)"
    )
    return result


if __name__ == "__main__":
    main()
