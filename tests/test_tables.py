"""Tidy tables (DESIGN.md §6): client <-> tables, CSV, Excel and Parquet, data dictionary."""

from __future__ import annotations

import inspect
import re

import pandas as pd
import pytest

import ipt_graph as ig
from ipt_graph.datasets import synthetic_cohort
from ipt_graph.io import tables as tables_io
from ipt_graph.io.tables import (
    SCHEMA,
    TABLE_NAMES,
    client_tables,
    clients_from_tables,
    data_dictionary,
    parquet_parts,
    read_csv,
    read_excel,
    read_parquet,
    read_parquet_part,
    tables_from_clients,
    write_csv,
    write_excel,
    write_parquet,
)

MARKER = "ZZMARKER"  # a string only free text holds, to find it in files


@pytest.fixture(scope="module")
def clients(random_client):
    """Synthetic clients, conftest's random ones (free text, several tie kinds) and one with
    text everywhere."""
    return [*synthetic_cohort(15, seed=7), *(random_client(seed) for seed in range(60)),
            _text_heavy()]


def _text_heavy() -> ig.Client:
    """Free text everywhere, formula-like text, and a rating that observes text only."""
    client = ig.Client("C-TEXT", rings=4, label=f"{MARKER} client",
                       ring_labels=("=inner", "close", "-far", "'@edge"),
                       notes="+notes with, comma\nand a line break")
    client.add_person("p1", label=f"=HYPERLINK(\"x\") {MARKER}", role="partner",
                      attributes={"hobby": f"@{MARKER}", "years_known": 12, "met": True})
    client.add_person("p2", label="'=already quoted", role="friend", sector="community")
    client.add_session(1, date="2026-02-02", phase="initial", notes=f"\t{MARKER}",
                       measures={"phq9": {"items": [1, 2, 3, 0, 1, 2, 3, 0, 1], "total": 13},
                                 "mspss": {"total": 4.25}, "sleep_hours": 6.5})
    client.add_session(2, date="2026-02-09")
    client.rate(1, "p1", ring=1, support=5, conflict=4, expectations="-to be heard",
                satisfying=MARKER, unsatisfying="=1+1", desired_change="more time",
                notes="'quote")
    client.rate(1, "p2", ring=3, support=2, conflict=1)
    client.rate(2, "p2", notes=f"text only {MARKER}")
    client.tie(1, "p1", "p2", kind="close", weight=0.25)
    client.add_event("e1", date="2025-11", kind="death", people=["p1", "p2"],
                     notes=f"{MARKER} event")
    client.add_problem_area("role_transition", primary=True, focus=["p2"],
                            old_role=f"{MARKER} worker", new_role="retired", date="2025",
                            notes="=notes")
    return client


@pytest.fixture(scope="module")
def tables(clients):
    return tables_from_clients(clients, include_text=True)


def _assert_tables_equal(got, expected, sort=False):
    assert list(got) == list(TABLE_NAMES)
    for name in TABLE_NAMES:
        want = expected[name]
        if sort:
            want = want.sort_values("client_id", kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(got[name], want, obj=name)


# --- client <-> tables ----------------------------------------------------------------------


def test_round_trip_with_text(clients, tables):
    assert clients_from_tables(tables) == clients


def test_one_client_round_trip(worked_example):
    assert clients_from_tables(client_tables(worked_example, include_text=True)) == [
        worked_example]


def test_tables_have_schema_columns_keys_and_types(tables):
    for name, columns in SCHEMA.items():
        frame = tables[name]
        assert list(frame.columns) == [column.name for column in columns]
        for column in columns:
            assert str(frame[column.name].dtype) == column.dtype, (name, column.name)
        keys = [column.name for column in columns if column.key]
        assert not frame.duplicated(keys).any(), name
    assert set(tables["ratings"]["event"]) == {"rated", "removed"}
    assert set(tables["ties"]["event"]) == {"observed", "ended"}
    items = set(tables["measures"]["item"])
    assert "total" in items and {str(k) for k in range(1, 10)} <= items


def test_measures_are_long(clients):
    text = clients[-1]
    measures = client_tables(text)["measures"]
    phq9 = measures[measures["instrument"] == "phq9"]
    assert phq9["item"].tolist() == ["total", *map(str, range(1, 10))]
    assert phq9["value"].tolist() == [13, 1, 2, 3, 0, 1, 2, 3, 0, 1]
    assert measures.loc[measures["instrument"] == "mspss", "value"].tolist() == [4.25]


def test_text_absent_by_default(clients, tmp_path):
    tables = tables_from_clients(clients)
    for name, columns in SCHEMA.items():
        text = {column.name for column in columns if column.text}
        assert not text & set(tables[name].columns), name
    write_csv(tables, tmp_path / "csv")
    write_parquet(tables, tmp_path / "parquet")
    write_excel(tables, tmp_path / "tables.xlsx")
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes(), path.name
    # the text-only rating is recorded as observed, without its text
    ratings = tables["ratings"]
    row = ratings[(ratings["client_id"] == "C-TEXT") & (ratings["session"] == 2)]
    assert row["has_notes"].tolist() == [True]


def test_clients_without_text_still_load(clients):
    plain = clients_from_tables(tables_from_clients(clients))
    assert [c.client_id for c in plain] == [c.client_id for c in clients]
    text_client = plain[-1]
    assert text_client.label is None and text_client.person("p1").label is None
    # the rating that observed text only is left out, everything else is kept
    assert len(text_client.ratings) == len(clients[-1].ratings) - 1
    assert text_client.ties == clients[-1].ties
    assert text_client.sessions[0].measures == clients[-1].sessions[0].measures


def test_column_names_are_safe_for_r_and_stata():
    stata_reserved = {"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in",
                      "int", "long", "_n", "_N", "_pi", "_pred", "_rc", "_skip", "str",
                      "strL", "using", "with"}
    for columns in SCHEMA.values():
        for column in columns:
            assert re.fullmatch(r"[a-z][a-z0-9_]{0,31}", column.name), column.name
            assert column.name not in stata_reserved
    for name in TABLE_NAMES:
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,30}", name)


# --- files ----------------------------------------------------------------------------------


def test_csv_write_read_equal(tables, clients, tmp_path):
    written = write_csv(tables, tmp_path)
    assert {path.name for path in written} == {f"{n}.csv" for n in TABLE_NAMES} | {
        "data_dictionary.csv"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left
    got = read_csv(tmp_path)
    _assert_tables_equal(got, tables)
    assert clients_from_tables(got) == clients


def test_csv_neutralises_formulas(tables, tmp_path):
    write_csv(tables, tmp_path)
    people = (tmp_path / "people.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in people and ",=HYPERLINK" not in people
    assert "''=already quoted" in people
    clients_csv = (tmp_path / "clients.csv").read_text(encoding="utf-8")
    assert "'=inner" in clients_csv and "'-far" in clients_csv
    ratings = (tmp_path / "ratings.csv").read_text(encoding="utf-8")
    assert ",'quote" in ratings  # a leading quote alone is left as it is
    numbers = (tmp_path / "measures.csv").read_text(encoding="utf-8")
    assert "'" not in numbers


def test_excel_write_read_equal(tables, clients, tmp_path):
    path = write_excel(tables, tmp_path / "cohort.xlsx")
    got = read_excel(path)
    _assert_tables_equal(got, tables)
    assert clients_from_tables(got) == clients
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == [*TABLE_NAMES, "data_dictionary"]
    values = [cell for row in workbook["people"].iter_rows(values_only=True) for cell in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    workbook.close()


def test_parquet_write_read_equal(tables, clients, tmp_path):
    write_parquet(tables, tmp_path, rows_per_file=600)
    got = read_parquet(tmp_path)
    _assert_tables_equal(got, tables, sort=True)
    by_id = {c.client_id: c for c in clients_from_tables(got)}
    assert by_id == {c.client_id: c for c in clients}


def test_parquet_parts_are_aligned(tables, tmp_path):
    write_parquet(tables, tmp_path, rows_per_file=600)
    parts = parquet_parts(tmp_path)
    assert len(parts) >= 4
    listing = pd.read_csv(tmp_path / "_parts.csv", dtype={"part": str, "first_client": str,
                                                          "last_client": str})
    assert listing["part"].tolist() == parts
    for name in TABLE_NAMES:  # one file per part in every table, nothing else
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == parts
    previous_last = None
    all_ids = []
    for part, first, last in listing[["part", "first_client", "last_client"]].itertuples(
            index=False):
        assert previous_last is None or previous_last < first
        previous_last = last
        pieces = read_parquet_part(tmp_path, part)
        ids = pieces["clients"]["client_id"].tolist()
        assert ids == sorted(ids) and ids[0] == first and ids[-1] == last
        all_ids += ids
        for name in TABLE_NAMES:
            column = pieces[name]["client_id"]
            assert column.is_monotonic_increasing, (part, name)
            assert set(column) <= set(ids), (part, name)
    assert all_ids == sorted(tables["clients"]["client_id"])


def test_parquet_rewrite_removes_stale_parts(tables, tmp_path):
    write_parquet(tables, tmp_path, rows_per_file=300)
    many = len(parquet_parts(tmp_path))
    write_parquet(tables, tmp_path, rows_per_file=10**9)
    assert many > 1 and parquet_parts(tmp_path) == ["part-0000.parquet"]
    assert [p.name for p in (tmp_path / "ratings").iterdir()] == ["part-0000.parquet"]
    _assert_tables_equal(read_parquet(tmp_path), tables, sort=True)


@pytest.mark.parametrize("writer", ["csv", "parquet"])
def test_data_dictionary_is_written_and_complete(tables, tmp_path, writer):
    if writer == "csv":
        write_csv(tables, tmp_path)
    else:
        write_parquet(tables, tmp_path)
    dictionary = pd.read_csv(tmp_path / "data_dictionary.csv", dtype=str)
    assert list(dictionary.columns) == ["table", "column", "dtype", "description"]
    described = {(row.table, row.column): row.dtype for row in dictionary.itertuples()}
    for name, frame in tables.items():
        for column in frame.columns:
            assert described[(name, column)] == str(frame[column].dtype)
    assert len(described) == sum(len(frame.columns) for frame in tables.values())
    assert dictionary["description"].notna().all()


def test_data_dictionary_follows_the_columns_present(clients):
    plain = data_dictionary(tables_from_clients(clients[:2]))
    full = data_dictionary()
    assert len(full) == sum(len(columns) for columns in SCHEMA.values())
    assert "label" not in plain.loc[plain["table"] == "people", "column"].tolist()
    assert "label" in full.loc[full["table"] == "people", "column"].tolist()


# --- problems named by table, row and column --------------------------------------------------


def test_model_problems_name_table_row_and_column(worked_example):
    tables = client_tables(worked_example)
    ratings = tables["ratings"].copy()
    ratings.loc[2, "ring"] = 5
    tables["ratings"] = ratings
    people = tables["people"].copy()
    people.loc[1, "role"] = "boss"
    tables["people"] = people
    with pytest.raises(ig.ValidationError) as caught:
        clients_from_tables(tables)
    lines = [str(problem) for problem in caught.value.problems]
    assert "ratings table, row 3 (client C-014, session 3, person p1): ring: must be 1..3 " \
           "for this client, got 5" in lines
    assert any(line.startswith("people table, row 2 (client C-014, person p2): role: must be")
               for line in lines)
    assert "boss" not in str(caught.value)


def test_bad_cells_are_named_without_echoing_them(worked_example, tmp_path):
    write_csv(client_tables(worked_example), tmp_path)
    path = tmp_path / "ratings.csv"
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace(",rated,2,3,1,", f",rated,{MARKER},3,1,")
    path.write_text("\n".join(lines) + "\n")
    sessions = tmp_path / "sessions.csv"
    sessions.write_text(sessions.read_text().replace(",true,false\n", ",maybe,false\n", 1))
    with pytest.raises(ig.ValidationError) as caught:
        read_csv(tmp_path)
    text = str(caught.value)
    assert "ratings table, row 2 (client C-014): ring: must be a whole number" in text
    assert "sessions table, row 1 (client C-014): attended: must be true or false" in text
    assert MARKER not in text


def test_unknown_tables_columns_and_clients(worked_example):
    tables = client_tables(worked_example)
    with pytest.raises(ig.ValidationError, match="is not a column of the people table"):
        clients_from_tables({**tables, "people": tables["people"].assign(shoe_size=1)})
    with pytest.raises(ig.ValidationError, match="is not a table of the tidy format"):
        clients_from_tables({**tables, "friends": tables["people"]})
    with pytest.raises(ig.ValidationError, match="client_id: is required"):
        clients_from_tables({**tables, "ties": tables["ties"].drop(columns="client_id")})
    orphan = tables["sessions"].assign(client_id="C-999")
    with pytest.raises(ig.ValidationError, match="is not in the clients table"):
        clients_from_tables({**tables, "sessions": orphan})


def test_removal_rows_observe_nothing(worked_example):
    tables = client_tables(worked_example)
    ratings = tables["ratings"].copy()
    removal = ratings.index[ratings["event"] == "removed"][0]
    ratings.loc[removal, "support"] = 3
    with pytest.raises(ig.ValidationError, match="a removal observes nothing"):
        clients_from_tables({**tables, "ratings": ratings})


def test_hand_made_tables_with_plain_dtypes(worked_example):
    """Tables typed by a user (object and int64 columns, no derived columns) are accepted."""
    worked_example.add_person("p4", role="friend", sector="community")
    tables = client_tables(worked_example, include_text=True)
    plain = {name: frame.astype(object).where(frame.notna(), None)
             for name, frame in tables.items()}
    plain["people"] = plain["people"].drop(columns=["sni_role", "sector_set"])
    plain["ratings"] = plain["ratings"].drop(columns=[c for c in plain["ratings"].columns
                                                      if c.startswith("has_")])
    assert clients_from_tables(plain) == [worked_example]
    del plain["events"]
    assert clients_from_tables(plain) == [worked_example]


def test_read_tables_dispatches_on_the_source(tables, tmp_path):
    write_csv(tables, tmp_path / "csv")
    write_parquet(tables, tmp_path / "parquet")
    assert tables_io.read_tables(tmp_path / "csv")["people"].equals(tables["people"])
    assert len(tables_io.read_tables(tmp_path / "parquet")["people"]) == len(tables["people"])
    with pytest.raises(FileNotFoundError):
        tables_io.read_tables(tmp_path / "nothing")


def test_parquet_parts_written_chunk_by_chunk(tmp_path):
    from ipt_graph.cohort import synthetic_tables

    chunks = [synthetic_tables(30, seed=1), synthetic_tables(20, seed=2, start=31)]
    tables_io.write_parquet_parts(iter(chunks), tmp_path)
    assert parquet_parts(tmp_path) == ["part-0000.parquet", "part-0001.parquet"]
    second = read_parquet_part(tmp_path, 1)
    assert second["clients"]["client_id"].iloc[0] == "T-0000031"
    _assert_tables_equal(read_parquet(tmp_path), {
        name: pd.concat([chunk[name] for chunk in chunks], ignore_index=True)
        for name in TABLE_NAMES}, sort=True)
    with pytest.raises(ValueError, match="must all sort after"):
        tables_io.write_parquet_parts([chunks[1], chunks[0]], tmp_path / "unsorted")


# --- spreadsheet safety (FORMATS.md) ------------------------------------------------------------

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")",
             "\rC-EVIL,p9,injected", "'=already quoted"]
NOT_FORMULAS = ["#N/A", "#DIV/0!", "a\rb", "line\r\nbreak", "_x000D_ literally", "bell\x07"]


def _spreadsheet_tables() -> dict[str, pd.DataFrame]:
    client = ig.Client("C-F", notes="#N/A")
    for k, text in enumerate([*DANGEROUS, *NOT_FORMULAS], start=1):
        client.add_person(f"p{k}", label=text, role="friend")
    client.add_session(1, notes="-2", measures={"mood_change": -2.5, "weight_change": -1})
    client.rate(1, "p1", ring=1, notes="@x\ry", satisfying="=A1")
    return client_tables(client, include_text=True)


@pytest.mark.parametrize("writer", ["csv", "excel"])
def test_formula_text_is_neutralised_and_numbers_stay_numbers(tmp_path, writer):
    frames = _spreadsheet_tables()
    if writer == "csv":
        write_csv(frames, tmp_path)
        people = pd.read_csv(tmp_path / "people.csv", dtype=str, keep_default_na=False)
        labels = people["label"].tolist()
        measures = pd.read_csv(tmp_path / "measures.csv")
        assert measures["value"].dtype.kind == "f"
        assert sorted(measures["value"]) == [-2.5, -1.0]
        text = (tmp_path / "measures.csv").read_text(encoding="utf-8")
        assert ",-2.5\n" in text and "'" not in text
        back = read_csv(tmp_path)
    else:
        from openpyxl import load_workbook

        path = write_excel(frames, tmp_path / "t.xlsx")
        workbook = load_workbook(path)
        cells = next(workbook["people"].iter_cols(min_col=3, max_col=3, min_row=2))
        assert {cell.data_type for cell in cells} == {"s"}
        labels = [cell.value for cell in cells]
        values = [row[4] for row in workbook["measures"].iter_rows(min_row=2)]
        assert sorted(cell.value for cell in values) == [-2.5, -1]
        assert {cell.data_type for cell in values} == {"n"}
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                assert all(cell.data_type not in ("f", "e") for cell in row)
        workbook.close()
        back = read_excel(path)
    for text, written in zip(DANGEROUS, labels, strict=False):
        assert written.startswith("'"), text  # = + - @ tab CR get a leading quote
    assert sorted(back["people"]["label"]) == sorted([*DANGEROUS, *NOT_FORMULAS])
    assert back["ratings"]["notes"].tolist() == ["@x\ry"]
    assert back["clients"]["notes"].tolist() == ["#N/A"]


def test_excel_keeps_error_like_text_carriage_returns_and_control_characters(tmp_path):
    import zipfile

    from openpyxl import load_workbook

    path = write_excel(_spreadsheet_tables(), tmp_path / "t.xlsx")
    workbook = load_workbook(path)
    cell = workbook["clients"]["M2"]
    assert workbook["clients"]["M1"].value == "notes"
    assert (cell.value, cell.data_type) == ("#N/A", "s")  # text, not an error value
    workbook.close()
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet2.xml").decode("utf-8")  # people
    assert "a_x000D_b" in xml and "bell_x0007_" in xml  # OOXML escapes, as Excel writes
    assert "_x005F_x000D_ literally" in xml  # a literal escape is itself escaped
    people = read_excel(path)["people"]
    assert {"a\rb", "line\r\nbreak", "_x000D_ literally", "bell\x07", "#DIV/0!"} <= set(
        people["label"])


def test_a_carriage_return_keeps_the_csv_row_whole(tmp_path):
    frames = _spreadsheet_tables()
    write_csv(frames, tmp_path)
    people = pd.read_csv(tmp_path / "people.csv", dtype=str, keep_default_na=False)
    assert len(people) == len(frames["people"])  # no row split, none injected
    assert "C-EVIL" not in people["client_id"].tolist()
    raw = (tmp_path / "people.csv").read_bytes()
    assert b"\r\n" not in raw.replace(b'"line\r\nbreak"', b"")  # rows end with \n only
    _assert_tables_equal(read_csv(tmp_path), frames)


@pytest.mark.parametrize("writer", ["csv", "excel"])
def test_raw_mode_writes_cells_as_typed_and_says_so(tmp_path, writer):
    frames = _spreadsheet_tables()
    if writer == "csv":
        write_csv(frames, tmp_path, raw=True)
        labels = pd.read_csv(tmp_path / "people.csv", dtype=str)["label"].tolist()
        assert labels[:4] == ["=1+1", "+1", "-1", "@SUM(A1)"]
        doc = write_csv.__doc__
    else:
        from openpyxl import load_workbook

        path = write_excel(frames, tmp_path / "raw.xlsx", raw=True)
        workbook = load_workbook(path)
        formula = workbook["people"]["C2"]
        assert (formula.value, formula.data_type) == ("=1+1", "f")  # what raw means
        workbook.close()
        doc = write_excel.__doc__
    doc = " ".join(doc.split())
    assert "raw : bool" in doc and "formulas will then run" in doc
    method = ig.Cohort.to_csv if writer == "csv" else ig.Cohort.to_excel
    assert "raw" in inspect.signature(method).parameters


# --- reading a workbook safely --------------------------------------------------------------------


def test_read_excel_checks_the_workbook_before_opening_it(tables, tmp_path, monkeypatch):
    from ipt_graph.io import excel

    path = write_excel(tables, tmp_path / "cohort.xlsx")
    monkeypatch.setattr(excel, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ig.CaseFileError, match="larger than"):
        read_excel(path)
    monkeypatch.undo()
    monkeypatch.setattr(excel, "MAX_MEMBERS", 3)
    with pytest.raises(ig.CaseFileError, match="parts"):
        read_excel(path)


def test_read_excel_refuses_to_parse_without_defusedxml(tables, tmp_path, monkeypatch):
    import openpyxl

    path = write_excel(tables, tmp_path / "cohort.xlsx")
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(ImportError, match="defusedxml"):
        read_excel(path)


def test_a_failed_load_leaves_no_file_open(tables, tmp_path, monkeypatch):
    import gc
    import warnings
    import zipfile

    import openpyxl

    # openpyxl is handed a file we own, closed whatever openpyxl does when it fails
    given = []

    def failing(source, **options):
        given.append(source)
        raise zipfile.BadZipFile("damaged")

    path = write_excel(tables, tmp_path / "cohort.xlsx")
    monkeypatch.setattr(openpyxl, "load_workbook", failing)
    with pytest.raises(ig.CaseFileError, match="not a readable Excel workbook"):
        read_excel(path)
    monkeypatch.undo()
    assert hasattr(given[0], "read") and given[0].closed

    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as archive:  # a zip, but not a workbook
        archive.writestr("hello.txt", "not a workbook")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ig.CaseFileError, match="not a readable Excel workbook"):
            read_excel(broken)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


# --- progress -------------------------------------------------------------------------------------


def test_tables_from_clients_shows_progress_only_when_asked(clients, capsys, monkeypatch):
    monkeypatch.delenv("IPT_GRAPH_PROGRESS", raising=False)
    tables_from_clients(clients[:4])  # stderr is not a terminal under pytest: quiet
    assert capsys.readouterr().err == ""
    tables_from_clients(clients[:4], progress=True)
    err = capsys.readouterr().err
    assert "clients" in err and "4/4" in err
    assert not any(c.client_id in err for c in clients[:4])
    tables_from_clients(iter(clients[:2]), progress=True)  # no length: a count, no total
    assert "2" in capsys.readouterr().err
    monkeypatch.setenv("IPT_GRAPH_PROGRESS", "1")
    tables_from_clients(clients[:2], progress=False)  # the argument wins
    assert capsys.readouterr().err == ""
