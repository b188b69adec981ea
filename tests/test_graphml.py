"""GraphML: one file per session, read back; Network Canvas's multi-graph GraphML."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import networkx as nx
import pytest

import ipt_graph as ig
from ipt_graph.errors import ValidationError
from ipt_graph.io.graphml import read_graphml, read_network_canvas_graphml, write_graphml
from ipt_graph.io.mapping import client_code

EXAMPLE = Path(__file__).parents[1] / "data" / "examples" / "network_canvas"
NC_GRAPHML = EXAMPLE / "network_canvas_sessions.graphml"
MAPPING = EXAMPLE / "mapping.toml"
FIELDS = ["person_id", "label", "role", "sector", "ring", "support", "conflict", "status",
          "contact", "confidant", "desired_ring", "expectations_met", "dispute_stage"]


def _snapshot(client: ig.Client, labels: bool = True):
    """Each session's inventory as plain data: people with their values, ties."""
    out = {}
    for inventory in client.inventories():
        people = inventory.people[FIELDS if labels else FIELDS[:1] + FIELDS[2:]]
        people = people.astype(object).where(people.notna(), None)
        ties = inventory.ties[["a", "b", "kind", "weight"]]
        out[inventory.session] = (sorted(map(tuple, people.values.tolist())),
                                  sorted(map(tuple, ties.values.tolist())))
    return out


def test_round_trip_of_the_worked_example(worked_example, tmp_path):
    worked_example.add_problem_area("role_dispute", primary=True, focus=["p1"])
    worked_example.rate(3, "p1", dispute_stage="impasse")
    paths = write_graphml(worked_example, tmp_path, labels=True)
    assert [p.name for p in paths] == [f"C-014_s{n}.graphml" for n in range(1, 7)]
    back = read_graphml(tmp_path)
    assert back.client_id == "C-014" and back.rings == 3
    assert all(s.complete for s in back.sessions)
    assert [(s.number, s.date, s.phase) for s in back.sessions] == [
        (s.number, s.date, s.phase) for s in worked_example.sessions]
    assert _snapshot(back) == _snapshot(worked_example)
    assert back.problem_areas == worked_example.problem_areas


@pytest.mark.parametrize("seed", range(12))
def test_round_trip_of_random_clients(random_client, tmp_path, seed):
    client = random_client(seed)
    if not client.sessions:
        pytest.skip("no sessions")
    write_graphml(client, tmp_path, labels=True)
    back = read_graphml(tmp_path)
    assert _snapshot(back) == _snapshot(client)
    for before, after in zip(client.sessions, back.sessions, strict=True):
        totals = {k: ig.model.measure_total(k, m) for k, m in before.measures.items()}
        assert {k: m.total for k, m in after.measures.items()} == pytest.approx(totals)


def test_files_hold_no_none_and_no_labels_unless_asked(worked_example, tmp_path):
    paths = write_graphml(worked_example, tmp_path)
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert "None" not in text and "nan" not in text.lower().replace("generator", "")
        assert "Synthetic" not in text  # the labels are PHI: left out by default
    graph = nx.read_graphml(paths[0])  # readers take the first (the only) graph
    assert graph.graph["client_id"] == "C-014" and graph.graph["session"] == 1
    assert graph.edges["ego", "p1"]["ring"] == 1
    assert graph.edges["ego", "p1"]["closeness"] == pytest.approx(1.0)
    assert graph.edges["ego", "p1"]["support"] == 5 and graph.edges["ego", "p1"]["conflict"] == 4
    assert graph.edges["p1", "p2"]["kinds"] == "knows" and graph.edges["p1", "p2"]["weight"] == 1
    assert "status" not in graph.edges["ego", "p1"]  # never observed: left out
    # session 3: p2 removed, p1's ring carried from session 1
    third = nx.read_graphml(paths[2])
    assert set(third.nodes) == {"ego", "p1"} and third.edges["ego", "p1"]["conflict"] == 2


def test_several_kinds_and_weights_on_one_pair(tmp_path):
    client = ig.Client("C-2")
    for pid in ("p1", "p2"):
        client.add_person(pid, role="friend")
    client.add_session(1)
    client.rate(1, "p1", ring=1)
    client.rate(1, "p2", ring=2)
    client.tie(1, "p1", "p2", kind="close", weight=0.5)
    client.tie(1, "p1", "p2", kind="conflict", weight=1.0)
    (path,) = write_graphml(client, tmp_path)
    edge = nx.read_graphml(path).edges["p1", "p2"]
    assert edge["kinds"] == "close,conflict" and edge["weight"] == 1.0
    assert edge["weight_close"] == 0.5
    assert read_graphml(path).ties == client.ties


def test_zip_of_files_and_colons_in_ids(worked_example, tmp_path):
    data = worked_example.to_dict() | {"client_id": "site:14"}
    client = ig.Client.from_dict(data)
    (bundle,) = write_graphml(client, tmp_path, archive=True, labels=True)
    with zipfile.ZipFile(bundle) as archive:
        assert archive.namelist()[0] == "site%3A14_s1.graphml"
    assert _snapshot(read_graphml(bundle)) == _snapshot(client)


def test_read_graphml_refuses_other_files(tmp_path):
    with pytest.raises(ValidationError, match="read_network_canvas_graphml"):
        read_graphml(NC_GRAPHML)
    broken = tmp_path / "broken.graphml"
    broken.write_text("<graphml><graph></graphml>")
    with pytest.raises(ValidationError, match="line 1"):
        read_graphml(broken)


def test_entity_expansion_is_refused(tmp_path):
    bomb = tmp_path / "bomb.graphml"
    bomb.write_text('<?xml version="1.0"?>\n<!DOCTYPE g [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
                    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph>'
                    '<node id="&b;"/></graph></graphml>')
    with pytest.raises(ValidationError, match="entities"):
        read_graphml(bomb)
    with pytest.raises(ValidationError, match="entities"):
        read_network_canvas_graphml(bomb, MAPPING)


def test_network_canvas_multi_graph_file():
    result = read_network_canvas_graphml(NC_GRAPHML, MAPPING, timezone="Europe/Lisbon")
    (client,) = result.clients
    assert client.client_id == client_code("demo-case-03")
    assert [(s.number, s.date, s.complete) for s in client.sessions] == [
        (1, dt.date(2026, 2, 2), True), (2, dt.date(2026, 4, 27), True)]
    assert client.session(1).measures["phq9"].total == 14
    first = client.inventory(1).people.set_index("label")
    assert first.loc["Person M", ["ring", "support", "conflict"]].tolist() == [1, 5, 3]
    assert first.loc["Person N", "role"] == "friend"
    assert first.loc["Person O", ["ring", "support", "conflict"]].tolist() == [3, 2, 2]
    second = client.inventory(2).people.set_index("label")
    assert sorted(second.index) == ["Person M", "Person N"]  # O left: complete session
    assert second.loc["Person M", "ring"] == 2
    ids = {p.label: p.person_id for p in client.people}
    assert ids == {"Person M": "n1", "Person N": "n2", "Person O": "n3"}
    ties = client.inventory(1).ties
    assert set(zip(ties.a, ties.b, ties.kind, strict=True)) == {("n1", "n2", "close"),
                                                                ("n1", "n3", "conflict")}
    assert not result.report.unlinked


def test_network_canvas_graphml_sociogram_rings():
    mapping = {"label": "name", "person_key": "name", "ring": {"layout": "sociogram"},
               "edges": {"Close": "close", "Conflict": "conflict"}}
    result = read_network_canvas_graphml(NC_GRAPHML, mapping)
    (client,) = result.clients
    rings = client.inventory(1).people.set_index("label")["ring"].to_dict()
    # (0.5, 0.4) → d 0.2; (0.7, 0.5) → 0.4; (0.9, 0.5) → 0.8 with radii 1/3, 2/3, 1
    assert rings == {"Person M": 1, "Person N": 2, "Person O": 3}
    assert len(result.report.placements) == 5


def test_network_canvas_graphml_errors_name_graph_node_and_variable(tmp_path):
    text = NC_GRAPHML.read_text(encoding="utf-8")
    text = text.replace("<data key=\"networkCanvasTargetUUID\">0d4e5f60-0003",
                        "<data key=\"networkCanvasTargetUUID\">0d4e5f60-9999")
    text = text.replace(">Person O</data>", ">ZZMARKER O</data>")
    broken = tmp_path / "nc.graphml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_network_canvas_graphml(broken, MAPPING)
    (problem,) = caught.value.problems
    assert problem.record == "nc.graphml graph 1 edge 2"
    assert problem.field == "networkCanvasTargetUUID"
    assert "ZZMARKER" not in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        read_network_canvas_graphml(NC_GRAPHML, {"ring": "closeness", "support": "warmth"})
    assert {(p.record, p.field) for p in caught.value.problems} == {
        ("network_canvas_sessions.graphml graph 1", "warmth"),
        ("network_canvas_sessions.graphml graph 2", "warmth")}
