"""egor's three tables: import (separators, decimal comma, tie rule) and the export contract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import ipt_graph as ig
from ipt_graph.errors import ValidationError
from ipt_graph.io.egor import read_egor, write_egor
from ipt_graph.io.mapping import client_code

MARKER = "ZZMARKER"

# A dataset as R writes it with write.csv2: ";" separated, decimal comma. Synthetic people.
EGOS = """egoID;age;phq9;sleep
e01;34;17;6,5
e02;51;9;
"""
ALTERS = """egoID;alterID;name;closeness;support;conflict;partner;friend;family
e01;1;Person A;1;5;4;1;0;0
e01;2;Person B;2;6;1;0;1;0
e01;3;Person C;3;2;5;0;0;1
e02;1;Person D;2;4;1;0;1;0
e02;2;Person E;1;3;3;1;0;0
"""
AATIES = """egoID;Source;Target;weight;strength
e01;1;2;a lot;0,75
e01;1;3;not at all;0,1
e01;2;3;a little;0,5
e02;1;2;not at all;
"""
MAPPING = {
    "label": "name",
    "ring": "closeness", "support": "support", "conflict": "conflict",
    "role": {"columns": {"partner": "partner", "friend": "friend", "family": "other_relative"}},
    "ties": {"kind": "knows", "weight": "strength"},
    "measures": {"phq9": "phq9", "sleep_hours": "sleep"},
}


def _write(folder: Path, **tables: str) -> dict[str, Path]:
    paths = {}
    for name, text in tables.items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_bytes(text.replace("\n", "\r\n").encode())
    return paths


@pytest.fixture
def r_tables(tmp_path):
    return _write(tmp_path, egos=EGOS, alters=ALTERS, aaties=AATIES)


def _read(paths, **options):
    return read_egor(paths["egos"], paths["alters"], paths["aaties"], **options)


def test_semicolons_decimal_comma_and_a_tie_rule(r_tables):
    result = _read(r_tables, mapping=MAPPING, tie_rule={"weight": {"a little", "a lot"}})
    first = result.client(client_code("e01", "EG"))
    assert [(s.number, s.complete) for s in first.sessions] == [(1, True)]
    assert first.session(1).measures["sleep_hours"].total == 6.5  # "6,5"
    assert first.session(1).measures["phq9"].total == 17
    people = first.inventory(1).people.set_index("label")
    assert people.loc["Person A", ["ring", "support", "conflict", "role"]].tolist() == [
        1, 5, 4, "partner"]
    assert people.loc["Person C", "role"] == "other_relative"
    ties = first.inventory(1).ties
    labels = {p.person_id: p.label for p in first.people}
    # "not at all" rows are explicit non-ties; the weights come with a decimal comma
    assert {(labels[t.a], labels[t.b], t.kind, t.weight) for t in ties.itertuples()} == {
        ("Person A", "Person B", "knows", 0.75), ("Person B", "Person C", "knows", 0.5)}
    second = result.client(client_code("e02", "EG"))
    assert second.inventory(1).ties.empty
    notes = [e for e in result.report.notes if "tie rule" in e.message]
    assert notes and notes[0].count == 2
    assert any(e.column == "age" for e in result.report.unmapped_columns)
    assert result.report.case_ids[client_code("e01", "EG")] == "e01"
    assert "Person" not in str(result.report)


def test_a_callable_tie_rule_and_an_explicit_separator(r_tables):
    result = _read(r_tables, mapping=MAPPING, sep=";", decimal=",",
                   tie_rule=lambda row: row["weight"] != "not at all")
    first = result.client(client_code("e01", "EG"))
    assert len(first.inventory(1).ties) == 2
    every_row = _read(r_tables, mapping=MAPPING)
    assert len(every_row.client(client_code("e01", "EG")).inventory(1).ties) == 3


def test_sessions_of_one_client_linked_by_alter_id(tmp_path):
    paths = _write(
        tmp_path,
        egos="egoID,client_id,session,date,phq9\nC7_1,C7,1,2026-01-05,17\n"
             "C7_2,C7,2,2026-02-02,12\n",
        alters="egoID,alterID,name,ring,support,conflict,role\n"
               "C7_1,a,Person A,1,5,4,partner\nC7_1,b,Person B,2,3,1,friend\n"
               "C7_2,a,Person A,2,5,2,partner\nC7_2,c,Person C,3,4,1,colleague\n",
        aaties="egoID,Source,Target\nC7_1,a,b\nC7_2,a,c\n")
    result = _read(paths)
    (client,) = result.clients
    assert client.client_id == "C7"
    assert [(s.number, s.date) for s in client.sessions] == [
        (1, dt.date(2026, 1, 5)), (2, dt.date(2026, 2, 2))]
    ids = {p.label: p.person_id for p in client.people}
    assert ids == {"Person A": "n1", "Person B": "n2", "Person C": "n3"}
    assert client.inventory(2).person_ids == ["n1", "n3"]  # B left: a complete snapshot
    assert client.inventory(2).people.set_index("person_id").loc["n1", "ring"] == 2
    (unlinked,) = result.report.unlinked
    assert unlinked.session == 2 and unlinked.where == "alters.csv line 5"
    assert unlinked.uuid == ""  # alterIDs may hold names: people are located by line


def test_dataframes_are_read_too():
    egos = pd.DataFrame({"egoID": ["x"], "client_id": ["C9"], "session": [0]})
    alters = pd.DataFrame({"egoID": ["x", "x"], "alterID": [1, 2], "ring": [1, 3],
                           "support": [6.0, None]})
    aaties = pd.DataFrame({"egoID": ["x"], "Source": [1], "Target": [2]})
    (client,) = read_egor(egos, alters, aaties).clients
    people = client.inventory(0).people
    assert people["ring"].tolist() == [1, 3]
    assert people["support"].tolist()[0] == 6 and pd.isna(people["support"].tolist()[1])
    assert len(client.inventory(0).ties) == 1


# --- errors --------------------------------------------------------------------------------------


def test_missing_mapped_column(r_tables):
    with pytest.raises(ValidationError) as caught:
        _read(r_tables, mapping=MAPPING | {"support": "warmth"})
    (problem,) = caught.value.problems
    assert (problem.record, problem.field) == ("alters.csv line 1", "warmth")
    with pytest.raises(ValidationError) as caught:
        _read(r_tables, mapping=MAPPING, ego_id="ego")
    assert {(p.record, p.field) for p in caught.value.problems} == {
        ("egos.csv line 1", "ego"), ("alters.csv line 1", "ego"), ("aaties.csv line 1", "ego")}


def test_dangling_tie_and_alter(tmp_path):
    paths = _write(tmp_path, egos=EGOS,
                   alters=ALTERS.replace("e02;2;Person E", f"e03;2;{MARKER} E"),
                   aaties=AATIES.replace("e01;2;3;", "e01;2;9;"))
    with pytest.raises(ValidationError) as caught:
        _read(paths, mapping=MAPPING)
    assert {(p.record, p.field) for p in caught.value.problems} == {
        ("alters.csv line 6", "egoID"),  # an alter of an ego that does not exist
        ("aaties.csv line 4", "Target"),  # a tie to an alter the ego does not have
        ("aaties.csv line 5", "Target"),  # ... e02's alter 2, now e03's
    }
    assert MARKER not in str(caught.value)


def test_malformed_row(tmp_path):
    paths = _write(tmp_path, egos=EGOS,
                   alters=ALTERS.replace("e01;2;Person B;2;6;1;0;1;0",
                                         f"e01;2;{MARKER} B;2;6;1;0;1;0;7;8"),
                   aaties=AATIES)
    with pytest.raises(ValidationError) as caught:
        _read(paths, mapping=MAPPING)
    (problem,) = caught.value.problems
    assert (problem.record, problem.field) == ("alters.csv line 3", "family")
    assert MARKER not in str(caught.value)


def test_bad_cells(tmp_path):
    paths = _write(tmp_path, egos=EGOS.replace("e01;34;17;", "e01;34;70;"),
                   alters=ALTERS.replace("e01;3;Person C;3;2;5;0;0;1",
                                         f"e01;3;{MARKER};3;2;5;0;0;maybe"),
                   aaties=AATIES.replace("0,75", "1,5"))
    with pytest.raises(ValidationError) as caught:
        _read(paths, mapping=MAPPING)
    assert {(p.record, p.field) for p in caught.value.problems} == {
        ("egos.csv line 2", "phq9"), ("alters.csv line 4", "family"),
        ("aaties.csv line 2", "strength")}
    assert MARKER not in str(caught.value)


# --- the export contract -------------------------------------------------------------------------


def _contract(paths, ego_id, alter_id, source, target, sep, decimal):
    egos = pd.read_csv(paths["egos"], sep=sep, decimal=decimal, dtype={ego_id: str})
    alters = pd.read_csv(paths["alters"], sep=sep, decimal=decimal,
                         dtype={ego_id: str, alter_id: str})
    aaties = pd.read_csv(paths["aaties"], sep=sep, decimal=decimal,
                         dtype={ego_id: str, source: str, target: str})
    assert list(egos.columns[:3]) == [ego_id, "client_id", "session"]
    assert list(alters.columns[:2]) == [ego_id, alter_id]
    assert list(aaties.columns[:3]) == [ego_id, source, target]
    # one ego row per egoID, which is <client_id>_<session>
    assert egos[ego_id].is_unique
    assert (egos[ego_id] == egos["client_id"].astype(str) + "_"
            + egos["session"].astype(str)).all()
    # every alter's egoID among the egos; alter ids unique within an ego
    assert alters[ego_id].isin(egos[ego_id]).all()
    assert not alters.duplicated([ego_id, alter_id]).any()
    # every aatie's Source and Target among its ego's alters
    known = set(zip(alters[ego_id], alters[alter_id], strict=True))
    for column in (source, target):
        assert all((e, a) in known for e, a in zip(aaties[ego_id], aaties[column],
                                                   strict=True))
    return egos, alters, aaties


def test_export_contract(worked_example, random_client, tmp_path):
    clients = [worked_example] + [random_client(seed) for seed in range(8)]
    paths = write_egor(clients, tmp_path)
    egos, alters, aaties = _contract(paths, "egoID", "alterID", "Source", "Target", ",", ".")
    assert len(egos) == sum(len(c.sessions) for c in clients)
    assert len(alters) == sum(len(i) for c in clients for i in c.inventories())
    assert "label" not in alters.columns  # labels (PHI) only when asked
    row = alters[(alters.egoID == "C-014_1") & (alters.alterID == "p1")].iloc[0]
    assert (row.ring, row.support, row.conflict, row.role_partner) == (1, 5, 4, 1)
    assert row.closeness == pytest.approx(1.0)
    ties = aaties[aaties.egoID == "C-014_1"]
    assert ties[["Source", "Target", "knows", "close", "conflict", "weight"]].values.tolist() == [
        ["p1", "p2", 1, 0, 0, 1.0]]
    # missed sessions and complete re-inventories are egos like the others
    assert set(egos.columns) >= {"date", "phase", "attended", "complete", "rings"}


def test_export_with_other_names_semicolons_and_read_back(worked_example, tmp_path):
    names = dict(ego_id="ego", alter_id="alter", source="from_alter", target="to_alter")
    worked_example.record_measure(1, "phq9", total=17)
    paths = write_egor(worked_example, tmp_path, sep=";", labels=True, **names)
    assert ";" in paths["egos"].read_text().splitlines()[0]
    assert "0,6666666666666666" in paths["alters"].read_text()  # decimal comma
    _contract(paths, *names.values(), ";", ",")
    result = read_egor(paths["egos"], paths["alters"], paths["aaties"], **names)
    (back,) = result.clients
    assert back.client_id == "C-014" and all(s.complete for s in back.sessions)
    assert back.session(1).measures["phq9"].total == 17

    def by_label(client):
        out = {}
        for inventory in client.inventories():
            labels = {p.person_id: p.label for p in client.people}
            people = {labels[r.person_id]: (r.ring, r.support, r.conflict, r.role)
                      for r in inventory.people.itertuples()}
            ties = {(labels[t.a], labels[t.b], t.kind) for t in inventory.ties.itertuples()}
            out[inventory.session] = (people, ties)
        return out

    assert by_label(back) == by_label(worked_example)
    assert not result.report.unmapped_columns  # every column written is read or known


def test_export_refuses_clashing_ids(worked_example, tmp_path):
    with pytest.raises(ValueError, match="unique"):
        write_egor([worked_example, worked_example], tmp_path)
    with pytest.raises(ValueError, match="different"):
        write_egor(worked_example, tmp_path, alter_id="egoID")
    empty = ig.Client("C-0")
    paths = write_egor(empty, tmp_path)
    assert paths["egos"].read_text().startswith("egoID,client_id,session")
