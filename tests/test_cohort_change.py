"""Cohort.change: the change of every client between two sessions, and their outcome.

The references are the per-client implementations: ``ig.compare(inv_a, inv_b)`` for the
network part (metric deltas, people and (pair, kind) ties added, lost and kept, Jaccard
stability: Feld, Suitor & Hoegh 2007) and ``client.outcomes()`` for the outcome part
(first and last sessions with each instrument, categories: Jacobson & Truax 1991, DOMAIN.md
§6). Every client of a ~100-client synthetic cohort must agree.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import ipt_graph as ig
from ipt_graph import outcomes as outcomes_module
from ipt_graph.change import baseline_session
from ipt_graph.cohort import Cohort
from ipt_graph.datasets import synthetic_cohort
from ipt_graph.io import tables as tables_io
from ipt_graph.metrics import METRIC_DTYPES, METRICS


@pytest.fixture(scope="module")
def clients():
    """100 varied synthetic clients (1-16 sessions, phases, PHQ-9 for all, GAD-7 for ~30 %)."""
    return synthetic_cohort(100, seed=5)


@pytest.fixture(scope="module")
def cohort(clients):
    return Cohort.from_clients(clients)


@pytest.fixture(scope="module")
def default_change(cohort):
    return cohort.change()


def _session(client: ig.Client, which) -> int | None:
    numbers = [s.number for s in client.sessions]
    if which == "first":
        return numbers[0]
    if which == "last":
        return numbers[-1]
    if which == "baseline":
        return baseline_session(client)
    return which if which in numbers else None


def _same(mine, theirs) -> bool:
    if theirs is None or (isinstance(theirs, float) and math.isnan(theirs)):
        return mine is pd.NA or mine is None or (isinstance(mine, float) and math.isnan(mine))
    return mine == pytest.approx(theirs, abs=1e-9)


def _assert_network_equal(frame: pd.DataFrame, clients, start, end) -> int:
    """Every row of ``frame`` against compare() of the same two inventories; returns how
    many clients had both sessions."""
    rows = frame.set_index("client_id")
    compared = 0
    for client in clients:
        row = rows.loc[client.client_id]
        a, b = _session(client, start), _session(client, end)
        if a is None or b is None:
            assert (row["start_session"] is pd.NA) == (a is None)
            assert (row["end_session"] is pd.NA) == (b is None)
            assert (row["n_people_start"] is pd.NA) == (a is None)
            for name in ("people_added", "ties_kept", "n_people_delta"):
                assert row[name] is pd.NA, name
            for name in ("person_stability", "tie_stability", "density_delta"):
                assert math.isnan(row[name]), name
            continue
        compared += 1
        inventories = {inv.session: inv for inv in client.inventories()}
        change = ig.compare(inventories[a], inventories[b])
        assert (row["start_session"], row["end_session"]) == (a, b)
        assert row["n_people_start"] == len(change.lost) + len(change.kept)
        assert row["n_people_end"] == len(change.added) + len(change.kept)
        assert (row["people_added"], row["people_lost"], row["people_kept"]) == (
            len(change.added), len(change.lost), len(change.kept))
        assert (row["ties_added"], row["ties_lost"], row["ties_kept"]) == (
            len(change.ties_added), len(change.ties_lost), len(change.ties_kept))
        assert _same(row["person_stability"], change.person_stability)
        assert _same(row["tie_stability"], change.tie_stability)
        for name in METRICS:
            assert _same(row[f"{name}_delta"], change.metric_deltas[name]), (
                client.client_id, name)
    return compared


# --- the network part against compare() ----------------------------------------------------


def test_first_to_last_equals_compare_for_every_client(clients, default_change):
    assert default_change["client_id"].tolist() == sorted(c.client_id for c in clients)
    assert _assert_network_equal(default_change, clients, "first", "last") == len(clients)
    # the cohort is varied enough for the comparison to mean something
    assert (default_change["ties_lost"] > 0).sum() >= 10
    assert (default_change["people_lost"] > 0).sum() >= 10
    assert (default_change["people_added"] > 0).sum() >= 10


@pytest.mark.parametrize(("start", "end"), [("baseline", "last"), (3, 8), (8, 3),
                                            ("first", "baseline"), (2, 2)])
def test_other_sessions_equal_compare(clients, cohort, start, end):
    frame = cohort.change(start, end)
    compared = _assert_network_equal(frame, clients, start, end)
    assert 0 < compared <= len(clients)


def test_clients_without_the_session_keep_a_row_with_missing_values(clients, cohort):
    frame = cohort.change("first", 12)
    short = [c for c in clients if 12 not in [s.number for s in c.sessions]]
    assert short and len(frame) == len(clients)
    rows = frame.set_index("client_id").loc[[c.client_id for c in short]]
    assert rows["end_session"].isna().all() and rows["start_session"].notna().all()
    assert rows["n_people_end"].isna().all() and rows["density_delta"].isna().all()
    # the outcome does not depend on the sessions compared
    assert rows["phq9_last_session"].notna().all()


def test_baseline_is_the_end_of_the_initial_phase(clients, cohort):
    frame = cohort.change("baseline", "last").set_index("client_id")
    for client in clients:
        assert frame.loc[client.client_id, "start_session"] == baseline_session(client)
    # some clients have no phases: their baseline is the first session
    assert any(all(s.phase is None for s in c.sessions) for c in clients)


def test_threshold_reaches_the_type_deltas(clients, cohort):
    frame = cohort.change(threshold=3.5).set_index("client_id")
    for client in clients[:20]:
        inventories = client.inventories()
        change = ig.compare(inventories[0], inventories[-1], threshold=3.5)
        for kind in ("supportive", "ambivalent", "aversive", "indifferent"):
            assert frame.loc[client.client_id, f"n_{kind}_delta"] == \
                change.metric_deltas[f"n_{kind}"]


def test_worked_example_by_hand(worked_example):
    """DESIGN.md §3: session 1 holds p1, p2 and the tie p1-p2; session 6 holds p2 (back after
    her removal at 3) and p3. Kept p2, lost p1, added p3: stability 1/3. The tie is lost."""
    row = Cohort.from_clients([worked_example]).change(1, 6).iloc[0]
    assert (row["people_added"], row["people_lost"], row["people_kept"]) == (1, 1, 1)
    assert row["person_stability"] == pytest.approx(1 / 3)
    assert (row["ties_added"], row["ties_lost"], row["ties_kept"]) == (0, 1, 0)
    assert row["tie_stability"] == 0.0
    assert row["n_people_start"] == row["n_people_end"] == 2 and row["n_people_delta"] == 0
    assert row["n_ties_delta"] == -1


def test_several_kinds_on_one_pair_are_counted_per_kind():
    client = ig.Client("C-K")
    for pid in ("p1", "p2"):
        client.add_person(pid, role="friend")
    for number in (1, 2):
        client.add_session(number)
    client.rate(1, "p1", ring=1)
    client.rate(1, "p2", ring=2)
    client.tie(1, "p1", "p2", kind="knows")
    client.tie(1, "p1", "p2", kind="conflict")
    client.end_tie(2, "p1", "p2", kind="conflict")
    client.tie(2, "p1", "p2", kind="close")
    row = Cohort.from_clients([client]).change().iloc[0]
    change = ig.compare(client.inventory(1), client.inventory(2))
    assert (row["ties_added"], row["ties_lost"], row["ties_kept"]) == (1, 1, 1) == (
        len(change.ties_added), len(change.ties_lost), len(change.ties_kept))
    assert row["tie_stability"] == pytest.approx(1 / 3)
    assert row["n_ties_delta"] == 0  # one pair before and after


def test_columns_and_types(default_change):
    frame = default_change
    head = ["client_id", "start_session", "end_session", "n_people_start", "n_people_end",
            "people_added", "people_lost", "people_kept", "person_stability", "ties_added",
            "ties_lost", "ties_kept", "tie_stability"]
    assert list(frame.columns[:len(head)]) == head
    assert [f"{name}_delta" for name in METRICS] == [
        c for c in frame.columns if c.endswith("_delta")]
    for name in METRICS:
        kind = np.dtype(METRIC_DTYPES[name]).kind
        assert str(frame[f"{name}_delta"].dtype) == ("Int64" if kind == "i" else "float64")
    assert str(frame["client_id"].dtype).startswith("string")
    for name in ("start_session", "people_kept", "ties_added", "phq9_first_session"):
        assert str(frame[name].dtype) == "Int64"
    assert str(frame["phq9_category"].dtype).startswith("string")
    assert str(frame["joint_recovery"].dtype) == "boolean"
    for instrument in ("phq9", "gad7"):
        for suffix in ("n_sessions", "first_session", "last_session", "first_score",
                       "last_score", "category"):
            assert f"{instrument}_{suffix}" in frame.columns


def test_bad_session_choices_are_named():
    cohort = Cohort.from_clients(synthetic_cohort(2, seed=1))
    for bad in ("middle", True, 2.5, None):
        with pytest.raises(ValueError, match=r"start must be one of first, last, baseline or "
                                             r"a session number"):
            cohort.change(start=bad)
    with pytest.raises(ValueError, match="end must be"):
        cohort.change(end="end")
    assert cohort.change(end=10**12)["end_session"].isna().all()
    assert cohort.change(end=-1)["end_session"].isna().all()


def test_empty_cohort_and_a_client_without_sessions():
    empty = Cohort(tables_io.empty_tables()).change()
    assert len(empty) == 0 and "density_delta" in empty.columns
    client = ig.Client("C-0")
    frame = Cohort.from_clients([client, *synthetic_cohort(1, seed=3)]).change()
    row = frame.set_index("client_id").loc["C-0"]
    assert row["start_session"] is pd.NA and row["phq9_n_sessions"] == 0
    assert row["phq9_category"] is pd.NA


def test_no_walk_and_no_python_per_group(monkeypatch, clients):
    """The change is computed on the tables: no client is walked, no Python function is
    applied per group, and no per-client outcome function is called."""
    tables = tables_io.tables_from_clients(clients[:40])

    def refuse(*args, **kwargs):
        raise AssertionError("a per-client or per-group Python call")

    monkeypatch.setattr(ig.model, "walk", refuse)
    monkeypatch.setattr(ig.inventory, "walk", refuse)
    for name in ("outcome_category", "reliable_change", "client_outcomes", "joint_recovery"):
        monkeypatch.setattr(outcomes_module, name, refuse)
    for grouped in (pd.api.typing.DataFrameGroupBy, pd.api.typing.SeriesGroupBy):
        for method in ("apply", "transform", "filter", "pipe", "agg", "aggregate"):
            if method in ("agg", "aggregate"):
                original = getattr(grouped, method)

                def only_builtin(self, func=None, *args, _original=original, **kwargs):
                    names = func if isinstance(func, list | tuple) else [func]
                    if any(callable(f) for f in names):
                        raise AssertionError("a Python function per group")
                    return _original(self, func, *args, **kwargs)

                monkeypatch.setattr(grouped, method, only_builtin)
            else:
                monkeypatch.setattr(grouped, method, refuse)
    for frame in (pd.DataFrame, pd.Series):
        monkeypatch.setattr(frame, "apply", refuse)
        monkeypatch.setattr(frame, "map", refuse)
    got = Cohort(tables).change("baseline", "last")
    monkeypatch.undo()
    _assert_network_equal(got, clients[:40], "baseline", "last")


# --- the outcome part against client.outcomes() ------------------------------------------------


def _assert_outcomes_equal(frame: pd.DataFrame, clients, names=("phq9", "gad7"), **options):
    rows = frame.set_index("client_id")
    seen = {name: 0 for name in names}
    for client in clients:
        row = rows.loc[client.client_id]
        reference = client.outcomes(**options).set_index("instrument")
        for name in names:
            if name not in reference.index:
                assert row[f"{name}_n_sessions"] == 0
                for suffix in ("first_session", "last_session", "category"):
                    assert row[f"{name}_{suffix}"] is pd.NA
                assert math.isnan(row[f"{name}_first_score"])
                continue
            seen[name] += 1
            expected = reference.loc[name]
            assert row[f"{name}_n_sessions"] == expected["n_sessions"]
            assert row[f"{name}_first_session"] == expected["start_session"]
            assert row[f"{name}_last_session"] == expected["end_session"]
            assert row[f"{name}_first_score"] == expected["start_score"]
            assert row[f"{name}_last_score"] == expected["end_score"]
            category = row[f"{name}_category"]
            if expected["category"] is pd.NA:
                assert category is pd.NA, (client.client_id, name)
            else:
                assert category == expected["category"], (client.client_id, name)
        if {"phq9", "gad7"} <= set(names):
            joint = (reference.loc["phq9", "joint_recovery"] if "phq9" in reference.index
                     else pd.NA)
            mine = row["joint_recovery"]
            assert (mine is pd.NA and joint is pd.NA) or mine == joint, client.client_id
    return seen


def test_outcomes_equal_client_outcomes_for_every_client(clients, default_change):
    seen = _assert_outcomes_equal(default_change, clients)
    assert seen["phq9"] == len(clients) and seen["gad7"] >= 15
    categories = set(default_change["phq9_category"].dropna())
    assert categories == {"recovered", "improved", "unchanged", "deteriorated",
                          "not_at_caseness"}
    assert default_change["joint_recovery"].notna().sum() >= 5


def test_outcomes_with_jacobson_truax_norms(clients, cohort):
    norms = {"phq9": (5.5, 0.84), "gad7": (4.0, 0.8)}
    frame = cohort.change(norms=norms)
    _assert_outcomes_equal(frame, clients, norms=norms)
    assert not frame["phq9_category"].equals(cohort.change()["phq9_category"])


def test_instruments_without_a_threshold_need_norms(random_client):
    """BDI-II has no published reliable-change threshold (decision 20): missing without norms,
    Jacobson-Truax with them. Random clients also store PHQ-9 items with the total."""
    clients = [random_client(seed) for seed in range(40)]
    cohort = Cohort.from_clients(clients)
    without = cohort.outcomes(["bdi2", "phq9"])
    assert without["bdi2_category"].isna().all()
    assert without["bdi2_n_sessions"].max() >= 2
    _assert_outcomes_equal(without, clients, names=("bdi2", "phq9"))
    norms = {"bdi2": (8.0, 0.9)}
    with_norms = cohort.outcomes(["bdi2"], norms=norms)
    assert with_norms["bdi2_category"].notna().any()
    _assert_outcomes_equal(with_norms, clients, names=("bdi2",), norms=norms)


def test_totals_are_scored_from_items_when_only_items_were_stored():
    client = ig.Client("C-I")
    client.add_session(1, measures={"phq9": {"items": [3, 3, 3, 3, 2, 2, 2, 0, 0]},
                                    "mspss": {"items": [2] * 12}})
    client.add_session(2, measures={"phq9": {"items": [1, 1, 1, 1, 0, 0, 0, 0, 0]},
                                    "mspss": {"items": [6] * 12}})
    frame = Cohort.from_clients([client]).outcomes(["phq9", "mspss"],
                                                   norms={"mspss": (1.0, 0.9)})
    row = frame.iloc[0]
    assert (row["phq9_first_score"], row["phq9_last_score"]) == (18.0, 4.0)
    assert (row["mspss_first_score"], row["mspss_last_score"]) == (2.0, 6.0)  # mean scored
    assert row["phq9_category"] == "recovered"
    _assert_outcomes_equal(frame, [client], names=("phq9", "mspss"),
                           norms={"mspss": (1.0, 0.9)})


def test_one_score_is_no_change_to_judge():
    client = ig.Client("C-1")
    client.add_session(1, measures={"phq9": 20})
    client.add_session(2)
    row = Cohort.from_clients([client]).change().iloc[0]
    assert row["phq9_n_sessions"] == 1 and row["phq9_category"] is pd.NA
    assert row["phq9_first_session"] == row["phq9_last_session"] == 1
    assert row["gad7_n_sessions"] == 0 and row["joint_recovery"] is pd.NA


def test_categories_by_hand():
    """PHQ-9, caseness >= 10, reliable change >= 6 points (NHS Talking Therapies)."""
    cases = {"A": (15, 9, "recovered"), "B": (16, 10, "improved"), "C": (9, 15, "deteriorated"),
             "D": (9, 3, "not_at_caseness"), "E": (20, 15, "unchanged"),
             "F": (10, 4, "recovered"), "G": (12, 18, "deteriorated")}
    clients = []
    for cid, (start, end, _) in cases.items():
        client = ig.Client(f"C-{cid}")
        client.add_session(1, measures={"phq9": start})
        client.add_session(2, measures={"phq9": end})
        clients.append(client)
    frame = Cohort.from_clients(clients).outcomes(["phq9"]).set_index("client_id")
    for cid, (_, _, expected) in cases.items():
        assert frame.loc[f"C-{cid}", "phq9_category"] == expected


def test_a_score_out_of_range_is_refused(clients):
    tables = tables_io.tables_from_clients(clients[:3])
    measures = tables["measures"].copy()
    measures.loc[0, "value"] = 40.0
    tables["measures"] = measures
    with pytest.raises(ValueError, match=r"must be 0\.\.27 for PHQ-9, got 40"):
        Cohort(tables).change()


# --- progress while loading ---------------------------------------------------------------------


def test_from_folder_shows_progress_only_when_asked(tmp_path, clients, capsys, monkeypatch):
    monkeypatch.delenv("IPT_GRAPH_PROGRESS", raising=False)
    for client in clients[:5]:
        ig.save(client, tmp_path / f"{client.client_id}.json")
    quiet = Cohort.from_folder(tmp_path)  # stderr is not a terminal under pytest
    assert capsys.readouterr().err == ""
    shown = Cohort.from_folder(tmp_path, progress=True)
    err = capsys.readouterr().err
    assert "case files" in err and "5/5" in err
    assert not any(c.client_id in err for c in clients[:5])  # counts, never names
    assert len(shown) == len(quiet) == 5
    Cohort.from_folder(tmp_path, progress=False)
    Cohort.from_clients(clients[:3], progress=False)
    assert capsys.readouterr().err == ""
    Cohort.from_clients(clients[:3], progress=True)
    assert "3/3" in capsys.readouterr().err
