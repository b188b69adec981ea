"""Observation semantics (DESIGN.md §3, normative): the worked example and rules 1-7.

Every expected value comes from DESIGN.md §3: its worked example table, or the numbered rule
named in the test.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

import ipt_graph as ig


def values(inventory: ig.Inventory) -> dict[str, tuple[int, int, int]]:
    """person_id -> (ring, support, conflict) on the map."""
    frame = inventory.people
    return {row.person_id: (int(row.ring), int(row.support), int(row.conflict))
            for row in frame.itertuples()}


def observed_at(inventory: ig.Inventory, person_id: str) -> dict[str, int]:
    row = inventory.people.set_index("person_id").loc[person_id]
    return {name: int(row[f"{name}_observed_at"]) for name in ("ring", "support", "conflict")}


def tie_keys(inventory: ig.Inventory) -> set[tuple[str, str, str]]:
    return {(t.a, t.b, t.kind) for t in inventory.ties.itertuples()}


def simple_client(rings: int = 3, sessions: int = 4, people: int = 3) -> ig.Client:
    client = ig.Client("C-100", rings=rings)
    for i in range(1, people + 1):
        client.add_person(f"p{i}", role="friend")
    for number in range(1, sessions + 1):
        client.add_session(number)
    return client


# --- the worked example ------------------------------------------------------------------------


class TestWorkedExample:
    """DESIGN.md §3, worked example (rings = 3, sessions 1-6)."""

    def test_rings_and_sessions(self, worked_example):
        assert worked_example.rings == 3
        assert [s.number for s in worked_example.sessions] == [1, 2, 3, 4, 5, 6]
        assert [inv.session for inv in worked_example.inventories()] == [1, 2, 3, 4, 5, 6]

    def test_session_1(self, worked_example):
        inv = worked_example.inventory(1)
        assert values(inv) == {"p1": (1, 5, 4), "p2": (2, 3, 1)}
        assert tie_keys(inv) == {("p1", "p2", "knows")}
        assert observed_at(inv, "p1") == {"ring": 1, "support": 1, "conflict": 1}

    def test_session_2_same_as_1_with_carried_values(self, worked_example):
        inv = worked_example.inventory(2)
        assert values(inv) == {"p1": (1, 5, 4), "p2": (2, 3, 1)}
        assert tie_keys(inv) == {("p1", "p2", "knows")}
        assert observed_at(inv, "p2") == {"ring": 1, "support": 1, "conflict": 1}
        metrics = inv.metrics()
        assert metrics["n_carried"] == 6  # 2 people x (ring, support, conflict)
        assert metrics["max_staleness"] == 1

    def test_session_3_per_field_carry_and_removal(self, worked_example):
        inv = worked_example.inventory(3)
        assert values(inv) == {"p1": (1, 5, 2)}
        assert observed_at(inv, "p1") == {"ring": 1, "support": 1, "conflict": 3}
        assert inv.person_ids == ["p1"]  # p2 gone
        assert tie_keys(inv) == set()  # tie gone with p2

    def test_session_4(self, worked_example):
        inv = worked_example.inventory(4)
        assert values(inv) == {"p1": (1, 5, 2), "p3": (3, 2, 1)}
        assert observed_at(inv, "p3") == {"ring": 4, "support": 4, "conflict": 4}

    def test_session_5_complete_ends_p1(self, worked_example):
        inv = worked_example.inventory(5)
        assert values(inv) == {"p3": (2, 2, 1)}
        assert observed_at(inv, "p3") == {"ring": 5, "support": 5, "conflict": 5}

    def test_session_6_p2_returns_with_nothing_carried(self, worked_example):
        inv = worked_example.inventory(6)
        assert values(inv) == {"p2": (3, 4, 1), "p3": (2, 2, 1)}
        assert observed_at(inv, "p2") == {"ring": 6, "support": 6, "conflict": 6}
        assert observed_at(inv, "p3") == {"ring": 5, "support": 5, "conflict": 5}  # carried
        row = inv.people.set_index("person_id").loc["p2"]
        assert row["entered_at"] == 6
        # every field of p2 was observed at 6: nothing from session 1 crosses the gap
        observed = [row[f"{name}_observed_at"] for name in ig.model.RATING_FIELDS]
        assert all(pd.isna(at) or at == 6 for at in observed)
        assert tie_keys(inv) == set()  # the p1-p2 tie of session 1 is not back

    def test_latest_session_is_the_default(self, worked_example):
        assert worked_example.inventory().session == 6

    def test_metrics_one_row_per_session(self, worked_example):
        frame = worked_example.metrics()
        assert frame["session"].tolist() == [1, 2, 3, 4, 5, 6]
        assert frame["n_people"].tolist() == [2, 2, 1, 2, 1, 2]
        assert frame["n_ties"].tolist() == [1, 1, 0, 0, 0, 0]
        # n_carried: rating values observed before the session (DESIGN.md §3 rule 7)
        # s1 0; s2 6; s3 p1 ring+support = 2; s4 p1's 3; s5 0; s6 p3's 3
        assert frame["n_carried"].tolist() == [0, 6, 2, 3, 0, 3]
        # max_staleness: session minus the oldest observation on the map
        assert frame["max_staleness"].tolist() == [0, 1, 2, 3, 0, 1]

    def test_inventories_equal_single_resolution(self, worked_example):
        for inv in worked_example.inventories():
            single = worked_example.inventory(inv.session)
            pd.testing.assert_frame_equal(inv.people, single.people)
            pd.testing.assert_frame_equal(inv.ties, single.ties)


# --- rule 1: per field ---------------------------------------------------------------------------


def test_rule_1_each_field_carries_on_its_own():
    client = simple_client()
    client.rate(1, "p1", ring=2, support=5, conflict=4, contact="weekly")
    client.rate(3, "p1", ring=1)
    client.rate(4, "p1", status="estranged")
    inv = client.inventory(4)
    row = inv.people.set_index("person_id").loc["p1"]
    assert (row["ring"], row["support"], row["conflict"]) == (1, 5, 4)
    assert row["contact"] == "weekly"
    assert row["status"] == "estranged"
    assert row["ring_observed_at"] == 3
    assert row["support_observed_at"] == 1
    assert row["conflict_observed_at"] == 1
    assert row["contact_observed_at"] == 1
    assert row["status_observed_at"] == 4
    assert pd.isna(row["desired_ring_observed_at"])  # never observed
    assert pd.isna(row["desired_ring"])


def test_rule_1_rating_twice_at_one_session_merges():
    client = simple_client()
    client.rate(1, "p1", ring=2, support=5)
    client.rate(1, "p1", conflict=3)
    client.rate(1, "p1", support=6)
    assert len(client.ratings) == 1
    assert values(client.inventory(1)) == {"p1": (2, 6, 3)}


# --- rule 2: entering ----------------------------------------------------------------------------


def test_rule_2_added_but_never_rated_is_not_on_the_map():
    client = simple_client()
    client.rate(1, "p1", ring=1, support=2, conflict=1)
    for inv in client.inventories():
        assert inv.person_ids == ["p1"]
        assert "p2" not in inv.to_networkx()
    assert [p.person_id for p in client.people] == ["p1", "p2", "p3"]


def test_rule_2_person_enters_at_first_rating():
    client = simple_client()
    client.rate(3, "p2", ring=2)
    assert [inv.person_ids for inv in client.inventories()] == [[], [], ["p2"], ["p2"]]
    assert client.inventory(4).people.loc[0, "entered_at"] == 3


# --- rule 3: leaving and returning ---------------------------------------------------------------


def test_rule_3_leave_and_return_without_old_values():
    client = simple_client(sessions=5)
    client.rate(1, "p1", ring=1, support=6, conflict=2, contact="daily", confidant=True)
    client.remove(2, "p1")
    client.rate(4, "p1", ring=3)
    assert client.inventory(2).person_ids == []
    assert client.inventory(3).person_ids == []
    row = client.inventory(5).people.set_index("person_id").loc["p1"]
    assert row["ring"] == 3
    assert pd.isna(row["support"]) and pd.isna(row["conflict"])
    assert pd.isna(row["contact"]) and pd.isna(row["confidant"])
    assert row["entered_at"] == 4
    assert client.person("p1").person_id == "p1"  # same person_id across the gap


def test_rule_3_deceased_stay_on_the_map_unless_removed():
    client = simple_client(sessions=4)
    client.rate(1, "p1", ring=1, support=5, conflict=1)
    client.rate(2, "p1", status="deceased")
    assert client.inventory(3).person_ids == ["p1"]
    metrics = client.inventory(3).metrics()
    assert metrics["n_people"] == 1
    assert metrics["n_deceased"] == 1
    assert client.inventory(3).to_networkx().nodes["p1"]["status"] == "deceased"
    client.remove(4, "p1")
    assert client.inventory(4).person_ids == []


# --- rule 4: status is a fact of a session -------------------------------------------------------


def test_rule_4_status_is_a_per_session_fact():
    client = simple_client(sessions=12)
    client.rate(1, "p1", ring=1, status="active")
    client.rate(10, "p1", status="estranged")
    statuses = [inv.people.loc[0, "status"] for inv in client.inventories()]
    assert statuses == ["active"] * 9 + ["estranged"] * 3
    assert client.inventory(9).people.loc[0, "status_observed_at"] == 1
    assert client.inventory(12).people.loc[0, "status_observed_at"] == 10


# --- rule 5: ties --------------------------------------------------------------------------------


def test_rule_5_ties_carry_until_ended_and_may_be_remade():
    client = simple_client(sessions=5)
    client.rate(1, "p1", ring=1)
    client.rate(1, "p2", ring=2)
    client.tie(1, "p1", "p2", weight=0.5)
    client.end_tie(3, "p2", "p1")  # the pair is unordered
    client.tie(5, "p1", "p2", weight=0.8)
    keys = [tie_keys(inv) for inv in client.inventories()]
    assert keys == [{("p1", "p2", "knows")}] * 2 + [set()] * 2 + [{("p1", "p2", "knows")}]
    ties = client.inventory(2).ties
    assert ties.loc[0, "weight"] == pytest.approx(0.5)
    assert ties.loc[0, "observed_at"] == 1
    assert client.inventory(5).ties.loc[0, "weight"] == pytest.approx(0.8)


def test_rule_5_ties_end_when_either_person_leaves():
    client = simple_client(sessions=4)
    client.rate(1, "p1", ring=1)
    client.rate(1, "p2", ring=2)
    client.tie(1, "p1", "p2")
    client.remove(2, "p2")
    client.rate(3, "p2", ring=2)  # back, but the tie is not
    assert tie_keys(client.inventory(1)) == {("p1", "p2", "knows")}
    assert tie_keys(client.inventory(2)) == set()
    assert tie_keys(client.inventory(4)) == set()


def test_rule_5_several_kinds_on_one_pair_are_one_networkx_edge():
    client = simple_client(sessions=2)
    client.rate(1, "p1", ring=1)
    client.rate(1, "p2", ring=2)
    client.tie(1, "p1", "p2", kind="knows", weight=0.4)
    client.tie(1, "p1", "p2", kind="conflict", weight=0.9)
    client.end_tie(2, "p1", "p2", kind="knows")  # ended per (pair, kind)
    inv = client.inventory(1)
    assert tie_keys(inv) == {("p1", "p2", "knows"), ("p1", "p2", "conflict")}
    graph = inv.to_networkx()
    assert graph.number_of_edges() == 3  # ego-p1, ego-p2, p1-p2
    edge = graph.edges["p1", "p2"]
    assert edge["kinds"] == frozenset({"knows", "conflict"})
    assert edge["strength"] == pytest.approx(0.9)  # the strongest kind (inventory.py)
    assert inv.metrics()["n_ties"] == 1  # pairs, not kinds
    later = client.inventory(2).to_networkx()
    assert later.edges["p1", "p2"]["kinds"] == frozenset({"conflict"})


# --- rule 6: complete re-inventory ----------------------------------------------------------------


def test_rule_6_complete_session_ends_unobserved_people_and_ties():
    client = ig.Client("C-101", rings=3)
    for pid in ("p1", "p2", "p3"):
        client.add_person(pid)
    client.add_session(1)
    client.add_session(2, complete=True)
    client.add_session(3)
    for pid in ("p1", "p2", "p3"):
        client.rate(1, pid, ring=2, support=3, conflict=1)
    client.tie(1, "p1", "p2")
    client.tie(1, "p2", "p3", kind="close")
    client.rate(2, "p1", support=4)  # observed: stays, carried ring
    client.rate(2, "p2", conflict=2)
    inv = client.inventory(2)
    assert inv.person_ids == ["p1", "p2"]  # p3 not observed: ended
    assert tie_keys(inv) == set()  # p1-p2 not observed at 2: ended too
    assert values(inv) == {"p1": (2, 4, 1), "p2": (2, 3, 2)}
    assert tie_keys(client.inventory(3)) == set()


def test_rule_6_ties_observed_at_the_complete_session_stay():
    client = simple_client(sessions=1)
    client.add_session(2, complete=True)
    client.rate(1, "p1", ring=1)
    client.rate(1, "p2", ring=2)
    client.tie(1, "p1", "p2", kind="close")
    client.rate(2, "p1", ring=1)
    client.rate(2, "p2", ring=2)
    client.tie(2, "p1", "p2", kind="close", weight=0.3)
    assert tie_keys(client.inventory(2)) == {("p1", "p2", "close")}
    assert client.inventory(2).ties.loc[0, "observed_at"] == 2


# --- rule 7: every session has an inventory ------------------------------------------------------


def test_rule_7_missed_sessions_have_an_inventory():
    client = ig.Client("C-102", rings=3)
    client.add_person("p1")
    client.add_session(1)
    client.add_session(2, attended=False)
    client.add_session(3, attended=False)
    client.rate(1, "p1", ring=1, support=5, conflict=1)
    inv = client.inventory(2)
    assert inv.person_ids == ["p1"]
    frame = client.metrics()
    assert frame["session"].tolist() == [1, 2, 3]
    assert frame["n_people"].tolist() == [1, 1, 1]
    assert frame["n_carried"].tolist() == [0, 3, 3]
    assert frame["max_staleness"].tolist() == [0, 1, 2]


def test_rule_7_observed_only(worked_example):
    inv = worked_example.inventory(3, observed_only=True)
    assert inv.observed_only
    assert inv.person_ids == ["p1"]
    row = inv.people.set_index("person_id").loc["p1"]
    assert row["conflict"] == 2
    assert pd.isna(row["ring"]) and pd.isna(row["support"])  # nothing carried
    assert inv.metrics()["n_carried"] == 0
    assert worked_example.inventory(2, observed_only=True).person_ids == []
    first = worked_example.inventory(1, observed_only=True)
    assert values(first) == {"p1": (1, 5, 4), "p2": (2, 3, 1)}
    assert tie_keys(first) == {("p1", "p2", "knows")}
    assert values(worked_example.inventory(6, observed_only=True)) == {"p2": (3, 4, 1)}


def test_unknown_session_is_not_found(worked_example):
    with pytest.raises(ig.NotFoundError, match="session 9"):
        worked_example.inventory(9)
    with pytest.raises(ig.NotFoundError):
        ig.Client("C-103").inventory()


def test_graph_of_the_worked_example_is_plain(worked_example):
    graph = worked_example.inventory(1).to_networkx()
    assert type(graph) is nx.Graph
    assert set(graph.nodes) == {"ego", "p1", "p2"}
