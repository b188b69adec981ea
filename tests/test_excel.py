"""The spreadsheet route (issue 8, part 3): the template, filling it in, reading it back.

Workbooks are filled programmatically with openpyxl, as a clinician would in Excel, and read
back with :func:`ipt_graph.io.excel.read_excel`. Only synthetic people.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

import ipt_graph as ig
from ipt_graph import vocab
from ipt_graph.io import excel
from ipt_graph.io.excel import read_excel, write_template
from ipt_graph.model import RATING_FIELDS

MARKER = "SYNTHETIC-SECRET-7f3a"


def open_template(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def headers(ws) -> list[str]:
    return [cell.value for cell in ws[1] if cell.value is not None]


def fill(ws, *rows) -> None:
    """Append rows under the header, as typed in Excel (text as text, never a formula)."""
    for row in rows:
        ws.append(list(row))
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def expected_client() -> ig.Client:
    """The record the filled-in template of :func:`filled_workbook` holds, built with the API."""
    client = ig.Client("C-021", rings=3, planned_sessions=16)
    client.add_person("p1", label="Synthetic partner", role="partner")
    client.add_person("p2", label="Synthetic sister", role="sibling", gender="female")
    client.add_person("p3", label="Synthetic friend", role="friend", age_band="25_34")
    client.add_session(1, date="2026-01-05", phase="initial",
                       measures={"phq9": [2, 3, 2, 2, 1, 2, 2, 2, 1]})
    client.add_session(2, date="2026-01-12", phase="initial", attended=False)
    client.add_session(3, date="2026-01-19", phase="initial",
                       measures={"phq9": {"total": 12}, "gad7": {"total": 9}})
    client.add_problem_area("role_dispute", primary=True, focus=["p1"])
    client.rate(1, "p1", ring=1, support=4, conflict=5, contact="daily", confidant=False,
                dispute_stage="impasse", desired_ring=1)
    client.rate(1, "p2", ring=2, support=5, conflict=1, confidant=True,
                satisfying="Long phone calls")
    client.rate(1, "p3", ring=3, support=3, conflict=1)
    client.tie(1, "p1", "p2", kind="knows")
    client.tie(1, "p2", "p3", kind="close", weight=0.5)
    client.rate(3, "p1", conflict=3, dispute_stage="renegotiation")
    client.remove(3, "p3")
    client.end_tie(3, "p1", "p2")
    client.add_event("e1", date="2025-11", kind="conflict", people=["p1"], onset=True)
    return client


def filled_workbook(path: Path) -> Path:
    """The empty template, filled in cell by cell with the record of expected_client()."""
    write_template(path)
    wb = open_template(path)
    wb["client"]["A2"] = "C-021"
    wb["client"]["D2"] = 16
    fill(wb["people"],
         ["p1", "Synthetic partner", "partner"],
         ["p2", "Synthetic sister", "sibling", None, "female"],
         ["p3", "Synthetic friend", "friend", None, None, "25_34"])
    fill(wb["sessions"],
         [1, dt.datetime(2026, 1, 5), "initial"],
         [2, "2026-01-12", "initial", "no"],             # a date typed as text
         [3.0, dt.date(2026, 1, 19), "initial", True])  # 3.0 and TRUE as Excel may give them
    ratings = headers(wb["ratings"])

    def rating(**values):
        return [values.get(name) for name in ratings]

    fill(wb["ratings"],
         rating(session=1, person_id="p1", ring=1, support=4, conflict=5, contact="daily",
                confidant="no", dispute_stage="impasse", desired_ring=1),
         rating(session=1, person_id="p2", event="rated", ring=2.0, support="5", conflict=1,
                confidant="yes", satisfying="Long phone calls"),
         rating(session=1, person_id="p3", ring=3, support=3, conflict=1),
         rating(session=3, person_id="p1", conflict=3, dispute_stage="renegotiation"),
         rating(session=3, person_id="p3", event="removed"))
    fill(wb["ties"],
         [1, "p2", "p1"],                  # kind defaults to knows; any order of the pair
         [1, "p2", "p3", "close", 0.5],
         [3, "p1", "p2", "knows", None, "ended"])
    fill(wb["measures"],
         [1, "phq9", None, 2, 3, 2, 2, 1, 2, 2, 2, 1],
         [3, "phq9", 12],
         [3, "gad7", 9])
    fill(wb["problem_areas"], ["role_dispute", "yes", "p1"])
    fill(wb["events"], ["e1", "2025-11", "conflict", "p1", None, "yes"])
    wb.save(path)
    return path


def problem_lines(error: ig.ValidationError) -> list[str]:
    return [str(problem) for problem in error.problems]


# --- the template ----------------------------------------------------------------------------


def test_template_sheets_and_headers(folder):
    path = write_template(folder / "inventory.xlsx")
    assert path == folder / "inventory.xlsx"
    wb = open_template(path)
    assert wb.sheetnames == ["client", "people", "sessions", "ratings", "ties", "measures",
                             "problem_areas", "events", "lists"]
    assert wb["lists"].sheet_state == "hidden"
    assert wb.active.title == "client"
    for sheet, columns in excel.SHEETS.items():
        assert headers(wb[sheet]) == [column.name for column in columns]
    ratings = headers(wb["ratings"])
    assert set(RATING_FIELDS) <= set(ratings)  # every rating field has a column
    assert headers(wb["client"])[2] == "rings"  # the ring checks refer to client!C2
    assert wb["client"]["C2"].value == vocab.DEFAULT_RINGS


def test_header_comments_explain_columns_with_item_wording(folder):
    wb = open_template(write_template(folder / "inventory.xlsx"))
    for ws in (wb[name] for name in excel.SHEETS):
        for cell in ws[1]:
            assert cell.comment is not None and cell.comment.text.strip(), (ws.title, cell)
    comments = {cell.value: cell.comment.text for cell in wb["ratings"][1]}
    # DOMAIN.md §4: the item wording of the Social Relationships Index stays visible
    assert "how helpful is this person when you need support?" in comments["support"].lower()
    assert "how upsetting is this person?" in comments["conflict"].lower()
    assert "1 = not at all" in comments["support"] and "6 = extremely" in comments["conflict"]


def _validations(ws) -> dict[str, object]:
    """Column header -> its data validation."""
    names = {cell.column_letter: cell.value for cell in ws[1]}
    out = {}
    for validation in ws.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            letter = cell_range.coord.split(":")[0].rstrip("0123456789")
            assert cell_range.min_row == 2  # the header row is free
            out[names[letter]] = validation
    return out


def _list_values(wb, formula: str) -> list[str]:
    sheet, cells = formula.split("!")
    return [row[0].value for row in wb[sheet][cells.replace("$", "")]]


@pytest.mark.parametrize(("sheet", "column", "vocabulary"), [
    ("people", "role", vocab.Role),
    ("people", "sector", vocab.Sector),
    ("people", "gender", vocab.Gender),
    ("people", "age_band", vocab.AgeBand),
    ("sessions", "phase", vocab.Phase),
    ("ratings", "status", vocab.Status),
    ("ratings", "contact", vocab.Contact),
    ("ratings", "expectations_met", vocab.ExpectationsMet),
    ("ratings", "dispute_stage", vocab.DisputeStage),
    ("ties", "kind", vocab.TieKind),
    ("measures", "instrument", vocab.INSTRUMENTS),
    ("problem_areas", "area", vocab.ProblemAreaKind),
    ("events", "kind", vocab.EventKind),
])
def test_dropdowns_for_every_vocabulary(folder, sheet, column, vocabulary):
    wb = open_template(write_template(folder / "inventory.xlsx"))
    validation = _validations(wb[sheet])[column]
    assert validation.type == "list"
    assert _list_values(wb, validation.formula1) == [str(token) for token in vocabulary]


def test_yes_no_and_event_dropdowns(folder):
    wb = open_template(write_template(folder / "inventory.xlsx"))
    for sheet, column, values in [("sessions", "attended", ["yes", "no"]),
                                  ("ratings", "confidant", ["yes", "no"]),
                                  ("ratings", "event", ["rated", "removed"]),
                                  ("ties", "event", ["observed", "ended"])]:
        validation = _validations(wb[sheet])[column]
        assert _list_values(wb, validation.formula1) == values
    person = _validations(wb["ratings"])["person_id"]
    assert person.type == "list" and person.formula1.startswith("people!$A$2:")


def test_range_validations(folder):
    wb = open_template(write_template(folder / "inventory.xlsx"))
    ratings = _validations(wb["ratings"])
    for name in ("ring", "desired_ring"):
        assert (ratings[name].type, ratings[name].operator) == ("whole", "between")
        assert (ratings[name].formula1, ratings[name].formula2) == ("1", "client!$C$2")
        assert ratings[name].errorStyle == "stop"
    for name in ("support", "conflict"):
        assert (ratings[name].type, ratings[name].formula1, ratings[name].formula2) == (
            "whole", "1", "6")
    assert (_validations(wb["client"])["rings"].formula1,
            _validations(wb["client"])["rings"].formula2) == ("2", "6")
    items = _validations(wb["measures"])
    for k in range(1, 13):
        assert (items[f"item_{k}"].type, items[f"item_{k}"].formula1,
                items[f"item_{k}"].formula2) == ("whole", "0", "7")
    weight = _validations(wb["ties"])["weight"]
    assert (weight.type, weight.formula1, weight.formula2) == ("decimal", "0", "1")


# --- reading it back ---------------------------------------------------------------------------


def test_filled_template_reads_back_as_the_api_built_client(folder):
    client = read_excel(filled_workbook(folder / "inventory.xlsx"))
    assert client == expected_client()
    assert client.inventory(3).person_ids == ["p1", "p2"]


def test_prefilled_template_round_trips(folder, worked_example):
    path = write_template(folder / "case.xlsx", client=worked_example)
    assert read_excel(path) == worked_example


@pytest.mark.parametrize("name", ["grief", "role_dispute", "role_transition",
                                  "interpersonal_deficits"])
def test_bundled_examples_round_trip(folder, name):
    client = ig.load(Path(__file__).parents[1] / "data" / "examples" / f"{name}.json")
    assert read_excel(write_template(folder / f"{name}.xlsx", client=client)) == client


@pytest.mark.parametrize("seed", range(12))
def test_random_clients_round_trip(folder, random_client, seed):
    client = random_client(seed)
    assert read_excel(write_template(folder / "random.xlsx", client=client)) == client


def test_attributes_travel_as_columns(folder):
    client = ig.Client("C-1")
    client.add_person("p1", role="friend", attributes={"years_known": 12, "met_at": "work"})
    wb = open_template(write_template(folder / "a.xlsx", client=client))
    assert headers(wb["people"])[-2:] == ["attributes.years_known", "attributes.met_at"]
    assert read_excel(folder / "a.xlsx") == client


# --- text that looks like a formula ------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://x\",\"click\")", "+1+1", "-2", "@SUM(A1)", "\tTabbed",
            "\rReturn", "'=already quoted", "=1+1 line\nbreak"]
#: Text that is not a formula but that openpyxl would store as an error cell.
ERROR_LOOKALIKES = ["#N/A", "#DIV/0!"]


def _formula_client() -> ig.Client:
    client = ig.Client("C-F")
    for index, text in enumerate(FORMULAS):
        client.add_person(f"p{index}", label=text, role="friend")
    for index, text in enumerate(ERROR_LOOKALIKES, start=len(FORMULAS)):
        client.add_person(f"p{index}", label=text, role="friend")
    client.add_session(1, notes="=cmd|' /C calc'!A0")
    client.rate(1, "p0", ring=1, support=2, conflict=1, notes="-negative text")
    return client


def test_formula_looking_text_is_neutralised_and_stored_as_strings(folder):
    client = _formula_client()
    wb = open_template(write_template(folder / "f.xlsx", client=client))
    labels = [row[1] for row in wb["people"].iter_rows(min_row=2)]
    assert [cell.data_type for cell in labels] == ["s"] * (len(FORMULAS) + len(ERROR_LOOKALIKES))
    assert [cell.value for cell in labels] == [
        "'" + text.replace("\r", "_x000D_") for text in FORMULAS] + ERROR_LOOKALIKES
    assert wb["sessions"]["F2"].data_type == "s"
    # numbers stay numbers, negative ones too (FORMATS.md)
    assert wb["ratings"]["D2"].value == 1 and wb["ratings"]["D2"].data_type == "n"
    assert read_excel(folder / "f.xlsx") == client


def test_text_is_never_a_formula_even_without_neutralising(folder):
    client = _formula_client()
    path = write_template(folder / "f.xlsx", client=client, neutralise=False)
    wb = open_template(path)
    cells = [row[1] for row in wb["people"].iter_rows(min_row=2)][:len(FORMULAS)]
    assert [cell.value for cell in cells] == [text.replace("\r", "_x000D_") for text in FORMULAS]
    assert all(cell.data_type == "s" for cell in cells)
    with zipfile.ZipFile(path) as archive:
        xml = "".join(archive.read(name).decode("utf-8") for name in archive.namelist()
                      if name.startswith("xl/worksheets/"))
    assert "<f>" not in xml  # no formula element anywhere


def test_control_characters_round_trip_as_ooxml_escapes(folder):
    client = ig.Client("C-1")
    texts = ["bell\x07 and nul\x00", "windows\r\nline", "literal _x000D_ text", "_x0041_"]
    for index, text in enumerate(texts):
        client.add_person(f"p{index}", label=text, role="friend")
    path = write_template(folder / "c.xlsx", client=client)
    wb = open_template(path)
    assert wb["people"]["B2"].value == "bell_x0007_ and nul_x0000_"
    assert wb["people"]["B3"].value == "windows_x000D_\nline"  # as Excel stores a CR
    assert read_excel(path) == client


# --- problems ------------------------------------------------------------------------------


def test_every_problem_named_by_sheet_row_and_column(folder):
    path = write_template(folder / "bad.xlsx")
    wb = open_template(path)
    wb["client"]["A2"] = "C-7"
    fill(wb["people"], ["p1", MARKER, "partner"], ["p2", MARKER, "not_a_role"])
    fill(wb["sessions"], [1, dt.date(2026, 1, 5)], [2, dt.date(2026, 1, 1), "initial"])
    ratings = headers(wb["ratings"])

    def rating(**values):
        return [values.get(name) for name in ratings]

    fill(wb["ratings"],
         rating(session=1, person_id="p1", ring=1, support=4, conflict=2, notes=MARKER),
         rating(session=1, person_id="p2", ring=2, support=3, conflict=1),
         rating(session=1, person_id="p9", ring=2, support=3, conflict=1),
         rating(session=2, person_id="p1", ring=1, support=2),
         rating(session=2, person_id="p2", ring=2, support=3, conflict=1, status=MARKER),
         rating(session=2, person_id="p1", ring=5, support="lots", conflict=7))
    fill(wb["measures"], [1, "phq9", None, 1, 2, 3, 4], [1, "gad7", 99])
    wb.save(path)
    with pytest.raises(ig.ValidationError) as caught:
        read_excel(path)
    error = caught.value
    found = {(p.record, p.field) for p in error.problems}
    assert ("people row 3", "role") in found
    assert ("sessions row 3", "date") in found
    assert ("ratings row 4", "person_id") in found
    assert ("ratings row 6", "status") in found
    assert ("ratings row 7", "support") in found and ("ratings row 7", "conflict") in found
    assert ig.Problem("ratings row 7", "support", "must be a valid integer") in error.problems
    assert ("measures row 2", "item_4") in found and ("measures row 3", "total") in found
    assert ig.Problem("measures row 3", "total", "must be 0..21, got 99") in error.problems
    assert error.source == str(path)
    text = str(error) + "\n".join(error.lines())
    assert MARKER not in text
    assert "not_a_role" not in text  # string inputs are never echoed


def test_ring_out_of_range_reports_like_the_library(folder):
    path = write_template(folder / "ring.xlsx")
    wb = open_template(path)
    wb["client"]["A2"] = "C-7"
    fill(wb["people"], ["p1", "Synthetic", "friend"])
    fill(wb["sessions"], [1])
    for _ in range(5):  # rows 2-6 stay empty: the rating lands on spreadsheet row 7
        fill(wb["ratings"], [None] * 3)
    fill(wb["ratings"], [1, "p1", None, 5, 2, 1])
    wb.save(path)
    with pytest.raises(ig.ValidationError) as caught:
        read_excel(path)
    assert caught.value.problems == [
        ig.Problem("ratings row 7", "ring", "must be 1..3 for this client, got 5")]


def test_observation_rule_problems_point_at_their_rows(folder):
    path = write_template(folder / "walk.xlsx")
    wb = open_template(path)
    wb["client"]["A2"] = "C-7"
    fill(wb["people"], ["p1"], ["p2"])
    fill(wb["sessions"], [1], [2])
    fill(wb["ratings"], [1, "p1", None, 1], [2, "p2", None, None, 3], [2, "p2", "removed"])
    fill(wb["ties"], [2, "p2", "p1"])
    wb.save(path)
    with pytest.raises(ig.ValidationError) as caught:
        read_excel(path)
    # rows 3 and 4 are the same (session, person): the model says so first
    assert ("ratings row 4", "") in {(p.record, p.field) for p in caught.value.problems}
    wb = open_template(path)
    wb["ratings"].delete_rows(4)
    wb.save(path)
    with pytest.raises(ig.ValidationError) as caught:
        read_excel(path)
    found = {(p.record, p.field) for p in caught.value.problems}
    # p2 enters without a ring, so is not on the map for the tie typed (a=p2, b=p1): the
    # model stores the pair as (p1, p2) and says "b"; the workbook's column is a
    assert ("ratings row 3", "ring") in found
    assert ("ties row 2", "a") in found


def test_sheet_level_problems(folder):
    path = write_template(folder / "sheets.xlsx")
    wb = open_template(path)
    wb["client"]["A2"] = "C-7"
    wb["people"]["H1"] = MARKER  # an unknown column
    wb["people"]["J2"] = "stray"  # a value without a header
    fill(wb["people"], ["p1"])
    fill(wb["sessions"], [1])
    fill(wb["ratings"], [1, "p1", "gone", 1], [1, "p1", "removed", 2])
    fill(wb["ties"], [1, "p1", "p1", "knows", None, "maybe"])
    fill(wb["measures"], [1, MARKER, 3], [1, "phq9", None, 1, None, 1], [4, "phq9", 3],
         [1, "gad7", "high"])
    fill(wb["client"], ["C-8"])
    del wb["events"]
    wb.save(path)
    with pytest.raises(ig.ValidationError) as caught:
        read_excel(path)
    problems = caught.value.problems
    found = {(p.record, p.field) for p in problems}
    assert ("client row 3", "") in found  # one client per workbook
    assert ("people row 1", "column H") in found
    assert ("people row 2", "column J") in found
    assert ("ratings row 2", "event") in found
    assert ("ratings row 3", "ring") in found  # a removal with a ring
    assert ("ties row 2", "event") in found
    assert ("measures row 2", "instrument") in found
    assert ("measures row 3", "item_2") in found
    assert ("measures row 4", "session") in found
    assert ("measures row 5", "total") in found
    assert ("events sheet", "") in found
    assert MARKER not in str(caught.value)


def test_missing_client_id(folder):
    path = write_template(folder / "empty.xlsx")
    with pytest.raises(ig.ValidationError) as caught:
        read_excel(path)
    assert caught.value.problems == [ig.Problem("client row 2", "client_id", "is required")]


# --- safety ----------------------------------------------------------------------------------


def _rewrite(path: Path, change) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts = change(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_xml_entity_expansion_is_refused(folder):
    path = filled_workbook(folder / "bomb.xlsx")
    laughs = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
              b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n')

    def inject(parts):
        for name in parts:
            if name.startswith("xl/worksheets/sheet") or name == "xl/sharedStrings.xml":
                body = parts[name].split(b"?>", 1)[-1]
                parts[name] = laughs + body.replace(b"<t>p1</t>", b"<t>&lol3;</t>", 1)
        return parts

    _rewrite(path, inject)
    with pytest.raises(ig.CaseFileError, match="entities"):
        read_excel(path)


def test_without_defusedxml_reading_is_refused(folder, monkeypatch):
    path = filled_workbook(folder / "ok.xlsx")
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(ImportError, match="defusedxml"):
        read_excel(path)


def test_zip_bomb_is_refused_before_parsing(folder):
    path = filled_workbook(folder / "zipbomb.xlsx")
    # 40 MB of one byte inflates ~1000 times: above MAX_RATIO
    _rewrite(path, lambda parts: {**parts, "xl/media/padding.bin": b"\0" * (40 * 2**20)})
    assert path.stat().st_size < 1 * 2**20
    with pytest.raises(ig.CaseFileError, match="zip bomb"):
        read_excel(path)


def test_total_inflated_size_is_capped(folder, monkeypatch):
    path = filled_workbook(folder / "big.xlsx")
    monkeypatch.setattr(excel, "MAX_UNCOMPRESSED_BYTES", 10_000)
    with pytest.raises(ig.CaseFileError, match="inflate"):
        read_excel(path)
    monkeypatch.setattr(excel, "MAX_FILE_BYTES", 1_000)
    with pytest.raises(ig.CaseFileError, match="larger than"):
        read_excel(path)


def test_not_a_workbook(folder):
    path = folder / "case.xlsx"
    path.write_text("client_id,rings\nC-1,3\n")
    with pytest.raises(ig.CaseFileError, match="not an Excel workbook"):
        read_excel(path)
    zipped = folder / "other.xlsx"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(ig.CaseFileError, match="not a readable Excel workbook"):
        read_excel(zipped)
    with pytest.raises(ig.CaseFileError, match="cannot be read"):
        read_excel(folder / "missing.xlsx")


def test_saving_is_atomic_and_private(folder, worked_example):
    path = folder / "case.xlsx"
    write_template(path)
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o640)
    write_template(path, client=worked_example)
    assert path.stat().st_mode & 0o777 == 0o640  # an existing file keeps its mode
    assert read_excel(path) == worked_example
    assert [p.name for p in folder.iterdir()] == ["case.xlsx"]  # no temporary left over
    with pytest.raises(ig.SaveError):
        write_template(folder / "no-such-folder" / "case.xlsx")
