"""Network Canvas CSV exports: the hand-written example in data/examples/network_canvas.

Every expected value below is worked out by hand from the example's files (see the README
there): the rings from the ordinal closeness map, the sociogram rings from the positions.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from ipt_graph.errors import ValidationError
from ipt_graph.io.mapping import (
    ImportReport,
    client_code,
    load_mapping,
    ring_of_distance,
    ring_radii,
    sociogram_distance,
)
from ipt_graph.io.network_canvas import read_network_canvas, read_protocol
from ipt_graph.io.sources import parse_csv, source_files

EXAMPLE = Path(__file__).parents[1] / "data" / "examples" / "network_canvas"
EXPORT = EXAMPLE / "export"
ZIP = EXAMPLE / "network_canvas_export.zip"
MAPPING = EXAMPLE / "mapping.toml"
PROTOCOL = EXAMPLE / "ipt_demo.netcanvas"
S1 = "demo-case-01_5b0e7d2c-1f4a-4c8e-9d61-0a7f3e2b1c01"
S2 = "demo-case-01_8c3d9e4f-2a5b-4d6c-8e7f-1b2c3d4e5f02"
S3 = "demo-case-02_a91b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c03"
CASE1, CASE2 = client_code("demo-case-01"), client_code("demo-case-02")
MARKER = "ZZMARKER"
LABEL = re.compile(r"[Pp]erson +[A-Za-z]\b")  # the example's labels: "Person A", "person  b"
RATINGS = {"not_at_all": 1, "a_little": 2, "somewhat": 3, "quite_a_bit": 4, "very": 5,
           "extremely": 6}


def _mapping(**changes):
    """The example's mapping as a dict, with some keys replaced."""
    mapping = {
        "node_type": "Person", "label": "name", "person_key": "name",
        "ring": {"variable": "closeness",
                 "values": {"very_close": 1, "close": 2, "not_so_close": 3}},
        "support": {"variable": "support", "values": RATINGS},
        "conflict": {"variable": "conflict", "values": RATINGS},
        "role": {"variable": "relationship", "values": {
            o: o for o in ("partner", "parent", "sibling", "grandparent", "friend",
                           "colleague", "neighbour")}},
        "status": {"variable": "deceased", "values": {"true": "deceased", "false": ""}},
        "edges": {"Close": "close", "Conflict": "conflict"},
        "measures": {"phq9": "phq9_total"},
    }
    mapping.update(changes)
    return mapping


def _people(client, session):
    """{label: (ring, support, conflict, status, role)} on the map at a session."""
    frame = client.inventory(session).people
    return {row.label: (row.ring, row.support, row.conflict,
                        None if row.status is None or str(row.status) == "<NA>"
                        else str(row.status), row.role)
            for row in frame.astype(object).where(frame.notna(), None).itertuples()}


def _ties(client, session):
    labels = {p.person_id: p.label for p in client.people}
    return {(labels[r.a], labels[r.b], r.kind) for r in client.inventory(session).ties.itertuples()}


@pytest.fixture(scope="module")
def result():
    return read_network_canvas(EXPORT, MAPPING, timezone="America/New_York")


@pytest.fixture
def export_copy(tmp_path):
    target = tmp_path / "export"
    shutil.copytree(EXPORT, target)
    return target


# --- the example, file by file --------------------------------------------------------------


def test_example_files_follow_the_format_to_the_letter():
    for path in EXPORT.glob("*.csv"):
        data = path.read_bytes()
        assert data.endswith(b"\r\n"), path.name
        lines = data.split(b"\r\n")
        bare = [line for line in lines if b"\n" in line or b"\r" in line]
        # the only bare line break is the deliberate one in the intake's notes
        expected = 1 if path.name == f"{S1}_attributeList_Person.csv" else 0
        assert len(bare) == expected, path.name
    header = (EXPORT / f"{S1}_attributeList_Person.csv").read_bytes().split(b"\r\n")[0]
    assert header.startswith(b"nodeID,networkCanvasEgoUUID,networkCanvasUUID,")
    assert b"relationship_partner,relationship_parent" in header
    assert header.endswith(b",null")
    assert not (EXPORT / f"{S2}_edgeList_Conflict.csv").exists()
    legacy = (EXPORT / f"{S3}_ego.csv").read_bytes()
    assert legacy.startswith(b"_egoID,_caseID,")


def test_zip_holds_the_same_files_and_macos_junk():
    with zipfile.ZipFile(ZIP) as archive:
        names = archive.namelist()
        members = {n.rsplit("/", 1)[-1]: archive.read(n) for n in names
                   if n.endswith(".csv") and not n.startswith("__MACOSX/")}
    assert any(n.startswith("__MACOSX/") for n in names)
    assert any(n.endswith(".DS_Store") for n in names)
    assert members == {p.name: p.read_bytes() for p in EXPORT.glob("*.csv")}


def test_folder_and_zip_give_the_same_clients(result):
    from_zip = read_network_canvas(ZIP, MAPPING, timezone="America/New_York")
    assert [c.to_dict() for c in from_zip.clients] == [c.to_dict() for c in result.clients]
    skipped = [e.where for e in from_zip.report.skipped_files]
    assert any("__MACOSX/" in where for where in skipped)
    assert any(where.endswith(".DS_Store") for where in skipped)
    assert len(from_zip.report.repaired) == len(result.report.repaired) == 1


def test_sessions_are_complete_and_dated_in_the_time_zone(result):
    client = result.client(CASE1)
    assert [s.number for s in client.sessions] == [1, 2]
    assert all(s.complete for s in client.sessions)
    # intake at 2026-01-06T02:15Z is the evening of 5 January in New York
    assert [s.date for s in client.sessions] == [dt.date(2026, 1, 5), dt.date(2026, 3, 30)]
    assert client.session(1).measures["phq9"].total == 17
    assert client.session(2).measures["phq9"].total == 8
    in_utc = read_network_canvas(EXPORT, MAPPING)
    assert in_utc.client(CASE1).session(1).date == dt.date(2026, 1, 6)
    with pytest.raises(ValueError, match="timezone"):
        read_network_canvas(EXPORT, MAPPING, timezone="Mars/Olympus")


def test_people_rings_and_roles_of_the_intake(result):
    client = result.client(CASE1)
    assert client.client_id == "NC-dd2a352dcb"  # sha256("demo-case-01")[:10]
    assert all(p.person_id.startswith("n") for p in client.people)
    assert _people(client, 1) == {
        "Person A": (1, 5, 4, None, "partner"),
        "person  b": (2, 6, 1, None, "friend"),  # the record keeps the latest label
        "Person C": (2, 3, 5, None, "parent"),
        "Person D": (3, 2, 2, None, "colleague"),
        "Person E": (2, 4, 1, None, "sibling"),
        "Person G": (3, 5, 1, "deceased", "grandparent"),
    }
    # Person F has no closeness: in the record, off the map, listed as unplaced
    assert "Person F" in {p.label for p in client.people}
    unplaced = result.report.unplaced
    assert [(e.client_id, e.session, e.uuid) for e in unplaced] == [
        (CASE1, 1, "0a1b2c3d-0006-4a00-8000-000000000a06")]


def test_ties_two_types_on_one_pair_and_a_dropped_tie(result):
    client = result.client(CASE1)
    assert _ties(client, 1) == {
        ("Person A", "Person C", "close"), ("Person A", "Person C", "conflict"),
        ("person  b", "Person E", "close"), ("Person A", "Person E", "close")}
    # the Conflict edge C-F is not recorded: F is unplaced
    dropped = result.report.dropped_ties
    assert len(dropped) == 1 and dropped[0].where.endswith("_edgeList_Conflict.csv line 3")


def test_follow_up_without_a_conflict_file_links_people_by_name(result):
    client = result.client(CASE1)
    people = _people(client, 2)
    assert set(people) == {"Person A", "person  b", "Person C", "Person E", "Person G",
                           "Person H"}
    assert people["Person A"] == (2, 5, 3, None, "partner")
    # "person  b" is linked to Person B of the intake (case and spaces ignored)
    ids = {p.label: p.person_id for p in client.people}
    assert ids["person  b"] == "n2"
    assert "Person B" not in ids  # one record, the latest label
    assert _ties(client, 2) == {("Person A", "Person C", "close"),
                                ("person  b", "Person E", "close"),
                                ("person  b", "Person H", "close")}
    # Person D was not interviewed again: the complete follow-up takes them off the map
    assert "Person D" not in people
    unlinked = result.report.unlinked
    assert [(e.session, e.uuid) for e in unlinked] == [
        (2, "0b2c3d4e-0005-4b00-9000-000000000b05")]  # Person H, a newcomer


def test_legacy_headers(result):
    client = result.client(CASE2)
    assert client.session(1).date == dt.date(2025, 11, 20)
    assert _people(client, 1) == {
        "Person J": (1, 3, 6, None, "partner"),
        "Person K": (3, 2, 1, None, "colleague"),
        "Person L": (2, 5, 2, None, "friend"),
    }
    assert _ties(client, 1) == {("Person K", "Person L", "close"),
                                ("Person J", "Person L", "conflict")}


def test_report_names_stray_and_duplicate_columns_but_no_names(result):
    text = str(result.report)
    for column in ("null", "support_2", "interview_type", "notes"):
        assert f"column {column}" in text
    assert not LABEL.search(text) and "demo-case-0" in text  # file names, never labels
    assert not LABEL.search(result.report.to_frame().to_string())
    assert result.report.case_ids == {CASE1: "demo-case-01", CASE2: "demo-case-02"}
    assert "demo-case-01'" not in repr(result.report)


def test_unquoted_line_break_is_repaired_and_reported(result):
    (entry,) = result.report.repaired
    assert entry.where == f"{S1}_attributeList_Person.csv line 4"
    assert entry.column == "notes"
    table = parse_csv((EXPORT / f"{S1}_attributeList_Person.csv").read_bytes(), "people.csv")
    notes = dict(table.records())[4]["notes"]
    assert notes == "Argues about money\nbut visits on Sundays"
    assert [line for line, _ in table.rows] == [2, 3, 4, 6, 7, 8, 9]


def test_person_key_parameter_and_no_key(result):
    no_key = read_network_canvas(EXPORT, _mapping(person_key=None) | {"person_key": "name"},
                                 person_key=None)
    assert len(no_key.report.unlinked) == 1
    mapping = _mapping()
    del mapping["person_key"]
    unkeyed = read_network_canvas(EXPORT, mapping)
    # nobody of the follow-up can be linked: six people, listed by UUID
    follow_up = [e for e in unkeyed.report.unlinked if e.client_id == CASE1]
    assert len(follow_up) == 6 and all(e.uuid.startswith("0b2c3d4e-") for e in follow_up)
    keyed = read_network_canvas(EXPORT, mapping, person_key="name")
    assert [c.to_dict() for c in keyed.clients] == [
        c.to_dict() for c in read_network_canvas(EXPORT, MAPPING).clients]


# --- rings from the sociogram -----------------------------------------------------------------


def test_radius_schemes():
    # FORMATS.md: n = 3, R = 50, skewed toward the centre -> 25.82, 38.95, 50
    assert ring_radii(3, "skewed", outer=50) == pytest.approx([25.82, 38.95, 50], abs=0.005)
    assert ring_radii(3, "equal", outer=50) == pytest.approx([50 / 3, 100 / 3, 50])
    # equal area: R·sqrt(k/n)
    assert ring_radii(4, "equal_area") == pytest.approx([0.5, 0.5**0.5, 0.75**0.5, 1.0])
    with pytest.raises(ValueError, match="radius_scheme"):
        ring_radii(3, "golden")


def test_distance_and_aspect_ratio():
    assert sociogram_distance(0.5, 0.5) == 0
    assert sociogram_distance(1.0, 0.5) == pytest.approx(1.0)  # the edge of a square canvas
    # a 16:9 canvas: x spans 16/9 of the shorter side, so the same x is farther out
    assert sociogram_distance(0.85, 0.4, 16 / 9) == pytest.approx(
        2 * ((0.35 * 16 / 9) ** 2 + 0.1**2) ** 0.5)
    # a portrait canvas (aspect < 1): y spans 1/aspect of the shorter side
    assert sociogram_distance(0.5, 0.75, 0.5) == pytest.approx(1.0)
    assert ring_of_distance(1 / 3, ring_radii(3)) == 1  # on a circle: the ring inside it
    assert ring_of_distance(1.0001, ring_radii(3)) is None
    with pytest.raises(ValueError, match="aspect_ratio"):
        sociogram_distance(0.5, 0.5, 0)


def test_rings_from_the_sociogram(result):
    mapping = _mapping(ring={"layout": "sociogram"})
    square = read_network_canvas(EXPORT, mapping)
    client = square.client(CASE1)
    rings = {label: values[0] for label, values in _people(client, 1).items()}
    # d = 2·|(x, y) − centre|: A 0.19 → 1; B 0.45, C 0.47, E 0.54 → 2; D 0.73 → 3 (equal)
    assert rings == {"Person A": 1, "person  b": 2, "Person C": 2, "Person E": 2,
                     "Person D": 3}
    reasons = {e.uuid[-3:]: e.message for e in square.report.unplaced if e.client_id == CASE1}
    assert reasons["a06"].startswith("outside the outer circle")  # F at d = 1.27
    assert reasons["a07"] == "never placed on the sociogram"  # G, deceased, not placed
    placements = {p.uuid[-3:]: p for p in square.report.placements if p.session == 1
                  and p.client_id == CASE1}
    assert placements["a04"].distance == pytest.approx(2 * (0.35**2 + 0.1**2) ** 0.5)
    assert placements["a06"].ring is None and placements["a06"].distance > 1
    frame = square.report.placements_frame()
    assert len(frame) == len(square.report.placements) and frame["ring"].isna().sum() == 1

    skewed = read_network_canvas(EXPORT, mapping, radius_scheme="skewed")
    rings = {k: v[0] for k, v in _people(skewed.client(CASE1), 1).items()}
    # skewed radii 0.516, 0.779, 1: B (0.447) and C (0.466) move in to ring 1
    assert rings["person  b"] == rings["Person C"] == 1 and rings["Person E"] == 2

    wide = read_network_canvas(EXPORT, mapping, aspect_ratio=16 / 9)
    rings = {k: v[0] for k, v in _people(wide.client(CASE1), 1).items()}
    # 16:9: B's dx grows to 0.36 → d 0.74 → ring 3; D's to 0.62 → d 1.26: off the map
    assert rings["person  b"] == 3 and "Person D" not in rings


# --- the protocol -----------------------------------------------------------------------------


def test_protocol_gives_option_order_and_labels():
    protocol = read_protocol(PROTOCOL)
    options = protocol.options[("node", "Person")]
    assert options["closeness"] == ["very_close", "close", "not_so_close"]
    assert options["support"][0] == "not_at_all"
    assert protocol.labels[("node", "Person")]["relationship"]["partner"] == "Partner"
    assert protocol.edge_types == ("Close", "Conflict")
    bare = {"label": "name", "person_key": "name", "ring": "closeness",
            "support": "support", "conflict": "conflict", "role": "relationship",
            "edges": {"Close": "close", "Conflict": "conflict"}}
    with_protocol = read_network_canvas(EXPORT, bare, protocol=PROTOCOL)
    explicit = read_network_canvas(EXPORT, {k: v for k, v in _mapping().items()
                                            if k not in ("status", "measures")})
    for a, b in zip(with_protocol.clients, explicit.clients, strict=True):
        for session in (s.number for s in a.sessions):
            assert {k: v[:3] + v[4:] for k, v in _people(a, session).items()} == {
                k: v[:3] + v[4:] for k, v in _people(b, session).items()}
    # without the protocol, "very_close" is not a ring: everyone is unplaced
    without = read_network_canvas(EXPORT, bare)
    assert not without.client(CASE1).ratings
    assert any("very_close" in e.message for e in without.report.unmapped_values)


def test_protocol_that_is_not_one(tmp_path):
    path = tmp_path / "empty.netcanvas"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("assets/readme.txt", "nothing")
    with pytest.raises(ValidationError, match=r"protocol\.json"):
        read_protocol(path)


# --- errors: file, line, column; never a name -------------------------------------------------


def _plant(path: Path, line: int, old: str, new: str) -> None:
    """Replace text on the ``line``-th CRLF-ended line (1-based) of a CRLF file."""
    lines = path.read_bytes().decode().split("\r\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new)
    path.write_bytes("\r\n".join(lines).encode())


def _assert_private(error: ValidationError) -> None:
    assert MARKER not in str(error)
    assert all(MARKER not in line for line in error.lines())


def test_missing_mapped_column(export_copy):
    with pytest.raises(ValidationError) as caught:
        read_network_canvas(export_copy, _mapping(support="supportiveness"))
    problems = caught.value.problems
    assert {p.field for p in problems} == {"supportiveness"}
    assert problems[0].record == f"{S1}_attributeList_Person.csv line 1"
    assert "missing" in problems[0].message or "no such column" in problems[0].message


def test_dangling_edge(export_copy):
    path = export_copy / f"{S1}_edgeList_Close.csv"
    _plant(path, 3, "0a1b2c3d-0005-4a00-8000-000000000a05",
           "0a1b2c3d-0099-4a00-8000-000000000a99")
    _plant(export_copy / f"{S1}_attributeList_Person.csv", 3, "Person B", f"{MARKER} B")
    with pytest.raises(ValidationError) as caught:
        read_network_canvas(export_copy, MAPPING)
    (problem,) = caught.value.problems
    assert problem.record == f"{S1}_edgeList_Close.csv line 3"
    assert problem.field == "networkCanvasTargetUUID"
    assert "dangling" in problem.message
    _assert_private(caught.value)


def test_malformed_row(export_copy):
    path = export_copy / f"{S2}_attributeList_Person.csv"
    _plant(path, 4, "Person C", f"{MARKER} C,extra,fields")  # three fields too many
    with pytest.raises(ValidationError) as caught:
        read_network_canvas(export_copy, MAPPING)
    (problem,) = caught.value.problems
    assert problem.record == f"{S2}_attributeList_Person.csv line 4"
    assert problem.field == "support_2"  # the first column past the header's last
    _assert_private(caught.value)


def test_short_row_that_cannot_be_repaired(export_copy):
    path = export_copy / f"{S2}_attributeList_Person.csv"
    lines = path.read_bytes().decode().split("\r\n")
    assert ",Person A," in lines[1]
    lines[1] = lines[1].split(",Person A,")[0] + f",{MARKER} A"  # cut short after the name
    path.write_bytes("\r\n".join(lines).encode())
    with pytest.raises(ValidationError) as caught:
        read_network_canvas(export_copy, MAPPING)
    (problem,) = caught.value.problems
    assert problem.record == f"{S2}_attributeList_Person.csv line 2"
    assert problem.field == "closeness"  # the first column the row lacks
    _assert_private(caught.value)


def test_bad_cells_name_line_and_column(export_copy):
    path = export_copy / f"{S1}_attributeList_Person.csv"
    _plant(path, 2, "0.55,0.42", "left,0.42")
    _plant(path, 2, "Person A,very_close,very,quite_a_bit,true", f"{MARKER},very_close,very,"
           "quite_a_bit,maybe")
    mapping = _mapping(ring={"layout": "sociogram"})
    with pytest.raises(ValidationError) as caught:
        read_network_canvas(export_copy, mapping)
    fields = {(p.record, p.field) for p in caught.value.problems}
    where = f"{S1}_attributeList_Person.csv line 2"
    assert fields == {(where, "sociogram_x"), (where, "relationship_partner")}
    _assert_private(caught.value)


def test_unmapped_values_never_show_a_name(export_copy):
    mapping = _mapping(support={"variable": "name", "values": RATINGS})  # a wrong mapping
    result = read_network_canvas(export_copy, mapping)
    text = str(result.report)
    assert not LABEL.search(text) and "<not shown>" in text


def test_edge_types_not_in_the_mapping_are_skipped_and_reported():
    result = read_network_canvas(EXPORT, _mapping(edges={"Close": "close"}))
    assert not any(kind == "conflict" for c in result.clients for kind in
                   (t.kind for t in c.ties))
    assert any("Conflict is not in the mapping" in e.message
               for e in result.report.skipped_files)
    # without an edges table, types named like a tie kind are read as that kind
    default = read_network_canvas(EXPORT, {k: v for k, v in _mapping().items()
                                           if k != "edges"})
    assert _ties(default.client(CASE1), 1) == _ties(read_network_canvas(
        EXPORT, MAPPING).client(CASE1), 1)


def test_mapping_is_checked():
    with pytest.raises(ValidationError) as caught:
        load_mapping({"ring": {"variable": "closeness", "values": {"very_close": 9}},
                      "role": {"variable": "relationship", "values": {"mum": "mother"}},
                      "edges": {"Close": "friendship"}, "colour": "blue"})
    fields = {p.field for p in caught.value.problems}
    assert fields == {"ring.values.very_close", "role.values.mum", "edges.Close", "colour"}
    with pytest.raises(ValidationError, match="ring"):
        read_network_canvas(EXPORT, {"support": "support"})
    with pytest.raises(ValidationError, match="rings go up to 2"):
        read_network_canvas(EXPORT, MAPPING, rings=2)


def test_mapping_toml_and_dict_agree(result):
    assert load_mapping(MAPPING) == load_mapping(_mapping())


# --- csv details and archives -----------------------------------------------------------------


def test_csv_quoting_and_repairs():
    report = ImportReport()
    text = 'a,b,c\r\n1,"x, ""y""",3\r\n2,"multi\r\nline",4\r\n'
    table = parse_csv(text.encode(), "t.csv", report)
    assert [cells for _, cells in table.rows] == [["1", 'x, "y"', "3"],
                                                  ["2", "multi\r\nline", "4"]]
    assert not report.repaired
    # an LF file: a short row followed by its continuation
    table = parse_csv("a,b,c\n1,two\nlines,3\n4,5,6\n", "lf.csv", report)
    assert [cells for _, cells in table.rows] == [["1", "two\nlines", "3"], ["4", "5", "6"]]
    assert report.repaired[-1].where == "lf.csv line 2" and report.repaired[-1].column == "b"
    # a lone field after a full row could end either row: refused, not guessed
    with pytest.raises(ValidationError) as caught:
        parse_csv("a,b,c\n1,2,3\ntail\n4,5,6\n", "amb.csv")
    assert caught.value.problems[0].record == "amb.csv line 3"
    with pytest.raises(ValidationError, match="quote"):
        parse_csv('a,b\n1,"open\n', "q.csv")
    with pytest.raises(ValidationError, match="UTF-8"):
        parse_csv(b"a,b\n\xff,1\n", "bin.csv")
    # a BOM and a trailing separator are tolerated
    table = parse_csv("\ufeffa,b\r\n1,2,\r\n", "bom.csv")
    assert table.header == ["a", "b"] and table.rows == [(2, ["1", "2"])]


def test_zip_bomb_guard(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x_ego.csv", b"0" * (4 * 1024 * 1024))  # ~1000:1
    with pytest.raises(ValueError, match="zip bomb"):
        read_network_canvas(bomb, MAPPING)
    with pytest.raises(ValueError, match="zip bomb"):
        source_files(ZIP, (".csv",), ImportReport(), max_total=1000)


def test_a_merged_export_and_one_session_file(tmp_path):
    # the ego file of one session alone: read, with a note that it has no people
    single = read_network_canvas(EXPORT / f"{S3}_ego.csv", MAPPING)
    assert len(single.clients) == 1 and not single.clients[0].ratings
    # sessions merged into one file set ("merge sessions" export option)
    merged = tmp_path / "merged"
    merged.mkdir()
    for kind in ("ego", "attributeList_Person", "edgeList_Close"):
        parts = [(EXPORT / f"{s}_{kind}.csv").read_bytes().split(b"\r\n", 1) for s in (S1, S2)]
        (merged / f"networkCanvasExport_{kind}.csv").write_bytes(
            parts[0][0] + b"\r\n" + parts[0][1] + parts[1][1])
    header = (EXPORT / f"{S1}_attributeList_Person.csv").read_bytes().split(b"\r\n", 1)[0]
    assert header.endswith(b",null")  # the two sessions' node files differ in their last column
    result = read_network_canvas(merged, MAPPING)
    (client,) = result.clients
    assert [s.number for s in client.sessions] == [1, 2]
    assert len(client.inventory(2)) == 6


def test_edges_to_nodes_of_another_type_are_reported(export_copy):
    place = export_copy / f"{S1}_attributeList_Place.csv"
    place.write_bytes(b"nodeID,networkCanvasEgoUUID,networkCanvasUUID,name\r\n"
                      b"8,e1f0c7a2-33b4-4c55-8d66-77e88f99a001,"
                      b"0a1b2c3d-0008-4a00-8000-000000000a08,Gym\r\n")
    path = export_copy / f"{S1}_edgeList_Close.csv"
    data = path.read_bytes() + (b"6,1,8,e1f0c7a2-33b4-4c55-8d66-77e88f99a001,c1000000-0000-4000"
                                b"-8000-000000000006,0a1b2c3d-0001-4a00-8000-000000000a01,"
                                b"0a1b2c3d-0008-4a00-8000-000000000a08\r\n")
    path.write_bytes(data)
    result = read_network_canvas(export_copy, MAPPING)
    assert any(e.message == "joins a node of another type" for e in result.report.dropped_ties)


def test_legacy_edges_joined_on_node_ids(export_copy):
    path = export_copy / f"{S3}_edgeList_Close.csv"
    path.write_bytes(b"edgeID,from,to,_egoID,_uid\r\n1,2,3,e3b2c3d4-55e6-4f77-a088-99b00c11c003,"
                     b"c3000000-0000-4000-8000-000000000001\r\n")
    result = read_network_canvas(export_copy, MAPPING)
    assert ("Person K", "Person L", "close") in _ties(result.client(CASE2), 1)
    assert any("joined on nodeID" in e.message for e in result.report.notes)


def test_protocol_json_is_plain_json(tmp_path):
    with zipfile.ZipFile(PROTOCOL) as archive:
        document = json.loads(archive.read("protocol.json"))
    path = tmp_path / "protocol.json"
    path.write_text(json.dumps(document))
    assert read_protocol(path).options == read_protocol(PROTOCOL).options


def test_report_never_holds_a_name_of_a_repaired_unplaced_or_unlinked_person(export_copy):
    _plant(export_copy / f"{S1}_attributeList_Person.csv", 4, "Person C", f"{MARKER} C")
    # the 7th CRLF-ended line is physical line 8: line 4 holds a bare LF
    _plant(export_copy / f"{S1}_attributeList_Person.csv", 7, "Person F", f"{MARKER} F")
    _plant(export_copy / f"{S2}_attributeList_Person.csv", 6, "Person H", f"{MARKER} H")
    result = read_network_canvas(export_copy, MAPPING)
    assert result.report.repaired and result.report.unplaced and result.report.unlinked
    assert MARKER not in str(result.report)
    assert MARKER not in result.report.to_frame().to_string()
    assert MARKER not in repr(result.report)
    assert MARKER in {p.label.split()[0] for p in result.client(CASE1).people}
