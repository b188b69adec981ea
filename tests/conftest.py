"""Shared fixtures: the worked example of DESIGN.md §3, a tmp folder and seeded random clients.

Only synthetic people, never real ones. Matplotlib draws off screen (Agg) and every figure a
test leaves open is closed after it.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

import ipt_graph as ig
from ipt_graph import vocab

DATA = Path(__file__).parent / "data"


# --- the worked example ------------------------------------------------------------------------


def build_worked_example() -> ig.Client:
    """DESIGN.md §3's worked example, built with the building API (rings = 3, sessions 1-6).

    | session | observations |
    | 1 | rate p1 ring 1 support 5 conflict 4; rate p2 ring 2 support 3 conflict 1; tie p1-p2 |
    | 2 | (no observations; attended) |
    | 3 | rate p1 conflict 2; remove p2 |
    | 4 | rate p3 ring 3 support 2 conflict 1 |
    | 5 | complete; rate p3 ring 2 support 2 conflict 1 |
    | 6 | rate p2 ring 3 support 4 conflict 1 |
    """
    client = ig.Client("C-014", rings=3)
    client.add_person("p1", label="Synthetic partner", role="partner")
    client.add_person("p2", label="Synthetic sibling", role="sibling")
    client.add_person("p3", label="Synthetic friend", role="friend")
    start = dt.date(2026, 1, 5)
    for number in range(1, 7):
        client.add_session(number, date=start + dt.timedelta(weeks=number - 1),
                           phase="initial" if number <= 3 else "middle", complete=number == 5)
    client.rate(1, "p1", ring=1, support=5, conflict=4)
    client.rate(1, "p2", ring=2, support=3, conflict=1)
    client.tie(1, "p1", "p2", kind="knows")
    client.rate(3, "p1", conflict=2)
    client.remove(3, "p2")
    client.rate(4, "p3", ring=3, support=2, conflict=1)
    client.rate(5, "p3", ring=2, support=2, conflict=1)
    client.rate(6, "p2", ring=3, support=4, conflict=1)
    return client


@pytest.fixture
def worked_example() -> ig.Client:
    """A fresh copy of DESIGN.md §3's worked example for each test."""
    return build_worked_example()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder for files a test writes."""
    target = tmp_path / "cases"
    target.mkdir()
    return target


@pytest.fixture
def data_dir() -> Path:
    """The folder of frozen test fixtures (``tests/data``)."""
    return DATA


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test leaves open (only if pyplot was imported at all)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


# --- seeded random clients ---------------------------------------------------------------------

_ROLES = [str(role) for role in vocab.Role]
_TEXT = ["Zoë's note", "naïve “quoted” text", "line\nbreak", "emoji 🙂", "plain"]


def random_client_dict(seed: int, *, max_people: int = 12, max_sessions: int = 6
                       ) -> dict[str, Any]:
    """A valid client as a plain dict, from a seed: several sessions of ratings, removals,
    ties and ended ties, complete and missed sessions, measures, events, problem areas.

    It follows the observation rules of DESIGN.md §3 (the order of ``model.walk``: a complete
    session ends the unobserved, then removals, then ratings, then ties), so it always loads.
    """
    rng = random.Random(seed)
    rings = rng.randint(vocab.MIN_RINGS, vocab.MAX_RINGS)
    n_people = rng.randint(0, max_people)
    ids = [f"p{i}" for i in range(n_people)]
    people = []
    for pid in ids:
        person: dict[str, Any] = {"person_id": pid, "role": rng.choice(_ROLES)}
        if rng.random() < 0.5:
            person["label"] = f"Synthetic {pid} {rng.choice(_TEXT)}"
        if rng.random() < 0.3:
            person["gender"] = rng.choice([str(g) for g in vocab.Gender])
        if rng.random() < 0.3:
            person["age_band"] = rng.choice([str(a) for a in vocab.AgeBand])
        if rng.random() < 0.2:
            person["attributes"] = {"hobby": rng.choice(_TEXT), "years_known": rng.randint(0, 40)}
        people.append(person)

    disputed = ids[0] if ids and rng.random() < 0.5 else None
    problem_areas: list[dict[str, Any]] = []
    if disputed:
        problem_areas.append({"area": "role_dispute", "primary": True, "focus": [disputed]})
    if rng.random() < 0.4:
        problem_areas.append({"area": "role_transition", "old_role": "worker",
                              "new_role": "retired", "date": "2025-06"})

    sessions, ratings, removals, ties = [], [], [], []
    on_map: set[str] = set()
    tied: set[tuple[str, str, str]] = set()
    date = dt.date(2025, 9, 1)
    for number in range(1, rng.randint(1, max_sessions) + 1):
        date += dt.timedelta(days=rng.choice([0, 7, 7, 14]))
        complete = number > 1 and rng.random() < 0.15
        session: dict[str, Any] = {"number": number, "date": date.isoformat(),
                                   "attended": rng.random() > 0.1, "complete": complete}
        if number == 1 or rng.random() < 0.2:
            session["phase"] = rng.choice([str(p) for p in vocab.Phase])
        if rng.random() < 0.6:
            items = [rng.randint(0, 3) for _ in range(9)]
            session["measures"] = {"phq9": {"items": items, "total": sum(items)},
                                   "bdi2": {"total": rng.randint(0, 63)},
                                   "sleep_hours": {"total": round(rng.uniform(3, 10), 2)}}
        if rng.random() < 0.2:
            session["notes"] = rng.choice(_TEXT)
        sessions.append(session)

        must_rate: set[str] = set()
        if complete:  # everyone kept must be observed at it; ties all end
            on_map = {pid for pid in on_map if rng.random() < 0.7}
            must_rate, tied = set(on_map), set()
        for pid in sorted(on_map):
            if not complete and rng.random() < 0.1:
                removals.append({"session": number, "person_id": pid})
                on_map.discard(pid)
        removed = {r["person_id"] for r in removals if r["session"] == number}
        for pid in ids:
            if pid in removed:
                continue
            entering = pid not in on_map
            if pid not in must_rate and rng.random() < (0.5 if entering else 0.4):
                continue
            rating: dict[str, Any] = {"session": number, "person_id": pid}
            if entering or rng.random() < 0.5:
                rating["ring"] = rng.randint(1, rings)
            for name in ("support", "conflict"):
                if entering or rng.random() < 0.5:
                    rating[name] = rng.randint(vocab.RATING_MIN, vocab.RATING_MAX)
            if rng.random() < 0.3:
                rating["contact"] = rng.choice([str(c) for c in vocab.Contact])
            if rng.random() < 0.2:
                rating["status"] = rng.choice([str(s) for s in vocab.Status])
            if rng.random() < 0.2:
                rating["confidant"] = rng.random() < 0.5
            if rng.random() < 0.2:
                rating["desired_ring"] = rng.randint(1, rings)
            if rng.random() < 0.1:
                rating["expectations_met"] = rng.choice([str(e) for e in vocab.ExpectationsMet])
            if pid == disputed and rng.random() < 0.5:
                rating["dispute_stage"] = rng.choice([str(d) for d in vocab.DisputeStage])
            if rng.random() < 0.1:
                rating["notes"] = rng.choice(_TEXT)
            if rng.random() < 0.1:
                rating["satisfying"] = rng.choice(_TEXT)
            if len(rating) == 2:  # a rating observes at least one field
                rating["support"] = rng.randint(vocab.RATING_MIN, vocab.RATING_MAX)
            ratings.append(rating)
            on_map.add(pid)
        tied = {key for key in tied if key[0] in on_map and key[1] in on_map}
        present = sorted(on_map)
        for key in sorted(tied):
            if rng.random() < 0.15:
                ties.append({"session": number, "a": key[0], "b": key[1], "kind": key[2],
                             "ended": True})
                tied.discard(key)
        for i, a in enumerate(present):
            for b in present[i + 1:]:
                if rng.random() < 0.2:
                    kind = rng.choice([str(k) for k in vocab.TieKind])
                    if (a, b, kind) in {(t["a"], t["b"], t["kind"]) for t in ties
                                        if t["session"] == number}:
                        continue
                    ties.append({"session": number, "a": a, "b": b, "kind": kind,
                                 "weight": round(1.0 - rng.random(), 4) or 1.0})
                    tied.add((a, b, kind))

    events = []
    for index in range(rng.randint(0, 3)):
        event: dict[str, Any] = {"event_id": f"e{index}",
                                 "kind": rng.choice([str(k) for k in vocab.EventKind]),
                                 "date": rng.choice(["2024", "2024-11", "2025-02-14"])}
        if ids:
            event["people"] = rng.sample(ids, rng.randint(0, min(2, len(ids))))
        if rng.random() < 0.3:
            event["onset"] = True
        events.append(event)

    data: dict[str, Any] = {
        "client_id": f"R-{seed}", "rings": rings, "people": people, "sessions": sessions,
        "ratings": ratings, "removals": removals, "ties": ties, "events": events,
        "problem_areas": problem_areas,
    }
    if rng.random() < 0.5:
        data["label"] = "Synthetic client " + rng.choice(_TEXT)
    if rng.random() < 0.5:
        data["planned_sessions"] = rng.choice([12, 16])
    return data


@pytest.fixture(scope="session")
def random_client() -> Callable[[int], ig.Client]:
    """A function ``seed -> Client`` building a valid random client (see random_client_dict)."""

    def build(seed: int) -> ig.Client:
        return ig.Client.from_dict(random_client_dict(seed))

    return build
