"""Privacy (issue 7): field classes, de-identified exports, k-anonymity, spreadsheet safety and
error messages without PHI.

Every person here is synthetic. Markers (``ZQX`` followed by a number) stand for PHI: they are
planted in every identifier, free-text and date field, and must never come out where the
library promises they do not.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import logging
import os
import re
import shutil
import stat
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pydantic
import pytest

import ipt_graph as ig
from ipt_graph import model, privacy
from ipt_graph.cli import main
from ipt_graph.cohort import Cohort
from ipt_graph.datasets import synthetic_cohort
from ipt_graph.errors import IptGraphError, ValidationError
from ipt_graph.io import casefile, tables
from ipt_graph.io.egor import read_egor, write_egor
from ipt_graph.io.excel import read_excel, write_template
from ipt_graph.io.graphml import read_graphml, read_network_canvas_graphml
from ipt_graph.io.network_canvas import read_network_canvas
from ipt_graph.privacy import FieldClass, column_class, deidentify, field_class, k_anonymity

EXAMPLE = Path(__file__).parents[1] / "data" / "examples" / "network_canvas"
NC_EXPORT = EXAMPLE / "export"
NC_MAPPING = EXAMPLE / "mapping.toml"
NC_GRAPHML = EXAMPLE / "network_canvas_sessions.graphml"
KEY = bytes(range(32))
PLANTED = (FieldClass.identifier, FieldClass.free_text, FieldClass.date)


def _strings(value: Any) -> Iterator[str]:
    """Every string in a nested structure (keys too), numbers as text."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, bytes):
        yield value.decode("utf-8", "replace")
    elif value is not None:
        yield str(value)


# --- 1. Every field has a class -------------------------------------------------------------------


def _model_record_types() -> dict[str, type]:
    """Every pydantic record defined in ipt_graph.model (not the private helpers)."""
    return {name: obj for name, obj in vars(model).items()
            if isinstance(obj, type) and issubclass(obj, pydantic.BaseModel)
            and obj.__module__ == model.__name__ and not name.startswith("_")}


def test_every_record_type_is_classified():
    assert set(_model_record_types().values()) == set(privacy.RECORD_TYPES.values())


@pytest.mark.parametrize("record", sorted(privacy.RECORD_TYPES))
def test_every_model_field_has_a_class(record):
    """A new field fails here until someone decides what it is (DOMAIN.md §8)."""
    fields = set(privacy.RECORD_TYPES[record].model_fields)
    classified = set(privacy.FIELD_CLASSES[record])
    assert fields - classified == set(), f"{record}: fields without a privacy class"
    assert classified - fields == set(), f"{record}: classes of fields that do not exist"
    for name in fields:
        assert isinstance(field_class(record, name), FieldClass)


def test_every_table_column_has_a_class():
    for table, columns in tables.SCHEMA.items():
        for column in columns:
            kind = column_class(table, column.name)
            if column.text:
                assert kind is FieldClass.free_text, (table, column.name)


def test_the_classes_follow_domain_section_8():
    for record, name in [("client", "client_id"), ("person", "person_id"), ("tie", "a"),
                         ("tie", "b"), ("event", "event_id"), ("rating", "person_id")]:
        assert field_class(record, name) is FieldClass.identifier
    for record, name in [("client", "label"), ("client", "notes"), ("person", "label"),
                         ("person", "attributes"), ("problem_area", "old_role"),
                         ("problem_area", "new_role"), ("client", "ring_labels"),
                         *(("rating", text) for text in model.TEXT_RATING_FIELDS)]:
        assert field_class(record, name) is FieldClass.free_text
    for record, name in [("session", "date"), ("client", "onset_date"), ("event", "date"),
                         ("problem_area", "date")]:
        assert field_class(record, name) is FieldClass.date
    for record, name in [("person", "age_band"), ("person", "gender"), ("person", "role"),
                         ("person", "sector"), ("rating", "status"), ("problem_area", "area")]:
        assert field_class(record, name) is FieldClass.quasi_identifier
    for name in ("ring", "support", "conflict"):
        assert field_class(ig.Rating, name) is FieldClass.safe
    person = ig.Person(person_id="p1", attributes={"hobby": "x"})
    assert field_class(person, "attributes.hobby") is FieldClass.free_text
    assert field_class("person", "attributes.anything_new") is FieldClass.free_text
    with pytest.raises(ig.NotFoundError):
        field_class("person", "nickname")
    with pytest.raises(ig.NotFoundError):
        column_class("people", "nickname")


# --- 2. Keys -------------------------------------------------------------------------------------


def test_new_key_file_is_private_random_and_never_overwritten(tmp_path):
    path = privacy.new_key_file(tmp_path / "study.key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert re.fullmatch(r"[0-9a-f]{64}\n", text)
    assert privacy.read_key(path) == bytes.fromhex(text) and len(privacy.read_key(path)) == 32
    assert privacy.read_key(str(path)) == privacy.read_key(path)
    other = privacy.new_key_file(tmp_path / "other.key")
    assert other.read_text() != text
    with pytest.raises(FileExistsError):
        privacy.new_key_file(path)
    assert path.read_text() == text


def test_short_keys_are_refused(tmp_path):
    with pytest.raises(ValueError, match="at least 16 bytes"):
        deidentify(ig.Client("C-1"), key=b"short")
    (tmp_path / "short.key").write_text("abcd\n")
    with pytest.raises(ValueError, match="at least 16 bytes"):
        privacy.read_key(tmp_path / "short.key")
    raw = tmp_path / "raw.key"
    raw.write_bytes(os.urandom(24) + b"\xff")  # not hex: read as raw bytes
    assert len(privacy.read_key(raw)) >= 16


# --- 3. De-identification ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cohort() -> list[ig.Client]:
    return synthetic_cohort(6, seed=21)


def test_pseudonyms_are_keyed_stable_and_per_client(cohort):
    first = deidentify(cohort, key=KEY)
    again = deidentify(Cohort(tables.tables_from_clients(cohort)), key=KEY)
    for name in first.tables:
        pd.testing.assert_frame_equal(first.tables[name], again.tables[name])
    other = deidentify(cohort, key=bytes(range(1, 33)))
    assert not set(first.client_ids) & set(other.client_ids)
    assert all(re.fullmatch(r"C-[0-9a-f]{16}", cid) for cid in first.client_ids)
    people = first.tables["people"]
    assert people["person_id"].str.fullmatch(r"P-[0-9a-f]{12}").all()
    assert first.tables["events"]["event_id"].str.fullmatch(r"E-[0-9a-f]{12}").all()
    # the same person id in two clients gets two pseudonyms
    two = [ig.Client(f"C-{n}") for n in (1, 2)]
    for client in two:
        client.add_person("p1", role="friend")
    pseudonyms = deidentify(two, key=KEY).tables["people"]["person_id"]
    assert pseudonyms.nunique() == 2
    # nothing of the real ids survives
    real = {c.client_id for c in cohort} | {p.person_id for c in cohort for p in c.people}
    values = set(itertools.chain.from_iterable(
        frame.astype(str).to_numpy().ravel() for frame in first.tables.values()))
    assert not real & values


def test_ties_keep_a_before_b_and_rows_are_sorted_by_pseudonym(cohort):
    data = deidentify(cohort, key=KEY)
    ties = data.tables["ties"]
    assert (ties["a"] < ties["b"]).all()
    assert data.tables["clients"]["client_id"].is_monotonic_increasing
    sessions = data.tables["sessions"]
    assert sessions["client_id"].is_monotonic_increasing


def test_no_free_text_column_and_dates_as_years(cohort):
    data = deidentify(cohort, key=KEY)
    for table, frame in data.tables.items():
        for column in frame.columns:
            if column in privacy._TIME_COLUMNS:
                continue
            assert column_class(table, column) not in (FieldClass.free_text, FieldClass.date)
    sessions = data.tables["sessions"]
    assert list(sessions.columns) == ["client_id", "session", "year", "phase", "attended",
                                      "complete"]
    years = {int(d[:4]) for c in cohort for d in
             (s.date.isoformat() for s in c.sessions if s.date)}
    assert set(sessions["year"].dropna().astype(int)) == years
    assert "onset_year" in data.tables["clients"].columns
    assert "has_notes" in data.tables["ratings"].columns  # whether, never what


def test_dates_as_days_since_the_first_session(worked_example):
    worked_example.add_event("e1", date="2025-12", kind="move")
    worked_example.add_event("e2", date="2026-01-19", kind="conflict")
    data = deidentify(worked_example, key=KEY, dates="days")
    sessions = data.tables["sessions"]
    assert sessions["days_since_first_session"].tolist() == [0, 7, 14, 21, 28, 35]
    events = data.tables["events"].sort_values("days_since_first_session")
    # 2025-12 counts from its first day, 2025-12-01: 35 days before 2026-01-05
    assert events["days_since_first_session"].tolist() == [-35, 14]
    assert events["date_precision"].tolist() == ["month", "day"]
    assert "year" not in sessions.columns


def test_ages_over_89_are_written_90_plus(worked_example, tmp_path):
    worked_example.update_person("p1", age_band="90_plus")
    data = deidentify(worked_example, key=KEY)
    assert "90+" in data.tables["people"]["age_band"].dropna().tolist()
    paths = data.write("graphml", tmp_path / "g")
    ages = {value for path in paths for _, value in nx.read_graphml(path).nodes(
        data="age_band") if value}
    assert ages == {"90+"}
    data.write("egor", tmp_path / "e")
    alters = pd.read_csv(tmp_path / "e" / "alters.csv", dtype=str)
    assert set(alters["age_band"].dropna()) == {"90+"}


def test_the_key_is_never_written_beside_the_export(cohort, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    inside = privacy.new_key_file(out / "study.key")
    data = deidentify(cohort, key=inside)
    for fmt in privacy.EXPORT_FORMATS:
        with pytest.raises(ValueError, match="key"):
            data.write(fmt, out)
        with pytest.raises(ValueError, match="key"):
            data.write(fmt, tmp_path)  # a folder above the key's folder holds it too
    assert sorted(p.name for p in out.iterdir()) == ["study.key"]
    elsewhere = privacy.new_key_file(tmp_path / "keys.key")
    written = deidentify(cohort, key=elsewhere).write("json", out / "json")
    key_hex = elsewhere.read_text().strip()
    for path in written:
        raw = path.read_bytes()
        assert key_hex.encode() not in raw and bytes.fromhex(key_hex) not in raw


def test_import_case_ids_and_file_names_stay_behind(tmp_path):
    result = read_network_canvas(NC_EXPORT, NC_MAPPING)
    case_ids = set(result.report.case_ids.values())
    codes = {client.client_id for client in result.clients}
    labels = {p.label for c in result.clients for p in c.people if p.label}
    assert case_ids and codes and labels
    data = deidentify(result, key=KEY)
    forbidden = case_ids | codes | labels | {"demo-case", "5b0e7d2c"}
    for fmt in privacy.EXPORT_FORMATS:
        for path in data.write(fmt, tmp_path / fmt):
            text = " ".join(_read_back(fmt, path)) + " " + path.name
            assert not [word for word in forbidden if word in text], (fmt, path.name)


def test_deidentified_graphml_reads_back_as_the_same_maps(worked_example, tmp_path):
    """The graph formats are made from the de-identified tables by the model's own rules."""
    worked_example.rate(5, "p3", notes="only text here")  # text only, at a complete session
    data = deidentify(worked_example, key=KEY)
    paths = data.write("graphml", tmp_path)
    back = read_graphml(tmp_path)
    assert len(paths) == 6 and back.client_id == data.client_ids[0]
    assert [len(back.inventory(n)) for n in range(1, 7)] == [
        len(worked_example.inventory(n)) for n in range(1, 7)]
    assert nx.read_graphml(paths[0]).graph["year"] == 2026
    assert all(s.date is None for s in back.sessions)


# --- the marker test: every identifier, free text and date of a cohort, every format -----------


def _dates_pattern(days: Iterable[dt.date], months: Iterable[str]) -> re.Pattern[str]:
    forms = set()
    for day in days:
        for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d", "%Y%m%d", "%d.%m.%Y",
                    "%-m/%-d/%Y", "%-d/%-m/%Y"):
            forms.add(day.strftime(fmt))
        forms.add(f"{day.year}-{day.month:02d}")  # the month is more precise than the year
    forms |= set(months)
    return re.compile("|".join(sorted(map(re.escape, forms), key=len, reverse=True)))


def _planted_cohort() -> tuple[list[ig.Client], re.Pattern[str]]:
    """Synthetic clients with a unique ``ZQX`` marker in every identifier and free-text field
    and a distinctive date in every date field (1999-12-31 onwards)."""
    counter = itertools.count(1)

    def marker() -> str:
        return f"ZQX{next(counter):05d}"

    planted: set[tuple[str, str]] = set()
    days: list[dt.date] = []
    months: list[str] = []
    clients = []
    for index, client in enumerate(synthetic_cohort(6, seed=5)):
        data = client.to_dict()
        data["client_id"] = marker()
        data["label"], data["notes"] = marker() + " Ana", marker() + " story"
        data["ring_labels"] = [marker() for _ in range(data["rings"])]
        onset = dt.date(1998, 3, 10 + index)
        data["onset_date"] = onset.isoformat()
        days.append(onset)
        planted |= {("client", "client_id"), ("client", "label"), ("client", "notes"),
                    ("client", "ring_labels"), ("client", "onset_date")}
        people = {p["person_id"]: marker() for p in data["people"]}
        for person in data["people"]:
            person["person_id"] = people[person["person_id"]]
            person["label"] = marker() + " Rui"
            person["attributes"] = {marker().lower(): marker() + " lives on Elm St."}
            planted |= {("person", "person_id"), ("person", "label"), ("person", "attributes")}
        first = dt.date(1999, 12, 31) + dt.timedelta(days=3 * index)
        for number, session in enumerate(data["sessions"]):
            day = first + dt.timedelta(days=7 * number)
            session["date"] = day.isoformat()
            session["notes"] = marker()
            days.append(day)
            planted |= {("session", "date"), ("session", "notes")}
        for rating in data["ratings"]:
            rating["person_id"] = people[rating["person_id"]]
            for text in model.TEXT_RATING_FIELDS:
                rating[text] = marker()
                planted.add(("rating", text))
            planted.add(("rating", "person_id"))
        for removal in data["removals"]:
            removal["person_id"] = people[removal["person_id"]]
            planted.add(("removal", "person_id"))
        for tie in data["ties"]:
            tie["a"], tie["b"] = people[tie["a"]], people[tie["b"]]
            planted |= {("tie", "a"), ("tie", "b")}
        for number, event in enumerate(data["events"]):
            event["event_id"] = marker()
            event["people"] = [people[pid] for pid in event.get("people", [])]
            event["notes"] = marker()
            if number % 2:
                event["date"] = f"1997-{index + 1:02d}"
                months.append(event["date"])
            else:
                day = dt.date(1999, 6, 1) + dt.timedelta(days=index + 7 * number)
                event["date"] = day.isoformat()
                days.append(day)
            planted |= {("event", "event_id"), ("event", "notes"), ("event", "date")}
            if event["people"]:
                planted.add(("event", "people"))
        areas = {area["area"]: area for area in data["problem_areas"]}
        if "role_transition" not in areas:
            data["problem_areas"].append({"area": "role_transition"})
        for area in data["problem_areas"]:
            area["focus"] = [people[pid] for pid in area.get("focus", [])]
            area["notes"] = marker()
            if area["focus"]:
                planted.add(("problem_area", "focus"))
            if area["area"] == "role_transition":
                area["old_role"], area["new_role"] = marker(), marker()
                day = dt.date(1997, 8, 20 + index)
                area["date"] = day.isoformat()
                days.append(day)
                planted |= {("problem_area", "old_role"), ("problem_area", "new_role"),
                            ("problem_area", "date")}
            planted.add(("problem_area", "notes"))
        clients.append(ig.Client.from_dict(data))
    required = {(record, name) for record, fields in privacy.FIELD_CLASSES.items()
                for name, kind in fields.items() if kind in PLANTED}
    assert planted == required, f"fields without a marker: {sorted(required - planted)}"
    return clients, _dates_pattern(days, months)


@pytest.fixture(scope="module")
def planted():
    return _planted_cohort()


def _read_back(fmt: str, path: Path) -> list[str]:
    """Every string the file holds, read with that format's own reader."""
    if path.suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        return [*frame.columns, *frame.to_numpy().ravel().tolist()]
    if path.suffix == ".xlsx":
        workbook = openpyxl.load_workbook(path, read_only=True)
        out = list(workbook.sheetnames)
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert not isinstance(cell.value, dt.date | dt.datetime)
                    assert cell.data_type != "f"
                    out.extend(_strings(cell.value))
        workbook.close()
        return out
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        metadata = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        return [*table.schema.names, *_strings(table.to_pylist()), *_strings(metadata)]
    if path.suffix == ".json":
        with path.open(encoding="utf-8") as handle:
            return list(_strings(json.load(handle)))
    if path.suffix == ".graphml":
        graph = nx.read_graphml(path)
        return [*_strings(graph.graph), *_strings(list(graph.nodes(data=True))),
                *_strings(list(graph.edges(data=True)))]
    raise AssertionError(f"{fmt}: unexpected file {path.name}")


@pytest.mark.parametrize("dates", ["year", "days"])
def test_no_marker_survives_any_export(planted, tmp_path, dates):
    clients, date_pattern = planted
    # the markers are really there to be found
    plain = " ".join(_strings(clients[0].to_dict()))
    assert "ZQX" in plain and date_pattern.search(plain)
    data = deidentify(clients, key=KEY, dates=dates)
    found_years = set()
    for fmt in privacy.EXPORT_FORMATS:
        paths = data.write(fmt, tmp_path / fmt)
        assert paths
        for path in paths:
            assert "zqx" not in path.name.lower()
            values = _read_back(fmt, path)
            leaks = [v for v in values if "zqx" in v.lower() or date_pattern.search(v)]
            assert not leaks, f"{fmt} {path.name}: {leaks[:5]}"
            if path.suffix in (".csv", ".json", ".graphml"):  # text: the bytes too
                raw = path.read_text(encoding="utf-8")
                assert "zqx" not in raw.lower() and not date_pattern.search(raw)
            found_years |= {v for v in values if v in ("1999", "2000")}
    if dates == "year":
        assert found_years == {"1999", "2000"}  # the year is what may remain


# --- 4. k-anonymity ------------------------------------------------------------------------------


def _plain_client(client_id: str, roles: list[str], area: str, deceased: int | None = None
                  ) -> ig.Client:
    people = [{"person_id": f"p{k}", "role": role} for k, role in enumerate(roles, start=1)]
    ratings = [{"session": 1, "person_id": p["person_id"], "ring": 1, "support": 3,
                "conflict": 1} for p in people]
    if deceased is not None:
        ratings[deceased]["status"] = "deceased"
    focus = [people[deceased]["person_id"]] if deceased is not None else []
    return ig.Client.from_dict({
        "client_id": client_id, "people": people, "ratings": ratings,
        "sessions": [{"number": 1, "date": "2026-02-02"}],
        "problem_areas": [{"area": area, "primary": True, "focus": focus}]})


@pytest.fixture(scope="module")
def k_cohort() -> tuple[list[ig.Client], str]:
    """Twelve alike clients and one unique one: 30 people, a deceased mother, grief."""
    alike = [_plain_client(f"A-{n}", ["parent", "sibling", "child"], "interpersonal_deficits")
             for n in range(12)]
    roles = ["parent", "friend", "colleague", "neighbour", "doctor", "other"] * 5
    unique = _plain_client("U-1", roles, "grief", deceased=0)
    return [*alike, unique], deidentify([unique], key=KEY).client_ids[0]


def test_a_unique_client_is_suppressed_and_counted(k_cohort):
    clients, unique = k_cohort
    data = deidentify(clients, key=KEY)
    report = k_anonymity(data, k=5, max_suppression=0.1)
    assert report.k_before == 1 and report.n_clients == 13
    assert report.steps == ()  # suppressing one client of 13 is within 10 %
    assert report.suppressed == (unique,) and report.n_suppressed == 1
    assert report.k_after == 12
    row = report.table.set_index("client_id").loc[unique]
    assert row["group_size"] == 1 and row["suppressed"]
    kept = report.apply(data)
    assert unique not in kept.client_ids and len(kept) == 12
    assert unique not in set(kept.tables["people"]["client_id"])
    assert "suppressed: 1 client" in report.summary() and unique not in repr(report)


def test_a_unique_client_is_generalised_step_by_step(k_cohort):
    clients, unique = k_cohort
    report = k_anonymity(clients, k=5, key=KEY, max_suppression=0)
    assert report.k_before == 1
    # it differs in size, sectors, a death and grief: every step is needed, in order
    assert [step.split(":")[0] for step in report.steps] == [
        "sectors", "network_size", "sectors", "network_size", "any_deceased", "problem_area"]
    assert report.n_suppressed == 0 and report.k_after == 13
    assert report.table.set_index("client_id").loc[unique, "group_size"] == 13


def test_coarsening_stops_as_soon_as_k_is_reached():
    alike = [_plain_client(f"A-{n}", ["parent"] * 12, "grief", deceased=0) for n in range(5)]
    other = [_plain_client(f"B-{n}", ["parent"] * 25, "grief", deceased=0) for n in range(5)]
    report = k_anonymity([*alike, *other], k=5, key=KEY, max_suppression=0)
    assert report.k_before == 5 and report.steps == () and report.k_after == 5
    mixed = [*alike, _plain_client("C-1", ["parent"] * 14 + ["friend"], "grief", deceased=0)]
    report = k_anonymity(mixed, k=5, key=KEY, max_suppression=0)
    # one friend more: still alone with sectors 0 / 1+ and sizes 0-9 / 10+; alike once the
    # sectors are dropped, where the coarsening stops
    assert report.k_before == 1
    assert report.steps == ("sectors: people per sector: 0 / 1+", "network_size: 0-9 / 10+",
                            "sectors: dropped")
    assert report.levels == {"network_size": 1, "sectors": 2, "any_deceased": 0,
                             "problem_area": 0}
    assert report.n_suppressed == 0 and report.k_after == 6


def test_k_larger_than_the_cohort_suppresses_everyone(k_cohort):
    clients, _ = k_cohort
    report = k_anonymity(clients, k=20, key=KEY)
    assert report.n_suppressed == 13 and report.k_after == 0 and report.steps == ()
    assert all(cid.startswith("C-") for cid in report.suppressed)


def test_k_anonymity_names_clients_by_pseudonym_only(k_cohort):
    clients, _ = k_cohort
    with pytest.raises(ValueError, match="pseudonym"):
        k_anonymity(clients, k=5)
    report = k_anonymity(clients, k=20, key=KEY)
    text = report.summary() + repr(report) + report.table.to_string()
    assert not any(c.client_id in text for c in clients)


# --- 5. Spreadsheet safety -----------------------------------------------------------------------

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")",
             "\rC-EVIL,p9,injected"]


def _formula_tables(texts: list[str] = DANGEROUS) -> dict[str, pd.DataFrame]:
    client = ig.Client("C-F", label=texts[0], notes=texts[1])
    for k, text in enumerate(texts, start=1):
        client.add_person(f"p{k}", label=text, role="friend")
    client.add_session(1, date="2026-01-05", notes="-2",
                       measures={"mood_change": -2.5, "weight_change": -1})
    client.rate(1, "p1", ring=1, notes="@x", satisfying="=A1")
    return tables.client_tables(client, include_text=True)


def test_csv_neutralises_formula_text_and_keeps_negative_numbers(tmp_path):
    tables.write_csv(_formula_tables(), tmp_path)
    people = pd.read_csv(tmp_path / "people.csv", dtype=str, keep_default_na=False)
    # one row per person: a carriage return cannot split a row (or inject one)
    assert sorted(people["label"]) == sorted("'" + text for text in DANGEROUS)
    measures = pd.read_csv(tmp_path / "measures.csv")  # numbers stay numbers
    assert sorted(measures["value"]) == [-2.5, -1.0]
    assert measures["value"].dtype.kind == "f"
    raw = (tmp_path / "measures.csv").read_text()
    assert ",-2.5\n" in raw and "'-" not in raw
    back = tables.read_csv(tmp_path)  # and the reader removes the quote again
    assert sorted(back["people"]["label"]) == sorted(DANGEROUS)


def test_excel_cells_are_strings_never_formulas(tmp_path):
    client = ig.Client("C-E", label="#N/A", notes="ZQX secret\x01")
    frames = _formula_tables()
    frames["clients"] = tables.client_tables(client, include_text=True)["clients"]
    path = tables.write_excel(frames, tmp_path / "t.xlsx")
    workbook = openpyxl.load_workbook(path)
    labels = [cell for cell in next(workbook["people"].iter_cols(min_col=3, max_col=3,
                                                                  min_row=2))]
    assert all(cell.value.startswith("'") for cell in labels)
    assert {cell.data_type for cell in labels} == {"s"}
    values = [row[4] for row in workbook["measures"].iter_rows(min_row=2)]
    assert sorted(cell.value for cell in values) == [-2.5, -1]
    assert {cell.data_type for cell in values} == {"n"}
    assert workbook["clients"]["B2"].value == "#N/A" and workbook["clients"]["B2"].data_type == "s"
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    back = tables.read_excel(path)
    assert sorted(back["people"]["label"]) == sorted(DANGEROUS)
    assert back["clients"]["notes"].tolist() == ["ZQX secret\x01"]


@pytest.mark.parametrize("writer", ["csv", "excel"])
def test_raw_mode_writes_text_as_typed_and_says_so(tmp_path, writer):
    frames = _formula_tables(["=1+1", "-1"])
    if writer == "csv":
        tables.write_csv(frames, tmp_path, raw=True)
        labels = pd.read_csv(tmp_path / "people.csv", dtype=str)["label"].tolist()
        assert labels == ["=1+1", "-1"]
    else:
        path = tables.write_excel(frames, tmp_path / "raw.xlsx", raw=True)
        cell = openpyxl.load_workbook(path)["people"]["C2"]
        assert cell.value == "=1+1" and cell.data_type == "f"  # what raw means
    doc = " ".join((tables.write_csv if writer == "csv" else tables.write_excel).__doc__.split())
    assert "raw : bool" in doc and "formulas will then run" in doc


def test_deidentified_spreadsheets_are_safe_too(cohort, tmp_path):
    data = deidentify(cohort, key=KEY)
    (path,) = data.write("excel", tmp_path / "x")
    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type in ("s", "n", "b") or cell.value is None
                if isinstance(cell.value, str):
                    assert cell.data_type == "s" and not re.match(r"[=+\-@\t\r]", cell.value)


def test_the_template_has_a_raw_mode_too(tmp_path):
    client = ig.Client("C-R", label="=1+1")
    path = write_template(tmp_path / "raw.xlsx", client=client, neutralise=False)
    cell = openpyxl.load_workbook(path)["client"]["B2"]
    assert cell.value == "=1+1" and cell.data_type == "s"  # raw, yet text, not a formula
    assert "neutralise : bool" in write_template.__doc__


# --- 6. No PHI in errors, warnings, logs or reprs -----------------------------------------------

MARK = "ZQX-PHI"  # in free text and in invalid values
TOKEN = "ZQXPHI"  # where only a token fits (ids, keys)


def _clean(*texts: Any) -> None:
    for text in texts:
        for value in _strings(text):
            assert MARK.lower() not in value.lower() and TOKEN.lower() not in value.lower(), \
                value[:300]


def _error_texts(error: BaseException) -> list[str]:
    texts = [str(error), repr(error), *(str(a) for a in error.args)]
    if isinstance(error, ValidationError):
        texts += error.lines() + [repr(p) for p in error.problems]
    return texts


@pytest.fixture
def watch(caplog):
    """Warnings and log records of the test (checked for markers at the end)."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("ipt_graph").setLevel(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    _clean([str(w.message) for w in caught], [r.getMessage() for r in caplog.records],
           caplog.text)


def _refused(action, kind: type[BaseException] = IptGraphError) -> BaseException:
    with pytest.raises(kind) as caught:
        action()
    _clean(_error_texts(caught.value))
    return caught.value


def _labelled_client() -> ig.Client:
    client = ig.Client("C-P", label=f"{MARK} client", notes=f"{MARK} notes",
                       ring_labels=[f"{MARK}1", f"{MARK}2", f"{MARK}3"])
    client.add_person("p1", label=f"{MARK} Ana", role="partner",
                      attributes={"hobby": f"{MARK} chess"})
    client.add_person("p2", label=f"{MARK} Rui", role="sibling")
    client.add_session(1, date="2026-01-05", notes=f"{MARK} session")
    client.rate(1, "p1", ring=1, support=4, conflict=5, notes=f"{MARK} rating",
                expectations=f"{MARK} e", satisfying=f"{MARK} s")
    client.rate(1, "p2", ring=2, support=3, conflict=1)
    client.add_problem_area("role_transition", primary=True, old_role=f"{MARK} old",
                            new_role=f"{MARK} new", notes=f"{MARK} area")
    client.add_event("e1", date="2025", kind="move", notes=f"{MARK} event")
    return client


def test_building_errors_never_echo_what_was_typed(watch):
    client = _labelled_client()
    long = f"{MARK} " * 5000
    refusals = [
        lambda: client.add_person("p3", label=MARK, role=MARK),
        lambda: client.add_person(f"{TOKEN} 1", label=MARK),
        lambda: client.add_person("p4", gender=MARK, age_band=MARK, sector=MARK),
        lambda: client.add_person("p5", attributes={"hobby": [MARK]}),
        lambda: client.add_person("p1", label=MARK),  # a duplicate id
        lambda: client.update_person("p1", label=long),
        lambda: client.add_session(2, date=MARK, phase=MARK, notes=MARK),
        lambda: client.add_session(3, measures={"phq9": MARK}),
        lambda: client.add_session(4, measures={TOKEN: {"total": MARK}}),
        lambda: client.rate(1, "p1", ring=MARK, status=MARK, notes=long),
        lambda: client.rate(1, "p1", contact=MARK, expectations_met=MARK,
                            dispute_stage=MARK),
        lambda: client.rate(1, "p1", dispute_stage="impasse"),
        lambda: client.rate(9, f"{TOKEN} x", ring=1),
        lambda: client.tie(1, "p1", "p2", kind=MARK, weight=MARK),
        lambda: client.tie(1, "p1", f"{TOKEN}!", kind="knows"),
        lambda: client.add_event("e2", date=MARK, kind=MARK, people=[f"{TOKEN} y"],
                                 notes=MARK),
        lambda: client.add_problem_area(MARK, notes=MARK),
        lambda: client.add_problem_area("grief", old_role=MARK, date="2024"),
        lambda: client.person(f"{TOKEN} z"),
        lambda: client.remove(1, f"{TOKEN} z"),
        lambda: ig.Client(f"{TOKEN} !", label=MARK, rings=MARK, notes=MARK),
        lambda: ig.Client("C-1", ring_labels=[MARK * 10]),
    ]
    for refusal in refusals:
        _refused(refusal)
    _clean(repr(client), str(client), [repr(p) for p in client.people],
           [repr(s) for s in client.sessions], [repr(r) for r in client.ratings],
           [repr(a) for a in client.problem_areas], [repr(e) for e in client.events])


def test_case_file_errors_never_echo_the_file(tmp_path, watch):
    good = casefile.dumps(_labelled_client())
    documents = [
        good.replace('"rings": 3', f'"rings": "{MARK}"'),
        good.replace('"role": "partner"', f'"role": "{MARK}"'),
        good.replace('"date": "2026-01-05"', f'"date": "{MARK}"'),
        good.replace('"person_id": "p2"', f'"person_id": "{TOKEN} two", "{TOKEN}": 1'),
        good.replace('"format": "ipt-graph"', f'"format": "{MARK}"'),
        good.replace('"version": 1', f'"version": "{MARK}"'),
        good.replace('"ring": 1', '"ring": 1e400'),
        good.replace('"ring": 1', '"ring": NaN'),
        good.replace('"notes": "', '"notes": ["', 1),
        good[: good.index(MARK) + 3],  # cut inside a label
        good.replace(f'"{MARK} Ana"', f'"{MARK} Ana", "label": "{MARK} twice"'),
        '{"format": "ipt-graph", "version": 1, "' + TOKEN + '": "' + MARK + '"}',
        json.dumps({"format": "ipt-graph", "version": 1, "client_id": "C-1",
                    "people": [{"person_id": "p1", TOKEN: MARK}],
                    "sessions": [{"number": MARK, "notes": [MARK]}],
                    "ratings": [{"session": 1, "person_id": "p1", "notes": {MARK: MARK}}]}),
    ]
    for index, text in enumerate(documents):
        path = tmp_path / f"case{index}.json"
        path.write_text(text, encoding="utf-8")
        _refused(lambda path=path: ig.load(path))
        _refused(lambda text=text: casefile.loads(text.encode("utf-8")))
    bad = tmp_path / "bad.json"
    bad.write_text(documents[1], encoding="utf-8")


def test_cli_prints_no_phi(tmp_path, capsys, watch):
    good = casefile.dumps(_labelled_client())
    (tmp_path / "bad.json").write_text(good.replace('"role": "partner"', f'"role": "{MARK}"'))
    (tmp_path / "good.json").write_text(good)
    assert main(["validate", str(tmp_path)]) == 1
    assert main(["summary", "--redact", str(tmp_path / "good.json")]) == 0
    assert main(["metrics", str(tmp_path / "good.json"), "-o", "-"]) == 0
    out = capsys.readouterr()
    _clean(out.out, out.err)
    assert "bad.json" in out.err


def test_table_errors_never_echo_cells(tmp_path, watch):
    frames = tables.client_tables(_labelled_client(), include_text=True)
    frames["clients"] = frames["clients"].astype(object)
    frames["clients"].loc[0, "rings"] = MARK
    frames["people"] = frames["people"].astype(object)
    frames["people"].loc[0, "sector_set"] = MARK
    frames["people"].loc[1, "role"] = MARK
    frames["ratings"] = frames["ratings"].astype(object)
    frames["ratings"].loc[0, "ring"] = 99
    frames["ratings"][f"{TOKEN} col"] = MARK
    _refused(lambda: tables.normalize_tables(frames))
    del frames["ratings"][f"{TOKEN} col"]
    frames["clients"].loc[0, "rings"] = 3
    frames["people"].loc[0, "sector_set"] = True
    _refused(lambda: tables.clients_from_tables(frames))
    folder = tmp_path / "csv"
    tables.write_csv(tables.client_tables(_labelled_client(), include_text=True), folder)
    text = (folder / "ratings.csv").read_text().replace(",1,4,5,", f",{MARK},4,5,")
    (folder / "ratings.csv").write_text(text)
    _refused(lambda: tables.read_csv(folder))


def test_excel_import_errors_never_echo_cells(tmp_path, watch):
    path = write_template(tmp_path / "t.xlsx", client=_labelled_client())
    workbook = openpyxl.load_workbook(path)
    workbook["client"]["C2"] = MARK  # rings
    workbook["people"]["C2"] = MARK  # role
    workbook["ratings"]["A2"] = MARK  # session
    workbook.save(path)
    _refused(lambda: read_excel(path))


def _nc_copy(tmp_path: Path) -> Path:
    """The Network Canvas example with names and case ids replaced by markers."""
    target = tmp_path / "export"
    shutil.copytree(NC_EXPORT, target)
    for path in target.iterdir():
        text = path.read_bytes().decode("utf-8")
        text = re.sub(r"[Pp]erson +([A-Za-z])\b", rf"{MARK} \1", text)
        text = text.replace(",demo-case-01,", f",{TOKEN}-case-one,").replace(
            ",demo-case-02,", f",{TOKEN}-case-two,")
        path.write_bytes(text.encode("utf-8"))
    return target


def test_network_canvas_errors_and_reports_never_name_anyone(tmp_path, watch):
    export = _nc_copy(tmp_path)
    result = read_network_canvas(export, NC_MAPPING)
    assert any(MARK in (p.label or "") for c in result.clients for p in c.people)
    assert result.report.unlinked
    _clean(str(result.report), repr(result.report), result.report.to_frame().to_string(),
           [repr(c) for c in result.clients], repr(result))
    wrong = {"node_type": "Person", "label": "name", "person_key": "name",
             "ring": {"variable": "name", "values": {"x": 1}},
             "support": {"variable": "name"}, "status": {"variable": "notes"}}
    odd = read_network_canvas(export, wrong)
    _clean(str(odd.report), odd.report.to_frame().to_string())
    person = next(export.glob("*_attributeList_Person.csv"))
    lines = person.read_bytes().decode().split("\r\n")
    lines[1] = lines[1].replace(",very_close,", f",very_close,{MARK},", 1)
    person.write_bytes("\r\n".join(lines).encode())
    edges = next(export.glob("*_edgeList_Close.csv"))
    edges.write_bytes(edges.read_bytes().replace(b"0a1b2c3d-0005", TOKEN.encode()))
    _refused(lambda: read_network_canvas(export, NC_MAPPING))


def test_network_canvas_graphml_errors_never_name_anyone(tmp_path, watch):
    text = NC_GRAPHML.read_text(encoding="utf-8")
    text = re.sub(r"[Pp]erson +([A-Za-z])\b", rf"{MARK} \1", text)
    path = tmp_path / "nc.graphml"
    path.write_text(text, encoding="utf-8")
    result = read_network_canvas_graphml(path, NC_MAPPING)
    _clean(str(result.report), result.report.to_frame().to_string())
    uuid = "0d4e5f60-0002-4d00-b000-000000000d02"
    path.write_text(text.replace(f'<data key="networkCanvasTargetUUID">{uuid}<',
                                 f'<data key="networkCanvasTargetUUID">{TOKEN}<', 1))
    _refused(lambda: read_network_canvas_graphml(path, NC_MAPPING))
    path.write_text(text[: text.index(MARK) + 2])
    _refused(lambda: read_network_canvas_graphml(path, NC_MAPPING))


def test_egor_errors_and_reports_never_name_anyone(tmp_path, watch):
    egos = pd.DataFrame({"egoID": [f"{MARK} Ana", f"{MARK} Rui"], "phq9": [12, 4]})
    alters = pd.DataFrame({"egoID": [f"{MARK} Ana"] * 3 + [f"{MARK} Rui"],
                           "alterID": [f"{MARK} mum", f"{MARK} dad", f"{MARK} sis",
                                       f"{MARK} bro"],
                           "ring": [1, 2, 3, 1], "support": [5, 4, 3, 2]})
    aaties = pd.DataFrame({"egoID": [f"{MARK} Ana"], "Source": [f"{MARK} mum"],
                           "Target": [f"{MARK} dad"]})
    result = read_egor(egos, alters, aaties)
    _clean([c.client_id for c in result.clients], [p.person_id for c in result.clients
                                                   for p in c.people],
           str(result.report), repr(result.report), result.report.to_frame().to_string())
    broken = alters.assign(ring=[1, MARK, 9, 1])
    dangling = pd.DataFrame({"egoID": [f"{MARK} Ana", f"{MARK} Eve"],
                             "Source": [f"{MARK} mum", f"{MARK} x"],
                             "Target": [f"{MARK} nobody", f"{MARK} y"]})
    _refused(lambda: read_egor(egos, broken, dangling))
    duplicated = pd.concat([alters, alters.iloc[:1]], ignore_index=True)
    _refused(lambda: read_egor(egos, duplicated, aaties))
    folder = tmp_path / "egor"
    write_egor(_labelled_client(), folder)
    text = (folder / "alters.csv").read_text().replace(",partner,", f",{MARK},", 1)
    (folder / "alters.csv").write_text(text)
    egos_text = (folder / "egos.csv").read_text()
    (folder / "egos.csv").write_text(egos_text.replace("2026-01-05", MARK))
    _refused(lambda: read_egor(folder / "egos.csv", folder / "alters.csv",
                               folder / "aaties.csv"))


def test_graphml_errors_never_echo_data(tmp_path, watch):
    client = _labelled_client()
    (path,) = ig.write_graphml(client, tmp_path, labels=True)
    text = path.read_text()
    path.write_text(text.replace('key="e_ring">1<', f'key="e_ring">{MARK}<'))
    _refused(lambda: read_graphml(path))
    path.write_text(text.replace('key="n_role">partner<', f'key="n_role">{MARK}<'))
    _refused(lambda: read_graphml(path))


def test_reprs_hold_no_labels(tmp_path, watch):
    client = _labelled_client()
    client.add_session(2, date="2026-01-12")
    client.rate(2, "p1", conflict=2)
    change = ig.compare(client.inventory(1), client.inventory(2))
    data = deidentify(client, key=KEY)
    objects = [client, client.inventory(), change, *change.people,
               Cohort(tables.tables_from_clients([client])), ig.notebook.Redacted(client),
               data, k_anonymity(data, k=1),
               read_network_canvas(_nc_copy(tmp_path), NC_MAPPING), *client.people,
               *client.sessions, *client.ratings, *client.problem_areas, *client.events]
    _clean([repr(obj) for obj in objects], [str(obj) for obj in objects[:3]])
    editor = ig.edit(client, session=1)
    _clean(repr(editor))


def test_nothing_goes_to_the_root_logger(caplog):
    caplog.set_level(logging.DEBUG)
    client = _labelled_client()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    logging.getLogger().addHandler(handler)
    try:
        client.metrics()
        client.outcomes()
        tables.client_tables(client)
        deidentify(client, key=KEY)
    finally:
        logging.getLogger().removeHandler(handler)
    _clean(buffer.getvalue(), caplog.text)


def test_redacted_views_leave_typed_ring_labels_out():
    from ipt_graph.report import render_html

    client = _labelled_client()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pages = [ig.notebook.to_html(ig.notebook.Redacted(client)),
                 render_html(client, redact=True)]
    for page in pages:
        assert MARK not in page


# --- the command line ----------------------------------------------------------------------------


def test_cli_exports_deidentified_tables(tmp_path, capsys):
    cases = tmp_path / "cases"
    cases.mkdir()
    ig.save(_labelled_client(), cases / "ZQXPHI-file-name.json")
    key = tmp_path / "keys" / "study.key"
    key.parent.mkdir()
    assert main(["key", "-o", str(key)]) == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert main(["key", "-o", str(key)]) == 1  # never overwritten
    out = tmp_path / "out"
    assert main(["export", "csv", str(cases), "-o", str(out), "--deidentify"]) == 2
    assert main(["export", "csv", str(cases), "-o", str(out), "--deidentify",
                 "--include-text", "--key-file", str(key)]) == 2
    assert main(["export", "csv", str(cases), "-o", str(key.parent), "--deidentify",
                 "--key-file", str(key)]) == 2  # the key is never written beside the export
    for fmt in privacy.EXPORT_FORMATS:
        assert main(["export", fmt, str(cases), "-o", str(out / fmt), "--deidentify",
                     "--key-file", str(key)]) == 0
        for path in (out / fmt).iterdir():
            assert "zqx" not in " ".join([path.name, *_read_back(fmt, path)]).lower()
    captured = capsys.readouterr()
    _clean(captured.out, captured.err)
    assert "k-anonymity" in captured.err
