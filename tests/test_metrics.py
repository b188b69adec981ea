"""Network measures of one inventory (DOMAIN.md §7), checked against worked examples, hand
calculations and networkx 3.6.

Sources of the expected numbers:
* DOMAIN.md §7 worked examples (checked there with networkx 3.6);
* networkx's ``effective_size``, ``constraint``, ``density``, ``number_connected_components``
  and ``isolates`` on ``Inventory.to_networkx(living_only=True)``, called with
  ``nodes=["ego"]`` as DESIGN.md §4 asks;
* hand calculations written out next to each assertion.
"""

from __future__ import annotations

import math
import random

import networkx as nx
import pandas as pd
import pytest

import ipt_graph as ig
from ipt_graph import metrics as M
from ipt_graph import vocab

NAN = float("nan")


def is_nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def close_or_both_nan(ours: float, theirs: float) -> bool:
    if math.isnan(theirs):
        return math.isnan(ours)
    return ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)


def domain_example(rings: int = 3) -> ig.Client:
    """DOMAIN.md §7: ego with A, B, C, D; ties A-B, B-C; A and B family, C friends, D work;
    A in ring 1, B in ring 2, C and D in ring 3."""
    client = ig.Client("C-500", rings=rings)
    client.add_person("A", role="partner")     # family
    client.add_person("B", role="sibling")     # family
    client.add_person("C", role="friend")      # friends
    client.add_person("D", role="colleague")   # work_school
    client.add_session(1)
    for pid, ring in (("A", 1), ("B", 2), ("C", 3), ("D", 3)):
        client.rate(1, pid, ring=ring, support=3, conflict=1)
    client.tie(1, "A", "B")
    client.tie(1, "B", "C")
    return client


# --- DOMAIN.md §7 worked examples -----------------------------------------------------------------


class TestWorkedExamples:
    def test_binary(self):
        m = domain_example().inventory(1).metrics()
        assert m["n_ties"] == 2
        assert m["density"] == pytest.approx(1 / 3)
        assert m["density_with_ego"] == pytest.approx(0.6)
        assert m["effective_size"] == pytest.approx(3.0)
        assert m["efficiency"] == pytest.approx(0.75)
        assert m["constraint"] == pytest.approx(0.534722, abs=1e-6)

    def test_weighted(self):
        # strengths 1, 2/3, 1/3, 1/3 (closeness with rings = 3); tie weights 1
        m = domain_example(rings=3).inventory(1).metrics()
        assert m["effective_size_weighted"] == pytest.approx(2.857143, abs=1e-6)
        assert m["efficiency_weighted"] == pytest.approx(0.714286, abs=1e-6)
        assert m["constraint_weighted"] == pytest.approx(0.738520, abs=1e-6)

    def test_sectors(self):
        m = domain_example().inventory(1).metrics()
        assert m["ei_sectors"] == pytest.approx(0.0)  # E = 1 (B-C), I = 1 (A-B)
        assert m["blau_sectors"] == pytest.approx(0.625)  # 1 - (0.5² + 0.25² + 0.25²)
        assert m["iqv_sectors"] == pytest.approx(0.75)  # 0.625 / (1 - 1/6)
        assert m["n_sectors"] == 3

    def test_components(self):
        m = domain_example().inventory(1).metrics()
        assert m["n_components"] == 2  # {A, B, C}, {D}
        assert m["n_isolates"] == 1  # D

    def test_plain_functions(self):
        assert M.density(4, 2) == pytest.approx(1 / 3)
        assert M.density_with_ego(4, 2) == pytest.approx(0.6)
        assert M.ei_index(["family", "family", "friends", "work_school"],
                          [(0, 1), (1, 2)]) == pytest.approx(0.0)
        assert M.blau(["family", "family", "friends", "work_school"]) == pytest.approx(
            (0.625, 0.75))
        assert is_nan(M.density(1, 0)) and is_nan(M.density_with_ego(0, 0))
        assert is_nan(M.ei_index(["family"], []))
        assert all(is_nan(x) for x in M.blau([]))

    def test_networkx_agrees_on_the_worked_example(self):
        graph = domain_example().inventory(1).to_networkx(living_only=True)
        assert nx.effective_size(graph, nodes=["ego"], weight="strength")["ego"] == (
            pytest.approx(2.857143, abs=1e-6))
        assert nx.constraint(graph, nodes=["ego"], weight="strength")["ego"] == (
            pytest.approx(0.738520, abs=1e-6))


# --- networkx on many random inventories ----------------------------------------------------------


def random_inventory_client(seed: int) -> ig.Client:
    """0-25 people, some deceased, random rings 2-6, random ties of random kinds and weights
    in (0, 1]; several kinds may join one pair."""
    rng = random.Random(seed)
    rings = rng.randint(2, 6)
    n = rng.randint(0, 25)
    roles = [str(role) for role in vocab.Role]
    ids = [f"q{i}" for i in range(n)]
    ratings = []
    for pid in ids:
        rating = {"session": 1, "person_id": pid, "ring": rng.randint(1, rings),
                  "support": rng.randint(1, 6), "conflict": rng.randint(1, 6)}
        if rng.random() < 0.2:
            rating["status"] = "deceased"
        ratings.append(rating)
    ties = []
    p_tie = rng.random()
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if rng.random() < p_tie:
                for kind in rng.sample(["knows", "close", "conflict"], rng.randint(1, 3)):
                    ties.append({"session": 1, "a": a, "b": b, "kind": kind,
                                 "weight": 1.0 - rng.random()})
    return ig.Client.from_dict({
        "client_id": f"R-{seed}", "rings": rings,
        "people": [{"person_id": pid, "role": rng.choice(roles)} for pid in ids],
        "sessions": [{"number": 1}], "ratings": ratings, "ties": ties})


@pytest.mark.parametrize("block", range(4))
def test_structural_measures_agree_with_networkx(block):
    for seed in range(block * 30, block * 30 + 30):
        inv = random_inventory_client(seed).inventory(1)
        m = inv.metrics()
        graph = inv.to_networkx(living_only=True)
        alters = graph.subgraph([node for node in graph if node != "ego"])
        n = alters.number_of_nodes()
        assert n == m["n_people"] - m["n_deceased"], seed
        assert alters.number_of_edges() == m["n_ties"], seed
        for name, weight in (("", None), ("_weighted", "strength")):
            size = nx.effective_size(graph, nodes=["ego"], weight=weight)["ego"]
            constraint = nx.constraint(graph, nodes=["ego"], weight=weight)["ego"]
            assert close_or_both_nan(m[f"effective_size{name}"], size), (seed, name)
            assert close_or_both_nan(m[f"constraint{name}"], constraint), (seed, name)
            efficiency = size / n if n else NAN
            assert close_or_both_nan(m[f"efficiency{name}"], efficiency), (seed, name)
        if n >= 2:  # networkx returns 0 below 2 people, DOMAIN.md §7 NaN
            assert m["density"] == pytest.approx(nx.density(alters)), seed
        else:
            assert is_nan(m["density"]), seed
        assert m["n_components"] == nx.number_connected_components(alters), seed
        assert m["n_isolates"] == len(list(nx.isolates(alters))), seed


# --- edge cases -----------------------------------------------------------------------------------


def one_session_client(rings: int = 3) -> ig.Client:
    client = ig.Client("C-501", rings=rings)
    client.add_session(1)
    return client


def test_empty_map_gives_nans_and_zeros():
    m = one_session_client().inventory(1).metrics()
    zeros = ["n_people", "n_deceased", "n_confidants", "support_sum", "conflict_sum",
             "n_supportive", "n_aversive", "n_ambivalent", "n_indifferent", "n_ties",
             "n_components", "n_isolates", "n_sectors", "sni_diversity", "sni_high_contact",
             "n_carried", "max_staleness", "n_ring_1", "n_ring_2", "n_ring_3"]
    nans = ["n_ring_4", "n_ring_5", "n_ring_6", "support_mean", "conflict_mean",
            "desired_ring_gap", "density", "density_with_ego", "effective_size", "efficiency",
            "constraint", "effective_size_weighted", "efficiency_weighted",
            "constraint_weighted", "blau_sectors", "iqv_sectors", "ei_sectors"]
    assert sorted(zeros + nans) == sorted(M.METRICS)
    for name in zeros:
        assert m[name] == 0, name
    for name in nans:
        assert is_nan(m[name]), name


def test_one_person():
    client = one_session_client()
    client.add_person("p1", role="friend")
    client.rate(1, "p1", ring=2, support=4, conflict=2)
    m = client.inventory(1).metrics()
    assert m["n_people"] == 1
    assert is_nan(m["density"])  # n < 2
    assert m["density_with_ego"] == pytest.approx(1.0)  # (0 + 1) / (1·2/2)
    assert m["effective_size"] == pytest.approx(1.0)  # n - 2t/n = 1
    assert m["efficiency"] == pytest.approx(1.0)
    assert m["constraint"] == pytest.approx(1.0)  # p_ej = 1, squared
    assert m["effective_size_weighted"] == pytest.approx(1.0)
    assert m["constraint_weighted"] == pytest.approx(1.0)
    assert (m["n_components"], m["n_isolates"]) == (1, 1)
    assert m["blau_sectors"] == pytest.approx(0.0) and m["iqv_sectors"] == pytest.approx(0.0)
    assert is_nan(m["ei_sectors"])  # no ties
    assert m["n_ambivalent"] == 1
    assert m["support_mean"] == pytest.approx(4.0)


def test_everyone_deceased():
    client = one_session_client()
    client.add_person("p1", role="parent")
    client.add_person("p2", role="friend")
    client.rate(1, "p1", ring=1, support=6, conflict=1, status="deceased", contact="daily",
                confidant=True)
    client.rate(1, "p2", ring=2, support=2, conflict=3, status="deceased")
    client.tie(1, "p1", "p2")
    m = client.inventory(1).metrics()
    assert m["n_people"] == 2 and m["n_deceased"] == 2
    assert m["n_ring_1"] == 1 and m["n_ring_2"] == 1  # quality measures cover the dead
    assert m["support_sum"] == 8 and m["conflict_mean"] == pytest.approx(2.0)
    assert (m["n_supportive"], m["n_ambivalent"]) == (1, 1)
    for name in ("density", "density_with_ego", "effective_size", "efficiency", "constraint",
                 "effective_size_weighted", "efficiency_weighted", "constraint_weighted",
                 "ei_sectors"):
        assert is_nan(m[name]), name
    assert (m["n_ties"], m["n_components"], m["n_isolates"]) == (0, 0, 0)
    assert m["n_confidants"] == 0 and m["sni_high_contact"] == 0 and m["sni_diversity"] == 0
    assert m["n_sectors"] == 2 and m["blau_sectors"] == pytest.approx(0.5)
    graph = client.inventory(1).to_networkx()
    assert set(graph) == {"ego", "p1", "p2"}  # the full graph keeps the dead
    assert set(client.inventory(1).to_networkx(living_only=True)) == {"ego"}


def test_deceased_leave_structure_but_count_as_people():
    client = domain_example()
    client.rate(1, "B", status="deceased")  # the broker dies: A, C, D unconnected
    m = client.inventory(1).metrics()
    assert m["n_people"] == 4 and m["n_deceased"] == 1
    assert m["n_ties"] == 0
    assert m["density"] == pytest.approx(0.0)
    assert m["effective_size"] == pytest.approx(3.0)  # 3 - 0
    assert m["n_isolates"] == 3
    assert m["n_sectors"] == 3 and m["blau_sectors"] == pytest.approx(0.625)


def test_six_rings_and_nan_beyond_rings():
    client = one_session_client(rings=6)
    for ring in range(1, 7):
        client.add_person(f"p{ring}")
        client.rate(1, f"p{ring}", ring=ring)
    m = client.inventory(1).metrics()
    assert [m[f"n_ring_{k}"] for k in range(1, 7)] == [1.0] * 6
    # strength of ring k with 6 rings: (6 - k + 1) / 6
    graph = client.inventory(1).to_networkx()
    assert graph.edges["ego", "p6"]["strength"] == pytest.approx(1 / 6)
    assert graph.edges["ego", "p6"]["distance"] == pytest.approx(6.0)

    two = one_session_client(rings=2)
    two.add_person("p1")
    two.rate(1, "p1", ring=2)
    m = two.inventory(1).metrics()
    assert (m["n_ring_1"], m["n_ring_2"]) == (0.0, 1.0)
    assert all(is_nan(m[f"n_ring_{k}"]) for k in (3, 4, 5, 6))


def test_types_count_with_the_threshold():
    client = one_session_client()
    cases = {"p1": (2, 1), "p2": (1, 2), "p3": (2, 2), "p4": (1, 1), "p5": (5, 4)}
    for pid, (support, conflict) in cases.items():
        client.add_person(pid)
        client.rate(1, pid, ring=1, support=support, conflict=conflict)
    inv = client.inventory(1)
    default = inv.metrics()  # threshold 1.5: a rating above 1 counts (DOMAIN.md §4)
    assert [default[f"n_{kind}"] for kind in ("supportive", "aversive", "ambivalent",
                                              "indifferent")] == [1, 1, 2, 1]
    strict = inv.metrics(threshold=2.5)  # only 5 and 4 count: p5 ambivalent, the rest not
    assert [strict[f"n_{kind}"] for kind in ("supportive", "aversive", "ambivalent",
                                             "indifferent")] == [0, 0, 1, 4]
    frame = M.client_metrics(client, threshold=2.5)
    assert frame.loc[0, "n_indifferent"] == 4
    assert inv.people.set_index("person_id")["type"].to_dict() == {
        "p1": "supportive", "p2": "aversive", "p3": "ambivalent", "p4": "indifferent",
        "p5": "ambivalent"}


def test_desired_ring_gap_sign():
    client = one_session_client()
    for pid in ("p1", "p2", "p3"):
        client.add_person(pid)
    client.rate(1, "p1", ring=3, desired_ring=1)  # wants closer: +2
    client.rate(1, "p2", ring=1, desired_ring=2)  # wants further: -1
    client.rate(1, "p3", ring=2)  # no desired ring: left out
    assert client.inventory(1).metrics()["desired_ring_gap"] == pytest.approx(0.5)
    closer = one_session_client()
    closer.add_person("p1")
    closer.rate(1, "p1", ring=3, desired_ring=2)
    assert closer.inventory(1).metrics()["desired_ring_gap"] > 0


def test_sni_derived_counts_by_hand():
    """SNI-derived diversity and high-contact size (Cohen et al. 1997; DOMAIN.md §5):
    living people in regular contact, i.e. fortnightly or more often, who hold one of the
    SNI's 12 roles."""
    people = [
        ("p1", "partner", "daily", None),            # spouse_partner, regular
        ("p2", "parent", "weekly", None),            # parents, regular
        ("p3", "step_parent", "fortnightly", None),  # parents again, regular
        ("p4", "friend", "monthly", None),           # not regular
        ("p5", "colleague", "several_weekly", None),  # workmates, regular
        ("p6", "sibling", "daily", "deceased"),      # dead: left out
        ("p7", "neighbour", "never", None),          # not regular
        ("p8", "faith_member", None, None),          # contact unknown: left out
        ("p9", "therapist", "weekly", None),         # no SNI role: left out of both
    ]
    client = one_session_client()
    for pid, role, contact, status in people:
        client.add_person(pid, role=role)
        client.rate(1, pid, ring=2, contact=contact, status=status, confidant=pid in {"p1", "p6"})
    m = client.inventory(1).metrics()
    assert m["sni_diversity"] == 3  # spouse_partner, parents, workmates
    assert m["sni_high_contact"] == 4  # p1, p2, p3, p5
    assert m["n_confidants"] == 1  # p1; p6 is deceased


def test_support_and_conflict_sums_and_means():
    client = domain_example()
    client.rate(1, "A", support=6, conflict=5)
    m = client.inventory(1).metrics()
    assert m["support_sum"] == 6 + 3 + 3 + 3
    assert m["support_mean"] == pytest.approx(15 / 4)
    assert m["conflict_sum"] == 5 + 1 + 1 + 1
    assert m["conflict_mean"] == pytest.approx(2.0)


def test_metrics_are_plain_python_numbers(worked_example):
    m = worked_example.inventory().metrics()
    assert list(m) == list(M.METRICS)
    for name, value in m.items():
        expected = int if M.METRIC_DTYPES[name] == "int64" else float
        assert type(value) is expected, name


# --- client.metrics() table -----------------------------------------------------------------------


def test_client_metrics_columns_and_dtypes(worked_example):
    frame = worked_example.metrics()
    assert list(frame.columns) == ["client_id", "session", *M.METRICS]
    assert frame["client_id"].dtype == pd.StringDtype(na_value=pd.NA)
    assert frame["session"].dtype == "int64"
    for name, dtype in M.METRIC_DTYPES.items():
        assert str(frame[name].dtype) == dtype, name
    assert set(M.METRIC_DTYPES) == set(M.METRICS)
    assert (frame["client_id"] == "C-014").all()
    for inv, (_, row) in zip(worked_example.inventories(), frame.iterrows(), strict=True):
        for name, value in inv.metrics().items():
            assert close_or_both_nan(float(row[name]), float(value)), name


def test_client_metrics_of_a_client_without_sessions():
    frame = ig.Client("C-502").metrics()
    assert len(frame) == 0
    assert list(frame.columns) == ["client_id", "session", *M.METRICS]
    for name, dtype in M.METRIC_DTYPES.items():
        assert str(frame[name].dtype) == dtype, name


# --- the graph view (DESIGN.md §4) ----------------------------------------------------------------


def test_to_networkx_attributes():
    client = domain_example()
    client.rate(1, "A", status="active")
    client.tie(1, "A", "B", kind="close", weight=0.5)
    graph = client.inventory(1).to_networkx()
    assert type(graph) is nx.Graph
    assert set(graph) == {"ego", "A", "B", "C", "D"}
    for u, v, data in graph.edges(data=True):
        assert data["strength"] > 0
        assert data["distance"] == pytest.approx(1 / data["strength"])
        if "ego" in (u, v):
            assert {"ring", "support", "conflict", "type"} <= set(data)
            assert "kinds" not in data
        else:
            assert isinstance(data["kinds"], frozenset)
    ego_a = graph.edges["ego", "A"]
    assert (ego_a["ring"], ego_a["support"], ego_a["conflict"], ego_a["type"]) == (
        1, 3, 1, "supportive")
    assert ego_a["strength"] == pytest.approx(1.0)
    assert graph.edges["ego", "B"]["strength"] == pytest.approx(2 / 3)
    assert graph.edges["A", "B"]["kinds"] == frozenset({"knows", "close"})
    assert graph.edges["A", "B"]["strength"] == pytest.approx(1.0)  # strongest of the kinds
    assert graph.edges["B", "C"]["kinds"] == frozenset({"knows"})
    assert graph.nodes["A"]["role"] == "partner"
    assert graph.nodes["A"]["sector"] == "family"
    assert graph.nodes["A"]["status"] == "active"
    assert "status" not in graph.nodes["B"]  # unknown values are left out, never None
