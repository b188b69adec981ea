"""Tests of the bundled examples and the seeded synthetic generators (ipt_graph.datasets).

Outcome thresholds come from ``vocab.INSTRUMENTS`` (NHS Talking Therapies: PHQ-9 caseness
>= 10, reliable change >= 6; GAD-7 caseness >= 8, reliable change >= 4; DOMAIN.md §6).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from itertools import pairwise

import pytest

import ipt_graph as ig
from ipt_graph import datasets
from ipt_graph.errors import NotFoundError
from ipt_graph.io.casefile import dumps, loads
from ipt_graph.model import approx_date_span
from ipt_graph.vocab import INSTRUMENTS, MAX_RINGS, MIN_RINGS, Role

SEEDS = range(60)
EXAMPLES = ("grief", "interpersonal_deficits", "role_dispute", "role_transition")
SYNTHETIC_LABEL = re.compile(r"^Person \d+$")
EXAMPLE_LABEL = re.compile(r"^[A-Z][A-Za-z -]*\([A-Z]\.\)$")  # "Sister (B.)"


@pytest.fixture(scope="module")
def synthetic() -> list[ig.Client]:
    return [datasets.synthetic_client(seed) for seed in SEEDS]


@pytest.fixture(scope="module")
def examples() -> dict[str, ig.Client]:
    return {name: ig.load(datasets.examples_folder() / f"{name}.json") for name in EXAMPLES}


def series(client: ig.Client, instrument: str) -> list[tuple[int, float]]:
    """(session, total) of an instrument, in session order."""
    return [(s.number, s.measures[instrument].total) for s in client.sessions
            if instrument in s.measures]


def category(start: float, end: float, instrument: str) -> str:
    """NHS Talking Therapies outcome category between a start and an end score."""
    spec = INSTRUMENTS[instrument]
    if end - start >= spec.reliable_change:
        return "deteriorated"
    if start < spec.caseness:
        return "not_at_caseness"
    if start - end >= spec.reliable_change:
        return "recovered" if end < spec.caseness else "improved"
    return "unchanged"


# --- synthetic clients ------------------------------------------------------------------------


def test_same_seed_gives_equal_client():
    for seed in (0, 1, 17, 2**40):
        first, second = datasets.synthetic_client(seed), datasets.synthetic_client(seed)
        assert first == second
        assert dumps(first) == dumps(second)


def test_different_seeds_give_different_clients(synthetic):
    texts = {dumps(client).replace(client.client_id, "X") for client in synthetic}
    assert len(texts) == len(synthetic)


def test_client_id_default_and_override():
    assert datasets.synthetic_client(5).client_id == "SYN-5"
    assert datasets.synthetic_client(5, client_id="C-9").client_id == "C-9"
    assert (datasets.synthetic_client(5, client_id="C-9").to_dict()["ratings"]
            == datasets.synthetic_client(5).to_dict()["ratings"])
    with pytest.raises(TypeError):
        datasets.synthetic_client("5")


def test_synthetic_clients_validate_and_round_trip(synthetic):
    for client in synthetic:
        assert client.problems() == []
        assert loads(dumps(client)) == client
        assert ig.Client.from_dict(client.to_dict()) == client


def test_synthetic_sessions_and_measures(synthetic):
    for client in synthetic:
        numbers = [s.number for s in client.sessions]
        assert numbers == list(range(1, len(numbers) + 1))
        assert 1 <= len(numbers) <= 16
        dates = [s.date for s in client.sessions]
        assert dates == sorted(dates)
        for session in client.sessions:
            if session.attended:
                phq9 = session.measures["phq9"]
                assert len(phq9.items) == 9 and sum(phq9.items) == phq9.total
            else:
                assert session.measures == {}
                assert not [r for r in client.ratings if r.session == session.number]
                assert not [t for t in client.ties if t.session == session.number]
        assert all(SYNTHETIC_LABEL.match(p.label) for p in client.people)
        assert all(r.ring is None or r.ring <= client.rings for r in client.ratings)


def test_synthetic_variety(synthetic):
    assert {client.rings for client in synthetic} == set(range(MIN_RINGS, MAX_RINGS + 1))
    sizes = [len(client.people) for client in synthetic]
    assert min(sizes) == 0 and max(sizes) >= 30
    assert {p.role for client in synthetic for p in client.people} == set(Role)
    found = Counter()
    for client in synthetic:
        found["deceased"] += any(r.status == "deceased" for r in client.ratings)
        found["removal"] += bool(client.removals)
        found["ended_tie"] += any(t.ended for t in client.ties)
        found["complete"] += any(s.complete for s in client.sessions)
        found["missed"] += any(not s.attended for s in client.sessions)
        found["gad7"] += any("gad7" in s.measures for s in client.sessions)
        found["only_conflict"] += any(set(r.values()) == {"conflict"} for r in client.ratings)
        found["dispute_stage"] += any(r.dispute_stage for r in client.ratings)
        for name in ("contact", "confidant", "desired_ring"):
            found[name] += any(getattr(r, name) is not None for r in client.ratings)
        found["rerated"] += any(n > 1 for n in Counter(r.person_id for r in client.ratings)
                                .values())
        found["never_rated"] += bool({p.person_id for p in client.people}
                                     - {r.person_id for r in client.ratings})
    for fact in ("deceased", "removal", "ended_tie", "complete", "missed", "gad7",
                 "only_conflict", "dispute_stage", "contact", "confidant", "desired_ring",
                 "rerated", "never_rated"):
        assert found[fact] >= 2, fact


def test_synthetic_tie_density_spans_empty_to_near_complete(synthetic):
    densities = [m for client in synthetic for m in client.metrics()["density"].dropna()]
    assert min(densities) == 0.0
    assert max(densities) >= 0.9


def test_synthetic_people_leave_and_return(synthetic):
    returned = 0
    for client in synthetic:
        seen_off: set[str] = set()
        present: set[str] = set()
        for inventory in client.inventories():
            now = set(inventory.person_ids)
            seen_off |= present - now
            returned += len(now & seen_off)
            seen_off -= now
            present = now
    assert returned >= 2


def test_synthetic_cohort():
    cohort = datasets.synthetic_cohort(5, seed=3)
    assert [c.client_id for c in cohort] == [f"S-000{k}" for k in range(1, 6)]
    assert cohort == datasets.synthetic_cohort(5, seed=3)
    assert cohort[:3] == datasets.synthetic_cohort(3, seed=3)
    assert cohort != datasets.synthetic_cohort(5, seed=4)
    assert len({dumps(c).replace(c.client_id, "X") for c in cohort}) == 5
    assert datasets.synthetic_cohort(0, seed=1) == []
    with pytest.raises(ValueError, match="n_clients"):
        datasets.synthetic_cohort(-1, seed=1)


# --- bundled examples -----------------------------------------------------------------------------


def test_example_names_and_loading(examples):
    assert datasets.example_names() == list(EXAMPLES)
    for name, client in examples.items():
        assert datasets.load_example(name) == client
        assert datasets.load_example(f"{name}.json") == client


def test_unknown_example_lists_the_names():
    with pytest.raises(NotFoundError) as info:
        datasets.load_example("nope")
    assert all(name in str(info.value) for name in EXAMPLES)


def test_committed_examples_match_the_generator(tmp_path):
    written = datasets.write_examples(tmp_path)
    assert [path.name for path in written] == [f"{name}.json" for name in EXAMPLES]
    for path in written:
        committed = datasets.examples_folder() / path.name
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"{path.name} is stale: run python -m ipt_graph.datasets")


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_shape(examples, name):
    client = examples[name]
    sessions = client.sessions
    assert 12 <= len(sessions) <= 16
    assert [s.number for s in sessions] == list(range(1, len(sessions) + 1))
    assert all(b.date - a.date == dt.timedelta(weeks=1) for a, b in pairwise(sessions))
    phases = [s.phase for s in sessions]
    assert phases[:3] == ["initial"] * 3 and phases[3] == "middle"
    assert phases[-2:] == ["termination"] * 2 and phases.count("termination") <= 3
    assert phases == sorted(phases, key=["initial", "middle", "termination"].index)

    assert [a.area for a in client.problem_areas] == [name] and client.problem_areas[0].primary
    sentences = re.findall(r"[.!?](?:\s|$)", client.notes)
    assert 2 <= len(sentences) <= 4
    assert 6 <= len(client.people) <= 14
    assert all(EXAMPLE_LABEL.match(p.label) for p in client.people)

    rated_at = {r.session for r in client.ratings}
    assert {1, 2} <= rated_at and max(rated_at) == sessions[-1].number
    assert len(rated_at - {1, 2, 3}) >= 2  # re-rated mid-treatment and at the end
    assert any(n > 1 for n in Counter(r.person_id for r in client.ratings).values())
    assert any(not t.ended for t in client.ties)

    assert any(e.onset for e in client.events)
    assert all(re.fullmatch(r"\d{4}-\d{2}", e.date) for e in client.events)
    for session in sessions:
        if session.attended:
            phq9 = session.measures["phq9"]
            assert len(phq9.items) == 9 and all(0 <= v <= 3 for v in phq9.items)
            assert sum(phq9.items) == phq9.total
        else:
            assert session.measures == {}


def test_examples_cover_the_instruments(examples):
    assert any(item > 0 for c in examples.values() for s in c.sessions
               if "phq9" in s.measures for item in s.measures["phq9"].items[8:])
    gad7 = [s.measures["gad7"] for c in examples.values() for s in c.sessions
            if "gad7" in s.measures]
    assert gad7 and all(len(m.items) == 7 for m in gad7)
    rses = [s.measures["rses"] for c in examples.values() for s in c.sessions
            if "rses" in s.measures]
    assert rses and all(len(m.items) == 10 and sum(m.items) == m.total for m in rses)
    missed = {name: [s.number for s in c.sessions if not s.attended]
              for name, c in examples.items()}
    assert any(len(numbers) == 1 for numbers in missed.values())


def test_examples_show_different_phq9_outcomes(examples):
    outcomes = {}
    for name, client in examples.items():
        phq9 = series(client, "phq9")
        outcomes[name] = category(phq9[0][1], phq9[-1][1], "phq9")
    assert outcomes["role_dispute"] == "recovered"
    assert outcomes["role_transition"] == "improved"
    assert outcomes["interpersonal_deficits"] == "unchanged"
    # the grief case deteriorates reliably at some session (the anniversary), then recovers
    grief = series(examples["grief"], "phq9")
    assert max(total for _, total in grief) - grief[0][1] >= INSTRUMENTS["phq9"].reliable_change
    assert grief[-1][1] < grief[0][1]
    # anxiety in the transition case is below caseness from the start
    gad7 = series(examples["role_transition"], "gad7")
    assert category(gad7[0][1], gad7[-1][1], "gad7") == "not_at_caseness"


def test_grief_story(examples):
    client = examples["grief"]
    (focus,) = client.primary_problem_area.focus
    first = min((r for r in client.ratings if r.person_id == focus), key=lambda r: r.session)
    assert first.status == "deceased"
    assert all(inv.metrics()["n_deceased"] == 1 for inv in client.inventories())
    (death,) = [e for e in client.events if e.kind == "death"]
    assert focus in death.people
    (onset,) = [e for e in client.events if e.onset]
    died_by = approx_date_span(death.date)[1]
    assert died_by < approx_date_span(client.onset_date)[0]
    assert died_by < approx_date_span(onset.date)[0]


def test_role_dispute_story(examples):
    client = examples["role_dispute"]
    (focus,) = client.primary_problem_area.focus
    stages = [r.dispute_stage for r in client.ratings
              if r.person_id == focus and r.dispute_stage]
    assert stages[0] == "impasse" and stages[-1] == "renegotiation"
    rows = [inv.people.set_index("person_id").loc[focus] for inv in client.inventories()]
    conflict = [int(row["conflict"]) for row in rows]
    support = [int(row["support"]) for row in rows]
    assert conflict == sorted(conflict, reverse=True) and conflict[0] - conflict[-1] >= 3
    assert support == sorted(support) and support[-1] > support[0]
    assert {int(row["ring"]) for row in rows} == {1}
    assert rows[0]["type"] == rows[-1]["type"] == "ambivalent"


def test_role_transition_story(examples):
    client = examples["role_transition"]
    area = client.primary_problem_area
    assert area.old_role and area.new_role and area.date
    assert approx_date_span(area.date)[1] < approx_date_span(client.onset_date)[0]
    assert any(s.complete for s in client.sessions)


def test_interpersonal_deficits_story(examples):
    client = examples["interpersonal_deficits"]
    first = client.inventory(client.sessions[0].number).metrics()
    last = client.inventory().metrics()
    assert last["n_people"] > first["n_people"]
    assert last["n_confidants"] > first["n_confidants"]


def test_every_outcome_category_occurs_in_the_examples():
    """Issue 2: the examples together show every outcome category of DOMAIN.md §6."""
    categories = set()
    for name in datasets.example_names():
        categories |= set(datasets.load_example(name).outcomes()["category"].dropna())
    assert categories == {"recovered", "improved", "unchanged", "deteriorated",
                          "not_at_caseness"}
