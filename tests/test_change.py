"""compare() and trajectories() against hand-built before/after records.

Every expected value below is worked out by hand from the observations written next to it,
following the observation rules of DESIGN.md §3; Jaccard stability is |kept| / |either|
(Feld, Suitor & Hoegh 2007). Only synthetic people.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import ipt_graph as ig
from ipt_graph.change import Change, PersonChange, compare, trajectories
from ipt_graph.metrics import METRICS

LABELS = ("Partner (A.)", "Sibling (B.)", "Friend (C.)", "Colleague (D.)", "Parent (E.)")


def build_dispute_client() -> ig.Client:
    """A role dispute over five sessions (rings = 3).

    | session | observations |
    | 1 | p1 partner ring 1 support 3 conflict 5 desired 1, stage impasse;
    |   | p2 sibling ring 2 support 3 conflict 1 desired 1; p3 friend ring 1 support 4 conflict 1;
    |   | p5 parent ring 3 support 2 conflict 2;
    |   | ties p1-p2 knows, p2-p3 knows, p1-p5 conflict, p1-p3 close |
    | 2 | remove p2 (their ties go with them) |
    | 3 | p2 returns: ring 1 support 5 conflict 1; p4 colleague joins: ring 3 support 3
    |   | conflict 1; ties p2-p3 knows (re-made), p3-p4 knows |
    | 4 | p1 support 4 conflict 2, stage renegotiation; p3 ring 3; end tie p1-p3 close;
    |   | remove p5 |
    | 5 | (no observations) |
    """
    client = ig.Client("C-100", rings=3)
    for pid, label, role in zip(("p1", "p2", "p3", "p4", "p5"), LABELS,
                                ("partner", "sibling", "friend", "colleague", "parent"),
                                strict=True):
        client.add_person(pid, label=label, role=role)
    for number in range(1, 6):
        client.add_session(number)
    client.add_problem_area("role_dispute", primary=True, focus=["p1"])
    client.rate(1, "p1", ring=1, support=3, conflict=5, desired_ring=1, dispute_stage="impasse")
    client.rate(1, "p2", ring=2, support=3, conflict=1, desired_ring=1)
    client.rate(1, "p3", ring=1, support=4, conflict=1)
    client.rate(1, "p5", ring=3, support=2, conflict=2)
    client.tie(1, "p1", "p2")
    client.tie(1, "p2", "p3")
    client.tie(1, "p1", "p5", kind="conflict")
    client.tie(1, "p1", "p3", kind="close")
    client.remove(2, "p2")
    client.rate(3, "p2", ring=1, support=5, conflict=1)
    client.rate(3, "p4", ring=3, support=3, conflict=1)
    client.tie(3, "p2", "p3")
    client.tie(3, "p3", "p4")
    client.rate(4, "p1", support=4, conflict=2, dispute_stage="renegotiation")
    client.rate(4, "p3", ring=3)
    client.end_tie(4, "p1", "p3", kind="close")
    client.remove(4, "p5")
    return client


@pytest.fixture
def dispute() -> ig.Client:
    return build_dispute_client()


@pytest.fixture
def change(dispute: ig.Client) -> Change:
    return compare(dispute.inventory(1), dispute.inventory(5))


# --- people -----------------------------------------------------------------------------------


def test_people_added_lost_kept(change):
    # before {p1, p2, p3, p5}, after {p1, p2, p3, p4}
    assert change.added == ("p4",)
    assert change.lost == ("p5",)
    assert change.kept == ("p1", "p2", "p3")
    assert change.person_stability == pytest.approx(3 / 5)
    assert (change.session_before, change.session_after) == (1, 5)


def test_a_person_who_left_and_returned_is_kept_and_marked(change):
    p2 = change.person("p2")
    assert p2.membership == "kept"
    assert p2.returned is True
    assert (p2.entered_at_before, p2.entered_at_after) == (1, 3)
    # values are not carried across the gap: the desired ring observed at 1 is gone
    assert (p2.desired_ring_before, p2.desired_ring_after) == (1, None)
    assert (p2.gap_before, p2.gap_after) == (1, None)
    assert (p2.ring_observed_at_before, p2.ring_observed_at_after) == (1, 3)
    assert change.returned == ("p2",)
    assert change.person("p1").returned is False


def test_ring_moves(change):
    p1, p2, p3 = (change.person(pid) for pid in ("p1", "p2", "p3"))
    assert (p1.ring_before, p1.ring_after, p1.ring_change, p1.moved) == (1, 1, 0, "same")
    assert (p2.ring_before, p2.ring_after, p2.ring_change, p2.moved) == (2, 1, -1, "closer")
    assert (p3.ring_before, p3.ring_after, p3.ring_change, p3.moved) == (1, 3, 2, "further")
    assert (p3.ring_observed_at_before, p3.ring_observed_at_after) == (1, 4)


def test_support_conflict_type_and_dispute_stage(change):
    p1 = change.person("p1")
    assert (p1.support_before, p1.support_after, p1.support_change) == (3, 4, 1)
    assert (p1.conflict_before, p1.conflict_after, p1.conflict_change) == (5, 2, -3)
    assert (p1.conflict_observed_at_before, p1.conflict_observed_at_after) == (1, 4)
    assert (p1.type_before, p1.type_after) == ("ambivalent", "ambivalent")
    assert (p1.dispute_stage_before, p1.dispute_stage_after) == ("impasse", "renegotiation")
    # the desired ring carries forward from session 1: observed at 1 on both maps
    assert (p1.gap_before, p1.gap_after) == (0, 0)
    assert p1.desired_ring_observed_at_after == 1


def test_added_and_lost_people_have_one_side(change):
    p4, p5 = change.person("p4"), change.person("p5")
    assert (p4.membership, p4.ring_before, p4.ring_after, p4.ring_change) == (
        "added", None, 3, None)
    assert p4.moved is None and p4.type_before is None and p4.type_after == "supportive"
    assert (p5.membership, p5.ring_before, p5.ring_after) == ("lost", 3, None)
    assert p5.type_before == "ambivalent"  # support 2, conflict 2: both above 1.5


def test_type_threshold_is_a_parameter(dispute):
    strict = compare(dispute.inventory(1), dispute.inventory(5), threshold=2.5)
    # p5: support 2 and conflict 2 are both at or below 2.5
    assert strict.person("p5").type_before == "indifferent"
    assert strict.threshold == 2.5


# --- ties -------------------------------------------------------------------------------------


def test_ties_added_lost_kept_and_jaccard(change):
    # before: p1-p2 knows, p2-p3 knows, p1-p5 conflict, p1-p3 close
    # after:  p2-p3 knows (re-made at 3), p3-p4 knows
    assert change.ties_added == (("p3", "p4", "knows"),)
    assert change.ties_lost == (("p1", "p2", "knows"), ("p1", "p3", "close"),
                                ("p1", "p5", "conflict"))
    assert change.ties_kept == (("p2", "p3", "knows"),)
    # Jaccard by hand: |kept| / |either| = 1 / (1 + 3 + 1)
    assert change.tie_stability == pytest.approx(1 / 5)


def test_ties_frame(change):
    frame = change.ties_frame()
    assert list(frame.columns) == ["a", "b", "kind", "membership"]
    assert frame["membership"].value_counts().to_dict() == {"lost": 3, "added": 1, "kept": 1}


def test_jaccard_is_nan_when_neither_map_has_ties(worked_example):
    # sessions 3 and 4 of DESIGN.md's worked example have no ties
    change = compare(worked_example.inventory(3), worked_example.inventory(4))
    assert math.isnan(change.tie_stability)
    assert not any(s.startswith("Ties") for s in change.summary())


# --- measures ---------------------------------------------------------------------------------


def test_metric_deltas_cover_every_measure(change, dispute):
    before = dispute.inventory(1).metrics()
    after = dispute.inventory(5).metrics()
    assert list(change.metric_deltas) == list(METRICS)
    for name in METRICS:
        expected = after[name] - before[name]
        if math.isnan(expected):
            assert math.isnan(change.metric_deltas[name]), name
        else:
            assert change.metric_deltas[name] == pytest.approx(expected), name
    assert change.metrics_before == before and change.metrics_after == after


def test_metric_deltas_by_hand(change):
    assert change.metric_deltas["n_people"] == 0
    assert change.metric_deltas["n_ring_3"] == pytest.approx(1.0)    # p5 -> p3, p4
    assert change.metric_deltas["conflict_sum"] == -4                # 5+1+1+2 -> 2+1+1+1
    assert change.metric_deltas["n_ties"] == -2                      # 4 pairs -> 2
    assert change.metric_deltas["desired_ring_gap"] == pytest.approx(-0.5)  # 0.5 -> 0.0
    assert math.isnan(change.metric_deltas["n_ring_4"])              # three rings only


# --- either order, complete re-inventory, other clients ---------------------------------------


def test_compare_works_in_either_order(dispute):
    backwards = compare(dispute.inventory(5), dispute.inventory(1))
    assert (backwards.session_before, backwards.session_after) == (5, 1)
    assert backwards.added == ("p5",) and backwards.lost == ("p4",)
    assert backwards.person("p2").returned is True  # entered the later map at 3 > 1
    p3 = backwards.person("p3")
    assert (p3.ring_change, p3.moved) == (-2, "closer")
    assert backwards.person("p1").conflict_change == 3
    assert backwards.ties_added == (("p1", "p2", "knows"), ("p1", "p3", "close"),
                                    ("p1", "p5", "conflict"))
    assert backwards.tie_stability == pytest.approx(1 / 5)


def build_reinventory_client() -> ig.Client:
    """A complete re-inventory at session 3 (rings = 3).

    | 1 | p1 ring 1 s 4 c 3; p2 ring 2 s 3 c 1; p3 ring 3 s 2 c 1; ties p1-p2, p2-p3 |
    | 2 | p2 conflict 2 |
    | 3 | complete: p2 ring 1; p3 ring 2 support 5 conflict 1 (p1 not observed; no ties) |
    | 4 | p1 ring 3 support 2 conflict 1 (comes back) |
    """
    client = ig.Client("C-200", rings=3)
    for pid, label, role in (("p1", "Parent (E.)", "parent"), ("p2", "Friend (F.)", "friend"),
                             ("p3", "Neighbour (G.)", "neighbour")):
        client.add_person(pid, label=label, role=role)
    for number in range(1, 5):
        client.add_session(number, complete=number == 3)
    client.add_problem_area("grief", primary=True, focus=["p1"])
    client.rate(1, "p1", ring=1, support=4, conflict=3)
    client.rate(1, "p2", ring=2, support=3, conflict=1)
    client.rate(1, "p3", ring=3, support=2, conflict=1)
    client.tie(1, "p1", "p2")
    client.tie(1, "p2", "p3")
    client.rate(2, "p2", conflict=2)
    client.rate(3, "p2", ring=1)
    client.rate(3, "p3", ring=2, support=5, conflict=1)
    client.rate(4, "p1", ring=3, support=2, conflict=1)
    return client


def test_complete_reinventory_ends_the_unobserved():
    client = build_reinventory_client()
    change = compare(client.inventory(2), client.inventory(3))
    assert change.lost == ("p1",) and change.kept == ("p2", "p3") and change.added == ()
    # every tie ends at a complete session, even between two people who stay
    assert change.ties_lost == (("p1", "p2", "knows"), ("p2", "p3", "knows"))
    assert change.ties_kept == () and change.tie_stability == 0.0
    p2 = change.person("p2")
    # p2 was observed at 3 (ring only): kept, with support and conflict carried forward
    assert (p2.ring_before, p2.ring_after, p2.moved) == (2, 1, "closer")
    assert (p2.support_observed_at_after, p2.conflict_observed_at_after) == (1, 2)
    assert p2.returned is False
    sentences = change.summary()
    assert "1 person left the map: Parent (E.) from ring 1." in sentences
    assert "Parent (E.), the focus of grief, left the map." in sentences
    assert "Friend (F.) moved into the inner ring from ring 2." in sentences


def test_a_person_back_after_a_complete_reinventory_has_returned():
    client = build_reinventory_client()
    change = compare(client.inventory(1), client.inventory(4))
    p1 = change.person("p1")
    assert (p1.membership, p1.returned, p1.entered_at_after) == ("kept", True, 4)
    assert (p1.ring_change, p1.support_change, p1.conflict_change) == (2, -2, -2)
    assert (p1.type_before, p1.type_after) == ("ambivalent", "supportive")
    assert "Parent (E.) left the map between the two sessions and came back at session 4." \
        in change.summary()


def test_worked_example_returning_person(worked_example):
    # DESIGN.md §3: p2 (2, 3, 1) at session 1, removed at 3, back at 6 with (3, 4, 1)
    change = compare(worked_example.inventory(1), worked_example.inventory(6))
    assert change.lost == ("p1",) and change.added == ("p3",) and change.kept == ("p2",)
    p2 = change.person("p2")
    assert (p2.returned, p2.ring_change, p2.moved, p2.support_change) == (True, 1, "further", 1)
    assert (p2.ring_observed_at_before, p2.ring_observed_at_after) == (1, 6)
    assert change.ties_lost == (("p1", "p2", "knows"),) and change.tie_stability == 0.0
    assert not any("desired-ring" in s for s in change.summary())  # never recorded


def test_inventories_of_two_clients_are_refused(dispute, worked_example):
    with pytest.raises(ValueError, match=r"C-100.*C-014"):
        compare(dispute.inventory(1), worked_example.inventory(1))
    with pytest.raises(TypeError, match="Inventory"):
        compare(dispute, dispute.inventory(1))


@pytest.mark.parametrize("seed", range(12))
def test_partition_and_jaccard_on_random_clients(random_client, seed):
    client = random_client(seed)
    inventories = client.inventories()
    first, last = inventories[0], inventories[-1]
    change = compare(first, last)
    before, after = set(first.person_ids), set(last.person_ids)
    assert set(change.kept) == before & after
    assert set(change.added) == after - before and set(change.lost) == before - after
    ties_before, ties_after = set(first._ties), set(last._ties)
    either = ties_before | ties_after
    expected = len(ties_before & ties_after) / len(either) if either else math.nan
    assert change.tie_stability == pytest.approx(expected, nan_ok=True)
    assert len(change.to_frame()) == len(before | after)


# --- table and sentences ----------------------------------------------------------------------


def test_to_frame(change):
    frame = change.to_frame()
    assert list(frame.columns) == [f for f in PersonChange.__dataclass_fields__]
    assert frame["person_id"].tolist() == ["p1", "p2", "p3", "p4", "p5"]
    assert frame["membership"].tolist() == ["kept", "kept", "kept", "added", "lost"]
    assert str(frame["ring_change"].dtype) == "Int64"
    assert str(frame["moved"].dtype) == "string"
    assert frame["returned"].dtype == bool
    assert frame.loc[frame["person_id"] == "p4", "ring_before"].isna().all()
    assert "label" not in change.to_frame(redact=True).columns


def test_summary_states_the_facts(change):
    sentences = change.summary()
    assert sentences[0] == ("From session 1 to session 5: 4 people on the map before, "
                            "4 after.")
    assert "1 person joined the map: Colleague (D.) in ring 3." in sentences
    assert "1 person left the map: Parent (E.) from ring 3." in sentences
    assert ("Sibling (B.) left the map between the two sessions and came back at "
            "session 3.") in sentences
    assert "Sibling (B.) moved into the inner ring from ring 2." in sentences
    assert "Friend (C.) moved out of the inner ring to ring 3." in sentences
    assert ("Of the 3 people on both maps with a ring, 1 moved closer, 1 moved further out "
            "and 1 stayed in the same ring.") in sentences
    assert ("Conflict with Partner (A.), the focus of the role dispute, fell from 5 to 2; "
            "support rose from 3 to 4; the dispute moved from impasse to renegotiation."
            ) in sentences
    assert ("The mean desired-ring gap (ring minus desired ring; positive: wants closer) "
            "went from 0.5 to 0.") in sentences
    assert "Ties between people: 1 added, 3 lost, 1 kept (stability 0.20)." in sentences


def test_summary_redacted_hides_labels(change):
    sentences = change.summary(redact=True)
    text = " ".join(sentences)
    for label in LABELS:
        assert label not in text
    assert "p1 (partner)" in text and "p4 (colleague)" in text
    assert "Partner" not in repr(change) and "p1" not in repr(change)


def test_summary_with_no_one_joining_or_leaving(dispute):
    change = compare(dispute.inventory(4), dispute.inventory(5))
    sentences = change.summary()
    assert "No one joined or left the map." in sentences
    assert ("Conflict with Partner (A.), the focus of the role dispute, stayed at 2; "
            "support stayed at 4; the dispute stayed at renegotiation.") in sentences


# --- trajectories -----------------------------------------------------------------------------


def test_trajectories_of_the_worked_example(worked_example):
    frame = trajectories(worked_example)
    assert list(frame.columns) == [
        "client_id", "session", "person_id", "ring", "support", "conflict", "type", "status",
        "ring_observed_at", "support_observed_at", "conflict_observed_at",
        "status_observed_at"]
    # people on the map per session, from DESIGN.md §3's table
    assert frame.groupby("session").size().to_dict() == {1: 2, 2: 2, 3: 1, 4: 2, 5: 1, 6: 2}
    p1_at_3 = frame[(frame["session"] == 3) & (frame["person_id"] == "p1")].iloc[0]
    assert (p1_at_3["ring"], p1_at_3["support"], p1_at_3["conflict"]) == (1, 5, 2)
    assert (p1_at_3["ring_observed_at"], p1_at_3["conflict_observed_at"]) == (1, 3)
    assert p1_at_3["type"] == "ambivalent"
    p2_at_6 = frame[(frame["session"] == 6) & (frame["person_id"] == "p2")].iloc[0]
    assert (p2_at_6["ring"], p2_at_6["ring_observed_at"]) == (3, 6)
    assert frame["status"].isna().all()
    assert frame.dtypes.astype(str).to_dict() == {
        "client_id": "string", "session": "int64", "person_id": "string", "ring": "Int64",
        "support": "Int64", "conflict": "Int64", "type": "string", "status": "string",
        "ring_observed_at": "Int64", "support_observed_at": "Int64",
        "conflict_observed_at": "Int64", "status_observed_at": "Int64"}


def test_client_trajectories_delegates(dispute):
    frame = dispute.trajectories()
    pd.testing.assert_frame_equal(frame, trajectories(dispute))
    assert set(frame.loc[frame["session"] == 2, "person_id"]) == {"p1", "p3", "p5"}


def test_a_gap_recorded_on_one_map_only_is_said_so(worked_example):
    worked_example.rate(6, "p2", desired_ring=1)  # ring 3, desired 1: gap 2
    sentences = compare(worked_example.inventory(1), worked_example.inventory(6)).summary()
    gap = [s for s in sentences if "desired-ring gap" in s]
    assert gap == ["The mean desired-ring gap (ring minus desired ring; positive: wants closer) "
                   "was 2 at session 6; no desired ring was recorded at session 1."]


def test_baseline_is_the_end_of_the_initial_phase():
    from ipt_graph.change import baseline_session

    client = ig.Client("C-BASE", rings=3)
    for number, phase in ((1, "initial"), (2, "initial"), (3, "initial"), (4, "middle")):
        client.add_session(number, phase=phase)
    assert baseline_session(client) == 3
    no_phases = ig.Client("C-NOPH", rings=3)
    no_phases.add_session(2)
    no_phases.add_session(5)
    assert baseline_session(no_phases) == 2
    with pytest.raises(ig.NotFoundError):
        baseline_session(ig.Client("C-EMPTY"))


def test_unchanged_gap_reads_stayed():
    client = ig.Client("C-GAP", rings=3)
    client.add_person("p1", role="friend")
    client.add_session(1)
    client.add_session(2)
    client.rate(1, "p1", ring=3, desired_ring=2)
    client.rate(2, "p1", support=3)
    sentences = compare(client.inventory(1), client.inventory(2)).summary()
    assert ("The mean desired-ring gap (ring minus desired ring; positive: wants closer) "
            "stayed at 1.") in sentences


def test_change_plot_draws_both_circles():
    from ipt_graph.datasets import load_example

    client = load_example("role_dispute")
    figure = compare(client.inventory(3), client.inventory(16)).plot()
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert any("3" in t for t in titles) and any("16" in t for t in titles)
