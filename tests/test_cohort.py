"""Cohort measures, vectorised on the tidy tables, equal the per-inventory reference.

The reference is ``client.metrics()`` (``ipt_graph.metrics.inventory_metrics`` over
``model.walk``, the normative implementation of DESIGN.md §3): every session row of every
client must agree to 1e-9, with the same NaN pattern and the same dtypes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ipt_graph as ig
from ipt_graph import cohort as cohort_module
from ipt_graph.cohort import Cohort, cohort_metrics, people_panel, synthetic_tables
from ipt_graph.datasets import synthetic_cohort
from ipt_graph.io import tables as tables_io
from ipt_graph.metrics import METRIC_DTYPES, METRICS
from ipt_graph.model import TEXT_RATING_FIELDS


def reference_metrics(clients, threshold=1.5) -> pd.DataFrame:
    frames = [client.metrics() if threshold == 1.5 else _metrics_at(client, threshold)
              for client in clients]
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values(["client_id", "session"], kind="stable").reset_index(drop=True)


def _metrics_at(client, threshold):
    rows = [inv.metrics(threshold) | {"session": inv.session} for inv in client.inventories()]
    frame = pd.DataFrame(rows, columns=["session", *METRICS])
    frame.insert(0, "client_id", pd.array([client.client_id] * len(frame), dtype="string"))
    return frame.astype({"session": "int64", **METRIC_DTYPES})


def assert_metrics_equal(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same columns, dtypes, keys, NaN pattern, and values within 1e-9."""
    assert list(got.columns) == ["client_id", "session", *METRICS]
    assert list(got.columns) == list(expected.columns)
    assert dict(got.dtypes) == dict(expected.dtypes)
    assert got["client_id"].tolist() == expected["client_id"].tolist()
    assert got["session"].tolist() == expected["session"].tolist()
    for name in METRICS:
        mine, theirs = got[name].to_numpy(float), expected[name].to_numpy(float)
        assert np.array_equal(np.isnan(mine), np.isnan(theirs)), name
        known = ~np.isnan(theirs)
        np.testing.assert_allclose(mine[known], theirs[known], rtol=0, atol=1e-9, err_msg=name)


@pytest.fixture(scope="module")
def synthetic():
    """200 varied clients: rings 2-6, 0-40 people, deceased, removals, returns, ended ties,
    complete re-inventories, missed sessions (ipt_graph.datasets.synthetic_cohort)."""
    return synthetic_cohort(200, seed=20261126)


@pytest.fixture(scope="module")
def synthetic_reference(synthetic):
    return reference_metrics(synthetic)


# --- the 200-client cohort ------------------------------------------------------------------------


def test_metrics_equal_reference_on_every_session_row(synthetic, synthetic_reference):
    got = Cohort.from_clients(synthetic).metrics()
    assert len(got) == sum(len(client.sessions) for client in synthetic) >= 200
    assert_metrics_equal(got, synthetic_reference)


def test_the_cohort_is_varied(synthetic, synthetic_reference):
    ref = synthetic_reference
    assert {client.rings for client in synthetic} == {2, 3, 4, 5, 6}
    assert ref["n_people"].max() >= 30 and (ref["n_people"] == 0).any()
    assert (ref["n_deceased"] > 0).any() and (ref["n_ties"] > 0).any()
    assert any(client.removals for client in synthetic)
    assert any(s.complete for client in synthetic for s in client.sessions)
    assert any(not s.attended for client in synthetic for s in client.sessions)
    assert any(t.ended for client in synthetic for t in client.ties)


def test_metrics_with_another_threshold(synthetic):
    clients = synthetic[:40]
    got = Cohort.from_clients(clients).metrics(threshold=3.5)
    assert_metrics_equal(got, reference_metrics(clients, threshold=3.5))


def test_random_clients_with_text_and_several_tie_kinds(random_client):
    # conftest's random clients rate free text (notes, satisfying), which counts in n_carried
    clients = [random_client(seed) for seed in range(150)]
    expected = reference_metrics(clients)
    assert_metrics_equal(Cohort.from_clients(clients).metrics(), expected)
    assert_metrics_equal(Cohort.from_clients(clients, include_text=True).metrics(), expected)


def test_people_panel_equals_every_inventory(synthetic, random_client):
    clients = synthetic[:50] + [random_client(seed) for seed in range(30)]
    panel = Cohort.from_clients(clients).people_panel()
    frames = []
    for client in clients:
        for inv in client.inventories():
            people = inv.people.copy()
            people.insert(0, "session", np.int64(inv.session))
            people.insert(0, "client_id", client.client_id)
            frames.append(people)
    expected = pd.concat(frames, ignore_index=True)
    expected = expected.sort_values(["client_id", "session"], kind="stable")
    expected = expected[list(panel.columns)].reset_index(drop=True)
    expected["client_id"] = expected["client_id"].astype("string")
    expected["session"] = expected["session"].astype("int64")
    assert "label" not in panel.columns
    assert not set(TEXT_RATING_FIELDS) & set(panel.columns)
    assert {f"{name}_observed_at" for name in TEXT_RATING_FIELDS} <= set(panel.columns)
    pd.testing.assert_frame_equal(panel, expected)


def test_no_walk_and_no_python_per_group(monkeypatch, synthetic):
    """The vectorised path never resolves a client with walk() nor applies a Python function
    per group (a guard against a regression into a loop)."""
    tables = tables_io.tables_from_clients(synthetic[:50])

    def refuse(*args, **kwargs):
        raise AssertionError("a per-client or per-group Python call")

    monkeypatch.setattr(ig.model, "walk", refuse)
    monkeypatch.setattr(ig.inventory, "walk", refuse)
    for grouped in (pd.api.typing.DataFrameGroupBy, pd.api.typing.SeriesGroupBy):
        for method in ("apply", "transform", "filter", "pipe"):
            monkeypatch.setattr(grouped, method, refuse)
    for frame in (pd.DataFrame, pd.Series):
        monkeypatch.setattr(frame, "apply", refuse)
    got = cohort_metrics(tables)
    people_panel(tables)
    monkeypatch.undo()
    assert_metrics_equal(got, reference_metrics(synthetic[:50]))


# --- hand-built edge cases ------------------------------------------------------------------------


def _client(client_id, rings=3, people=("p1", "p2", "p3"), sessions=4, roles=None):
    client = ig.Client(client_id, rings=rings)
    for index, pid in enumerate(people):
        client.add_person(pid, role=(roles or {}).get(pid, ("partner", "friend", "sibling",
                                                            "colleague")[index % 4]))
    for number in range(1, sessions + 1):
        client.add_session(number)
    return client


def leave_and_return():
    """p2 leaves at 2 and returns at 3 with a ring only: nothing carried, the tie stays gone."""
    client = _client("E-return")
    client.rate(1, "p1", ring=1, support=5, conflict=2, contact="daily")
    client.rate(1, "p2", ring=2, support=4, conflict=3, desired_ring=1)
    client.tie(1, "p1", "p2")
    client.remove(2, "p2")
    client.rate(3, "p2", ring=3)
    return client


def complete_session():
    """Session 3 is complete: p1 is re-rated (conflict only: ring and support carry), p2 is
    not (ends); the p1-p2 tie ends, the p1-p3 tie is re-observed."""
    client = ig.Client("E-complete", rings=4)
    for pid in ("p1", "p2", "p3"):
        client.add_person(pid, role="friend")
    for number in range(1, 5):
        client.add_session(number, complete=number == 3)
    client.rate(1, "p1", ring=1, support=6, conflict=1)
    client.rate(1, "p2", ring=4, support=2, conflict=5)
    client.rate(1, "p3", ring=2, support=3, conflict=3)
    client.tie(1, "p1", "p2")
    client.tie(1, "p1", "p3", kind="close", weight=0.5)
    client.rate(3, "p1", conflict=2)
    client.rate(3, "p3", support=4)
    client.tie(3, "p1", "p3", kind="close", weight=0.5)
    return client


def tie_ended():
    """Two kinds on one pair (the strongest weight counts); ending one keeps the pair."""
    client = _client("E-ties", people=("p1", "p2", "p3", "p4"), sessions=5)
    for pid, ring in (("p1", 1), ("p2", 2), ("p3", 3), ("p4", 2)):
        client.rate(1, pid, ring=ring, support=3, conflict=1)
    client.tie(1, "p1", "p2", weight=0.5)
    client.tie(1, "p1", "p2", kind="close", weight=0.8)
    client.tie(1, "p3", "p4", kind="conflict", weight=0.3)
    client.end_tie(2, "p1", "p2", kind="close")
    client.end_tie(3, "p3", "p4", kind="conflict")
    client.tie(4, "p3", "p4", kind="conflict", weight=0.9)
    client.end_tie(5, "p1", "p2")
    return client


def everyone_deceased():
    client = _client("E-deceased", people=("p1", "p2"), sessions=3)
    client.rate(1, "p1", ring=1, support=4, conflict=1, status="deceased", confidant=True)
    client.rate(1, "p2", ring=2, support=2, conflict=2, contact="daily")
    client.tie(1, "p1", "p2")
    client.rate(2, "p2", status="deceased")
    return client


def no_people():
    client = _client("E-empty", people=(), sessions=3)
    client.add_session(4, attended=False)
    return client


def no_sessions():
    client = ig.Client("E-none", rings=5)
    client.add_person("p1", role="friend")
    return client


def text_only():
    """A re-rating that observes free text only still counts in n_carried and staleness."""
    client = _client("E-text", people=("p1",), sessions=3)
    client.rate(1, "p1", ring=2, support=3, conflict=4)
    client.rate(2, "p1", notes="Synthetic note")
    return client


def missed_and_desired():
    client = _client("E-missed", rings=6, people=("p1", "p2", "p3"), sessions=2,
                     roles={"p1": "therapist", "p2": "ex_partner", "p3": "neighbour"})
    client.add_session(3, attended=False)
    client.rate(1, "p1", ring=6, desired_ring=2, contact="weekly", confidant=True)
    client.rate(1, "p2", ring=3, desired_ring=4, contact="fortnightly")
    client.rate(1, "p3", ring=1, contact="weekly", support=1, conflict=1)
    client.rate(3, "p3", ring=5, contact="monthly")
    return client


EDGE_CASES = [leave_and_return, complete_session, tie_ended, everyone_deceased, no_people,
              no_sessions, text_only, missed_and_desired]


@pytest.mark.parametrize("build", EDGE_CASES, ids=lambda build: build.__name__)
def test_edge_case_equals_reference(build):
    client = build()
    expected = client.metrics()
    got = Cohort.from_clients([client]).metrics()
    if client.sessions:
        assert_metrics_equal(got, expected)
    else:
        assert len(got) == 0
        assert list(got.columns) == ["client_id", "session", *METRICS]


def test_all_edge_cases_in_one_cohort(worked_example):
    clients = [build() for build in EDGE_CASES] + [worked_example]
    assert_metrics_equal(Cohort.from_clients(clients).metrics(), reference_metrics(clients))


def test_worked_example(worked_example):
    """DESIGN.md §3's worked example, row by row."""
    got = Cohort.from_clients([worked_example]).metrics().set_index("session")
    assert got["n_people"].tolist() == [2, 2, 1, 2, 1, 2]
    assert got.loc[2, "n_carried"] == 6 and got.loc[2, "max_staleness"] == 1
    assert got["n_ties"].tolist() == [1, 1, 0, 0, 0, 0]
    assert got.loc[3, "conflict_sum"] == 2 and got.loc[3, "support_sum"] == 5
    assert got.loc[6, "support_sum"] == 2 + 4  # p3 carried, p2 back with fresh values
    panel = Cohort.from_clients([worked_example]).people_panel()
    at = panel.set_index(["session", "person_id"])
    assert at.loc[(3, "p1"), "ring_observed_at"] == 1
    assert at.loc[(3, "p1"), "conflict_observed_at"] == 3
    assert at.loc[(6, "p2"), "entered_at"] == 6
    assert (5, "p1") not in at.index and (6, "p3") in at.index
    assert_metrics_equal(got.reset_index()[["client_id", "session", *METRICS]],
                         worked_example.metrics())


def test_leave_and_return_details():
    got = Cohort.from_clients([leave_and_return()]).metrics().set_index("session")
    assert got.loc[1, "n_ties"] == 1 and got.loc[3, "n_ties"] == 0
    assert got.loc[3, "support_sum"] == 5  # p2's support is not carried across the gap
    assert np.isnan(got.loc[3, "desired_ring_gap"])


def test_everyone_deceased_gives_nan_structure():
    got = Cohort.from_clients([everyone_deceased()]).metrics().set_index("session")
    assert got.loc[2, "n_people"] == 2 and got.loc[2, "n_deceased"] == 2
    assert np.isnan(got.loc[2, "effective_size"]) and np.isnan(got.loc[2, "constraint"])
    assert got.loc[2, "n_components"] == 0 and got.loc[2, "n_confidants"] == 0


# --- the synthetic table generator ------------------------------------------------------------


def test_synthetic_tables_are_valid_and_measured_alike():
    tables = synthetic_tables(120, sessions=6, seed=5)
    clients = tables_io.clients_from_tables(tables)  # validates every client
    assert len(clients) == 120
    assert tables["sessions"].groupby("client_id").size().eq(6).all()
    assert (tables["ratings"]["event"] == "removed").any()
    assert (tables["ties"]["event"] == "ended").any()
    assert tables["sessions"]["complete"].any() and not tables["sessions"]["attended"].all()
    assert (tables["ratings"]["status"] == "deceased").any()
    assert_metrics_equal(cohort_metrics(tables), reference_metrics(clients))


def test_synthetic_tables_chunks_have_consecutive_ids():
    first = synthetic_tables(3, seed=1)
    second = synthetic_tables(2, seed=2, start=4)
    assert first["clients"]["client_id"].tolist() == ["T-0000001", "T-0000002", "T-0000003"]
    assert second["clients"]["client_id"].tolist() == ["T-0000004", "T-0000005"]
    again = synthetic_tables(3, seed=1)
    for name, frame in first.items():
        pd.testing.assert_frame_equal(frame, again[name])


# --- building and writing cohorts -------------------------------------------------------------


@pytest.fixture(scope="module")
def small(synthetic):
    return synthetic[:12]


def test_from_folder_of_case_files(tmp_path, small):
    for client in small:
        ig.save(client, tmp_path / f"{client.client_id}.json")
    (tmp_path / "notes.txt").write_text("not a case file")
    cohort = Cohort.from_folder(tmp_path)
    assert len(cohort) == len(small)
    assert_metrics_equal(cohort.metrics(), reference_metrics(small))


@pytest.mark.parametrize("kind", ["dict", "csv", "parquet", "excel"])
def test_from_tables_in_every_format(tmp_path, small, kind):
    cohort = Cohort.from_clients(small, include_text=True)
    if kind == "dict":
        source = cohort.tables
    elif kind == "csv":
        cohort.to_csv(tmp_path / "csv")
        source = tmp_path / "csv"
    elif kind == "parquet":
        cohort.to_parquet(tmp_path / "parquet", rows_per_file=400)
        source = tmp_path / "parquet"
    else:
        source = cohort.to_excel(tmp_path / "cohort.xlsx")
    again = Cohort.from_tables(source, validate=True)
    assert_metrics_equal(again.metrics(), reference_metrics(small))
    if kind != "dict":  # files are written without free text unless asked
        assert "label" not in again.tables["people"].columns


def test_clients_round_trip_through_a_cohort(small):
    cohort = Cohort.from_clients(small, include_text=True)
    assert list(cohort.clients()) == small
    without_text = list(Cohort.from_clients(small).clients())
    assert [c.client_id for c in without_text] == [c.client_id for c in small]
    assert all(person.label is None for c in without_text for person in c.people)


def test_empty_cohort():
    cohort = Cohort.from_clients([])
    metrics = cohort.metrics()
    assert len(metrics) == 0
    assert dict(metrics.dtypes) == {"client_id": "string", "session": "int64", **METRIC_DTYPES}
    assert len(cohort.people_panel()) == 0


def test_references_that_do_not_resolve_are_named(worked_example):
    tables = tables_io.client_tables(worked_example)
    ratings = tables["ratings"].copy()
    ratings.loc[1, "person_id"] = "p9"
    ratings.loc[2, "session"] = 40
    tables["ratings"] = ratings
    with pytest.raises(ig.ValidationError) as caught:
        Cohort(tables).metrics()
    text = str(caught.value)
    assert "ratings table, row 2 (client C-014): person_id: is not in the people table" in text
    assert "ratings table, row 3 (client C-014): session: is not in the sessions table" in text


def test_repr_and_tables_are_a_copy(small):
    cohort = Cohort.from_clients(small)
    assert repr(cohort).startswith(f"Cohort(clients={len(small)},")
    tables = cohort.tables
    tables.pop("ratings")
    assert "ratings" in cohort.tables


def test_module_exports():
    assert set(cohort_module.__all__) == {"Cohort", "cohort_metrics", "dask_metrics",
                                          "people_panel", "synthetic_tables"}


def test_a_person_twice_at_one_session_is_named(worked_example):
    tables = tables_io.client_tables(worked_example)
    ratings = tables["ratings"]
    tables["ratings"] = pd.concat([ratings, ratings.iloc[[0]]], ignore_index=True)
    with pytest.raises(ig.ValidationError, match=r"ratings table, row 8 \(client C-014\): "
                                                 r"person_id: appears twice at this session"):
        Cohort(tables).metrics()
