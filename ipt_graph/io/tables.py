"""Tidy tables of clients (DESIGN.md §6): pandas, CSV, Excel and Parquet, with a data dictionary.

A set of clients is eight long tables with explicit keys, the same in every format:

=============  ====================================  ============================================
table          key                                   what a row is
=============  ====================================  ============================================
clients        client_id                             a client: rings, planned sessions, ...
people         client_id, person_id                  a person in a client's record
sessions       client_id, session                    a session, attended or missed
ratings        client_id, session, person_id         an observation of a person: ``event`` is
                                                     ``rated`` (with the fields observed) or
                                                     ``removed`` (the person leaves the map)
ties           client_id, session, a, b, kind        a tie observation: ``event`` is ``observed``
                                                     or ``ended``
measures       client_id, session, instrument, item  a score: ``item`` is ``total`` or the item
                                                     number as a string
events         client_id, event_id                   a life event
problem_areas  client_id, area                       a problem area with its focus people
=============  ====================================  ============================================

Columns have nullable types (``Int64``, ``string``, ``boolean``, ``float64``) and names that R
and Stata accept (:data:`SCHEMA` lists them with a description; :func:`data_dictionary` gives it
as a table). Dates are ISO 8601 strings (``2026-01-05``; life events may be ``2025`` or
``2025-03``). Lists of person ids (an event's ``people``, a problem area's ``focus``) are
joined with ``;`` (ids cannot hold one).

Free text (labels, notes, expectations, satisfying, unsatisfying, desired change, old and new
role, the people's extra attributes) travels only when asked for (``include_text=True``); the
ratings table always says *whether* a text field was observed (``has_notes``...), since a
value observed carries forward like any other and counts in ``n_carried``.

Writers: :func:`write_csv` (a folder of ``<table>.csv``), :func:`write_excel` (one sheet per
table), :func:`write_parquet` (``<table>/part-0000.parquet``..., a few files per table sorted
by ``client_id``, the same client range in the same part of every table). Each writes a data
dictionary and replaces files atomically (a temporary name in the same folder, then
:func:`os.replace`). CSV and Excel neutralise text cells that a spreadsheet would run as a
formula (FORMATS.md): a leading ``'`` is added, and removed again when reading; Excel cells of
text are always strings (never formulas or error values). ``raw=True`` turns this off: cells
are then written as typed and spreadsheet formulas will run. Excel workbooks are checked
before they are opened and parsed through defusedxml (:func:`ipt_graph.io.excel.check_workbook`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import vocab
from ..errors import Problem, SaveError, ValidationError
from ..model import TEXT_RATING_FIELDS, Client
from ..progress import progress as _progress_bar

__all__ = [
    "SCHEMA",
    "TABLE_NAMES",
    "Column",
    "client_tables",
    "clients_from_tables",
    "data_dictionary",
    "empty_tables",
    "iter_clients",
    "normalize_tables",
    "parquet_parts",
    "read_csv",
    "read_excel",
    "read_parquet",
    "read_parquet_part",
    "read_tables",
    "tables_from_clients",
    "write_csv",
    "write_excel",
    "write_parquet",
    "write_parquet_parts",
]


# --- The schema ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a tidy table.

    ``dtype`` is a pandas dtype name (``Int64``, ``string``, ``boolean``, ``float64``);
    ``key`` columns identify a row; ``text`` columns hold free text and travel only with
    ``include_text=True``; ``derived`` columns are written for analysts and ignored when the
    tables are read back into clients.
    """

    name: str
    dtype: str
    description: str
    key: bool = False
    text: bool = False
    derived: bool = False


def _c(name: str, dtype: str, description: str, **flags: bool) -> Column:
    return Column(name, dtype, description, **flags)


_RING_LABELS = tuple(f"ring_label_{k}" for k in range(1, vocab.MAX_RINGS + 1))
_HAS_TEXT = tuple(f"has_{name}" for name in TEXT_RATING_FIELDS)
_CLIENT_KEY = _c("client_id", "string", "Pseudonymous client code", key=True)

#: Every table and its columns, in order. Names are safe for R and Stata.
SCHEMA: dict[str, tuple[Column, ...]] = {
    "clients": (
        _CLIENT_KEY,
        _c("label", "string", "Client's label (PHI)", text=True),
        _c("rings", "Int64", "Number of rings on the closeness circle (2-6)"),
        *(_c(name, "string", f"Label of ring {k} (1 = innermost), when the client has its own")
          for k, name in enumerate(_RING_LABELS, start=1)),
        _c("planned_sessions", "Int64", "Number of sessions planned"),
        _c("onset_date", "string", "Onset of the episode: YYYY, YYYY-MM or YYYY-MM-DD"),
        _c("primary_problem_area", "string",
           "The primary problem area (or the only one recorded)", derived=True),
        _c("notes", "string", "Notes on the client (free text)", text=True),
    ),
    "people": (
        _CLIENT_KEY,
        _c("person_id", "string", "Person's id, stable for the whole record", key=True),
        _c("label", "string", "Person's label (PHI)", text=True),
        _c("role", "string", "Role in the client's life (vocabulary of DOMAIN.md §5)"),
        _c("sector", "string", "Sector of the circle: as set, or the one the role maps to"),
        _c("sector_set", "boolean",
           "True when the sector was set on the person, False when derived from the role"),
        _c("sni_role", "string", "SNI role type of the role (Cohen et al. 1997), if any",
           derived=True),
        _c("gender", "string", "Gender"),
        _c("age_band", "string", "Age band (90_plus for over 89)"),
        _c("attributes", "string", "Extra attributes as a JSON object (free text)", text=True),
    ),
    "sessions": (
        _CLIENT_KEY,
        _c("session", "Int64", "Session number (0 = intake)", key=True),
        _c("date", "string", "Date of the session, YYYY-MM-DD"),
        _c("phase", "string", "Phase of IPT (initial, middle, termination, ...)"),
        _c("attended", "boolean", "False for a missed session (recorded, not omitted)"),
        _c("complete", "boolean",
           "A complete re-inventory: everyone and every tie not observed at it leaves the map"),
        _c("notes", "string", "Session notes (free text)", text=True),
    ),
    "ratings": (
        _CLIENT_KEY,
        _c("session", "Int64", "Session of the observation", key=True),
        _c("person_id", "string", "Person observed", key=True),
        _c("event", "string", "rated (the fields observed) or removed (leaves the map)"),
        _c("ring", "Int64", "Ring on the closeness circle, 1 = innermost"),
        _c("support", "Int64", "How helpful when you need support: 1 = not at all .. 6"),
        _c("conflict", "Int64", "How upsetting: 1 = not at all .. 6 = extremely"),
        _c("status", "string", "active, estranged, lost_contact, moved_away or deceased"),
        _c("contact", "string", "Contact frequency, daily .. never"),
        _c("confidant", "boolean", "The client confides in this person"),
        _c("desired_ring", "Int64", "The ring the client would like this person in"),
        _c("expectations_met", "string", "met, partly or not_met"),
        _c("dispute_stage", "string", "renegotiation, impasse or dissolution"),
        *(_c(f"has_{name}", "boolean", f"True when {name} (free text) was observed")
          for name in TEXT_RATING_FIELDS),
        *(_c(name, "string", f"{name.replace('_', ' ').capitalize()} (free text)", text=True)
          for name in TEXT_RATING_FIELDS),
    ),
    "ties": (
        _CLIENT_KEY,
        _c("session", "Int64", "Session of the observation", key=True),
        _c("a", "string", "One person of the pair (a < b)", key=True),
        _c("b", "string", "The other person of the pair", key=True),
        _c("kind", "string", "knows, close or conflict", key=True),
        _c("weight", "float64", "Strength of the tie, in (0, 1]"),
        _c("event", "string", "observed (the tie is on the map) or ended (taken off)"),
    ),
    "measures": (
        _CLIENT_KEY,
        _c("session", "Int64", "Session the measure was taken at", key=True),
        _c("instrument", "string", "Instrument (phq9, gad7, ...)", key=True),
        _c("item", "string", "total, or the item number (1, 2, ...) as scored", key=True),
        _c("value", "float64", "The total or the item's score"),
    ),
    "events": (
        _CLIENT_KEY,
        _c("event_id", "string", "Life event id", key=True),
        _c("date", "string", "Date: YYYY, YYYY-MM or YYYY-MM-DD"),
        _c("kind", "string", "Kind of event (death, move, ...)"),
        _c("people", "string", "Ids of the people involved, separated by ;"),
        _c("problem_area", "string", "Problem area the event belongs to"),
        _c("onset", "boolean", "The event marks the onset of the episode"),
        _c("notes", "string", "Notes on the event (free text)", text=True),
    ),
    "problem_areas": (
        _CLIENT_KEY,
        _c("area", "string", "grief, role_dispute, role_transition or interpersonal_deficits",
           key=True),
        _c("primary", "boolean", "The primary problem area"),
        _c("focus", "string", "Ids of the focus people, separated by ;"),
        _c("old_role", "string", "Role transition: the old role (free text)", text=True),
        _c("new_role", "string", "Role transition: the new role (free text)", text=True),
        _c("date", "string", "Role transition: its date, YYYY, YYYY-MM or YYYY-MM-DD"),
        _c("notes", "string", "Notes on the problem area (free text)", text=True),
    ),
}
#: The tables, in order.
TABLE_NAMES: tuple[str, ...] = tuple(SCHEMA)
_COLUMNS = {table: {column.name: column for column in columns}
            for table, columns in SCHEMA.items()}
_SORT_KEYS = {
    "sessions": ["client_id", "session"],
    "ratings": ["client_id", "session", "person_id"],
    "ties": ["client_id", "session", "a", "b", "kind"],
}
_SAFE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")
_ITEM = re.compile(r"^[1-9][0-9]{0,3}$")


def _columns(table: str, include_text: bool) -> list[Column]:
    return [column for column in SCHEMA[table] if include_text or not column.text]


def empty_tables(include_text: bool = False) -> dict[str, pd.DataFrame]:
    """Every table with its columns and types and no rows."""
    return {table: _frame(table, {}, include_text) for table in TABLE_NAMES}


def data_dictionary(tables: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The data dictionary: one row per column of each table (``table, column, dtype,
    description``).

    Parameters
    ----------
    tables : dict of DataFrame, optional
        Describe the columns these tables have (text columns only when present); default
        every column of :data:`SCHEMA`.

    Examples
    --------
    >>> data_dictionary().query("table == 'ties'")["column"].tolist()
    ['client_id', 'session', 'a', 'b', 'kind', 'weight', 'event']
    """
    rows = []
    for table, columns in SCHEMA.items():
        present = None if tables is None else set(tables[table].columns)
        for column in columns:
            if present is None or column.name in present:
                flags = [flag for flag, on in (("key", column.key), ("free text", column.text),
                                               ("derived", column.derived)) if on]
                note = f" [{', '.join(flags)}]" if flags else ""
                rows.append({"table": table, "column": column.name, "dtype": column.dtype,
                             "description": column.description + note})
    return pd.DataFrame(rows, columns=["table", "column", "dtype", "description"]).astype(
        "string")


# --- Clients to tables ------------------------------------------------------------------------


def _frame(table: str, data: Mapping[str, list[Any]], include_text: bool) -> pd.DataFrame:
    columns = _columns(table, include_text)
    length = len(next(iter(data.values()))) if data else 0
    return pd.DataFrame({
        column.name: pd.array(data.get(column.name, [None] * length), dtype=column.dtype)
        for column in columns})


def client_tables(client: Client, include_text: bool = False) -> dict[str, pd.DataFrame]:
    """The tidy tables of one client.

    Parameters
    ----------
    client : Client
    include_text : bool
        Include free text (labels, notes, ...). Default False.

    Returns
    -------
    dict of str to DataFrame
        One table per name in :data:`TABLE_NAMES`.

    Examples
    --------
    >>> import ipt_graph as ig
    >>> client = ig.Client("C-1")
    >>> _ = client.add_person("p1", label="Partner", role="partner")
    >>> _ = client.add_session(1, measures={"phq9": 12})
    >>> _ = client.rate(1, "p1", ring=1, support=5)
    >>> tables = client_tables(client)
    >>> tables["ratings"][["session", "person_id", "event", "ring", "support"]]
       session person_id  event  ring  support
    0        1        p1  rated     1        5
    >>> "label" in tables["people"].columns
    False
    """
    return tables_from_clients([client], include_text=include_text)


def tables_from_clients(clients: Iterable[Client], include_text: bool = False, *,
                        progress: bool | None = None) -> dict[str, pd.DataFrame]:
    """The tidy tables of many clients (see :func:`client_tables`), rows in the clients' order.

    Records at sessions are sorted by their key; people, events and problem areas keep the
    clinician's order. ``progress`` shows a bar counting the clients
    (:func:`ipt_graph.progress.progress`: by default only in a notebook or on a terminal).
    """
    data: dict[str, dict[str, list[Any]]] = {
        table: {column.name: [] for column in _columns(table, include_text)}
        for table in TABLE_NAMES}

    def add(table: str, **row: Any) -> None:
        for name, values in data[table].items():
            values.append(row.get(name))

    total = len(clients) if isinstance(clients, Sized) else None
    for client in _progress_bar(clients, total=total, desc="clients", unit="client",
                                enabled=progress):
        cid = client.client_id
        primary = client.primary_problem_area
        labels = dict(zip(_RING_LABELS, client.ring_labels or (), strict=False))
        add("clients", client_id=cid, label=client.label, rings=client.rings,
            planned_sessions=client.planned_sessions, onset_date=client.onset_date,
            primary_problem_area=None if primary is None else str(primary.area),
            notes=client.notes, **labels)
        for person in client.people:
            add("people", client_id=cid, person_id=person.person_id, label=person.label,
                role=str(person.role), sector=str(person.resolved_sector),
                sector_set=person.sector is not None,
                sni_role=None if person.sni_role is None else str(person.sni_role),
                gender=person.gender, age_band=person.age_band,
                attributes=json.dumps(person.attributes, sort_keys=True, ensure_ascii=False)
                if person.attributes else None)
        for session in client.sessions:
            add("sessions", client_id=cid, session=session.number,
                date=None if session.date is None else session.date.isoformat(),
                phase=session.phase, attended=session.attended, complete=session.complete,
                notes=session.notes)
            for name in sorted(session.measures):
                measure = session.measures[name]
                if measure.total is not None:
                    add("measures", client_id=cid, session=session.number, instrument=name,
                        item="total", value=float(measure.total))
                for number, value in enumerate(measure.items or (), start=1):
                    add("measures", client_id=cid, session=session.number, instrument=name,
                        item=str(number), value=float(value))
        observations = [(r.session, r.person_id, "rated", r) for r in client.ratings]
        observations += [(r.session, r.person_id, "removed", None) for r in client.removals]
        for session, person_id, event, rating in sorted(observations, key=lambda o: o[:2]):
            values = {} if rating is None else rating.values()
            texts = {f"has_{name}": name in values for name in TEXT_RATING_FIELDS}
            add("ratings", client_id=cid, session=session, person_id=person_id, event=event,
                **texts, **values)
        for tie in client.ties:
            add("ties", client_id=cid, session=tie.session, a=tie.a, b=tie.b,
                kind=str(tie.kind), weight=tie.weight,
                event="ended" if tie.ended else "observed")
        for event in client.events:
            add("events", client_id=cid, event_id=event.event_id, date=event.date,
                kind=str(event.kind), people=";".join(event.people) or None,
                problem_area=event.problem_area, onset=event.onset, notes=event.notes)
        for area in client.problem_areas:
            add("problem_areas", client_id=cid, area=str(area.area), primary=area.primary,
                focus=";".join(area.focus) or None, old_role=area.old_role,
                new_role=area.new_role, date=area.date, notes=area.notes)
    return {table: _frame(table, data[table], include_text) for table in TABLE_NAMES}


# --- Normalising tables -------------------------------------------------------------------------

_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_DANGEROUS = re.compile(r"^'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")


def _neutralise(value: Any) -> Any:
    """Prefix a text cell a spreadsheet would run as a formula with ``'`` (FORMATS.md).

    Reversible: :func:`_restore` removes exactly the one ``'`` added here.
    """
    if isinstance(value, str) and _DANGEROUS.match(value):
        return "'" + value
    return value


def _restore(value: Any) -> Any:
    if isinstance(value, str) and _NEUTRALISED.match(value):
        return value[1:]
    return value


def _describe_row(table: str, frame: pd.DataFrame, position: int) -> str:
    """``ratings table, row 12 (client C-1)``: rows count from 1 after the header."""
    client = None
    if "client_id" in frame.columns:
        value = frame["client_id"].iat[position]
        if isinstance(value, str) and re.match(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$", value):
            client = value
    where = f"{table} table, row {position + 1}"
    return f"{where} (client {client})" if client else where


def _safe_column(name: Any) -> str:
    return name if isinstance(name, str) and _SAFE_NAME.match(name) else "<column>"


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value == ""


def _coerce_column(values: pd.Series, dtype: str, restore: bool
                   ) -> tuple[pd.api.extensions.ExtensionArray | np.ndarray, np.ndarray]:
    """Convert a column to its schema type; also return the positions that would not convert."""
    if str(values.dtype) == dtype and not (restore and dtype == "string"):
        return values.array, np.zeros(0, dtype=int)
    if dtype == "string":
        if isinstance(values.dtype, pd.StringDtype):
            out = values.astype("string")
            if restore:
                out = out.map(_restore, na_action="ignore").astype("string")
            return out.array, np.zeros(0, dtype=int)

        def as_text(value: Any) -> Any:
            if _is_missing(value):
                return None
            if isinstance(value, bool | np.bool_):
                return "true" if value else "false"
            if isinstance(value, float | np.floating) and float(value).is_integer():
                return str(int(value))
            text = str(value)
            return _restore(text) if restore else text

        return pd.array([as_text(v) for v in values.tolist()], dtype="string"), np.zeros(
            0, dtype=int)
    if dtype == "boolean":
        if pd.api.types.is_bool_dtype(values.dtype):
            return values.astype("boolean").array, np.zeros(0, dtype=int)
        out, bad = [], []
        for position, value in enumerate(values.tolist()):
            if _is_missing(value):
                out.append(None)
            elif isinstance(value, bool | np.bool_ | int | float | np.number) and value in (0, 1):
                out.append(bool(value))
            elif isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                out.append(value.strip().lower() in _TRUE)
            else:
                out.append(None)
                bad.append(position)
        return pd.array(out, dtype="boolean"), np.array(bad, dtype=int)
    # numbers
    if pd.api.types.is_bool_dtype(values.dtype):
        numbers = pd.Series(values.astype("Float64"), copy=False)
        missing = numbers.isna().to_numpy()
        bad = np.zeros(0, dtype=int)
    elif pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.astype("Float64")
        missing = numbers.isna().to_numpy()
        bad = np.zeros(0, dtype=int)
    else:
        raw = values.astype(object)
        missing = np.array([_is_missing(v) for v in raw.tolist()], dtype=bool)
        cleaned = raw.where(~missing, None).map(
            lambda v: v.strip() if isinstance(v, str) else v)
        numbers = pd.to_numeric(cleaned, errors="coerce").astype("Float64")
        bad = np.flatnonzero(numbers.isna().to_numpy() & ~missing)
    finite = numbers.to_numpy(dtype=float, na_value=np.nan)
    infinite = np.flatnonzero(np.isinf(finite))
    if dtype == "Int64":
        fractional = np.flatnonzero(np.isfinite(finite) & (np.floor(finite) != finite))
        bad = np.union1d(bad, np.union1d(fractional, infinite)).astype(int)
        finite[bad] = np.nan
        out = pd.array(np.where(np.isnan(finite), 0, finite).astype(np.int64), dtype="Int64")
        out[np.isnan(finite)] = pd.NA
        return out, bad
    bad = np.union1d(bad, infinite).astype(int)
    finite[bad] = np.nan
    return finite.astype("float64"), bad


_DTYPE_WORDS = {"Int64": "must be a whole number", "float64": "must be a finite number",
                "boolean": "must be true or false", "string": "must be text"}


def normalize_tables(tables: Mapping[str, pd.DataFrame], *, restore: bool = False,
                     source: str | None = None) -> dict[str, pd.DataFrame]:
    """Check tables against :data:`SCHEMA` and give every column its type.

    Missing tables are empty; missing columns are added as missing values (text columns only
    when the table has some text column, so text stays out when it was left out); ``has_*``
    flags of the ratings are filled from the text columns when those are given.

    Parameters
    ----------
    tables : dict of str to DataFrame
    restore : bool
        Undo the formula neutralisation of CSV and Excel files in text cells.
    source : str, optional
        Names the file in error messages.

    Raises
    ------
    ValidationError
        Unknown tables or columns, a key column missing, or cells that do not convert, each
        named by table, row and column (values are never echoed).
    """
    problems: list[Problem] = []
    out: dict[str, pd.DataFrame] = {}
    for name in tables:
        if name not in SCHEMA and name != "data_dictionary":
            problems.append(Problem(f"table {_safe_column(name)}", "",
                                    "is not a table of the tidy format; allowed: "
                                    + ", ".join(TABLE_NAMES)))
    for table in TABLE_NAMES:
        frame = tables.get(table)
        if frame is None:
            out[table] = _frame(table, {}, include_text=False)
            continue
        frame = frame.reset_index(drop=True)
        known = _COLUMNS[table]
        for name in frame.columns:
            if name not in known:
                problems.append(Problem(f"{table} table", _safe_column(name),
                                        f"is not a column of the {table} table"))
        with_text = any(known[name].text for name in frame.columns if name in known)
        columns: dict[str, Any] = {}
        for column in SCHEMA[table]:
            if column.name not in frame.columns:
                if column.key:
                    problems.append(Problem(f"{table} table", column.name,
                                            "is required (a key column)"))
                if column.text and not with_text:
                    continue
                columns[column.name] = pd.array([None] * len(frame), dtype=column.dtype)
                continue
            values, bad = _coerce_column(frame[column.name], column.dtype,
                                         restore and column.dtype == "string")
            for position in bad[:20]:
                problems.append(Problem(_describe_row(table, frame, int(position)),
                                        column.name, _DTYPE_WORDS[column.dtype]))
            columns[column.name] = values
        normal = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
        if table == "ratings":
            for name, flag in zip(TEXT_RATING_FIELDS, _HAS_TEXT, strict=True):
                given = frame[flag] if flag in frame.columns else None
                if name in normal.columns:
                    observed = normal[name].notna()
                    normal[flag] = (observed if given is None
                                    else observed | normal[flag].fillna(False)).astype("boolean")
                elif given is None:
                    normal[flag] = pd.array([False] * len(normal), dtype="boolean")
                else:
                    normal[flag] = normal[flag].fillna(False)
        out[table] = normal
    if problems:
        raise ValidationError(problems, source)
    return out


# --- Tables to clients --------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _records(frame: pd.DataFrame, columns: Iterable[str]) -> list[dict[str, Any]]:
    names = [name for name in columns if name in frame.columns]
    lists = [[_plain(v) for v in frame[name].tolist()] for name in names]
    return [{name: value for name, value in zip(names, row, strict=True) if value is not None}
            for row in zip(*lists, strict=True)] if names else [{} for _ in range(len(frame))]


_LIST_INDEX = re.compile(r"^(people|sessions|ratings|removals|ties|events|problem_areas)"
                         r"\[(\d+)\](.*)$")
_FIELD_COLUMN = {("sessions", "number"): "session", ("ties", "ended"): "event"}


def _client_record(tables: Mapping[str, pd.DataFrame], rows: Mapping[str, np.ndarray],
                   client_row: int) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The plain record of one client and, per list, the table row of each record."""
    head = _records(tables["clients"].iloc[[client_row]], [
        "client_id", "label", "rings", "planned_sessions", "onset_date", "notes",
        *_RING_LABELS])[0]
    labels = [head.pop(name) for name in _RING_LABELS if name in head]
    if labels:
        head["ring_labels"] = labels
    origin: dict[str, list[int]] = {}

    def part(table: str) -> pd.DataFrame:
        return tables[table].iloc[rows.get(table, np.zeros(0, dtype=int))]

    people = part("people")
    records = _records(people, ["person_id", "label", "role", "sector", "sector_set",
                                "gender", "age_band", "attributes"])
    for record in records:
        sector_set = record.pop("sector_set", None)
        derived = vocab.ROLE_SECTOR.get(record.get("role", "other"))
        if sector_set is False or (sector_set is None and record.get("sector") == derived):
            record.pop("sector", None)  # the sector the role maps to, not set on the person
        if "attributes" in record:
            try:
                record["attributes"] = json.loads(record["attributes"])
            except ValueError:
                record["attributes"] = "<not a JSON object>"
    head["people"] = records
    origin["people"] = list(rows.get("people", []))

    sessions = part("sessions")
    records = _records(sessions, ["session", "date", "phase", "attended", "complete", "notes"])
    for record in records:
        record["number"] = record.pop("session", None)
    measures = part("measures")
    measure_rows = {}
    by_session: dict[Any, dict[str, dict[str, Any]]] = {}
    for position, record in zip(rows.get("measures", []), _records(
            measures, ["session", "instrument", "item", "value"]), strict=True):
        name, item, value = record.get("instrument"), record.get("item"), record.get("value")
        measure = by_session.setdefault(record.get("session"), {}).setdefault(
            name, {"items": {}})
        measure_rows.setdefault((record.get("session"), name), int(position))
        if item == "total":
            measure["total"] = int(value) if isinstance(value, float) and value.is_integer() \
                else value
        elif isinstance(item, str) and _ITEM.match(item):
            measure["items"][int(item)] = int(value) if isinstance(value, float) and \
                value.is_integer() else value
        else:
            measure["bad_item"] = True
    for record in records:
        found = by_session.pop(record["number"], None)
        if found:
            record["measures"] = {name: {
                **({"total": m["total"]} if "total" in m else {}),
                **({"items": [m["items"][k] for k in sorted(m["items"])]} if m["items"]
                   else {})} for name, m in found.items()}
    head["sessions"] = records
    origin["sessions"] = list(rows.get("sessions", []))

    ratings = part("ratings")
    rating_fields = [name for name in ("ring", "support", "conflict", "status", "contact",
                                       "confidant", "desired_ring", "expectations_met",
                                       "dispute_stage", *TEXT_RATING_FIELDS)]
    records = _records(ratings, ["session", "person_id", "event", *rating_fields])
    head["ratings"], head["removals"] = [], []
    origin["ratings"], origin["removals"] = [], []
    text_given = any(name in ratings.columns for name in TEXT_RATING_FIELDS)
    extra: list[Problem] = []
    flags = ratings[list(_HAS_TEXT)].fillna(False).to_numpy(dtype=bool) if len(ratings) else \
        np.zeros((0, len(_HAS_TEXT)), dtype=bool)
    for index, (position, record) in enumerate(zip(rows.get("ratings", []), records,
                                                   strict=True)):
        event = record.pop("event", "rated")
        if event == "removed" and len(record) > 2:
            extra.append(Problem(_describe_row("ratings", tables["ratings"], int(position)),
                                 next(k for k in record if k not in ("session", "person_id")),
                                 "a removal observes nothing: leave the rating columns empty"))
        if event == "removed":
            head["removals"].append({k: record[k] for k in ("session", "person_id")
                                     if k in record})
            origin["removals"].append(int(position))
        else:
            if (not text_given and len(record) <= 2 and flags[index].any()):
                continue  # it observed free text only, and the text was left out
            head["ratings"].append(record)
            origin["ratings"].append(int(position))

    ties = part("ties")
    records = _records(ties, ["session", "a", "b", "kind", "weight", "event"])
    for record in records:
        record["ended"] = record.pop("event", "observed") == "ended"
    head["ties"] = records
    origin["ties"] = list(rows.get("ties", []))

    events = part("events")
    records = _records(events, ["event_id", "date", "kind", "people", "problem_area",
                                "onset", "notes"])
    for record in records:
        if "people" in record:
            record["people"] = [pid for pid in record["people"].split(";") if pid]
    head["events"] = records
    origin["events"] = list(rows.get("events", []))

    areas = part("problem_areas")
    records = _records(areas, ["area", "primary", "focus", "old_role", "new_role", "date",
                               "notes"])
    for record in records:
        if "focus" in record:
            record["focus"] = [pid for pid in record["focus"].split(";") if pid]
    head["problem_areas"] = records
    origin["problem_areas"] = list(rows.get("problem_areas", []))
    origin["measures"] = measure_rows  # type: ignore[assignment]
    origin["problems"] = extra  # type: ignore[assignment]
    return head, origin


_LIST_TABLE = {"people": "people", "sessions": "sessions", "ratings": "ratings",
               "removals": "ratings", "ties": "ties", "events": "events",
               "problem_areas": "problem_areas"}


def _table_problem(problem: Problem, tables: Mapping[str, pd.DataFrame], client_row: int,
                   origin: Mapping[str, Any], record: Mapping[str, Any]) -> Problem:
    """Rename a record problem of :meth:`Client.from_dict` by table, row and column."""
    match = _LIST_INDEX.match(problem.record)
    field = problem.field
    if match is None:
        table = "problem_areas" if problem.record == "problem_areas" else "clients"
        if table == "clients" and field == "ring_labels":
            field = "ring_label_1"
        if table == "problem_areas":
            rows = origin["problem_areas"]
            position = rows[0] if rows else client_row
            return Problem(_describe_row(table, tables[table], position), field,
                           problem.message)
        return Problem(_describe_row("clients", tables["clients"], client_row), field,
                       problem.message)
    list_name, index, rest = match.group(1), int(match.group(2)), match.group(3)
    table = _LIST_TABLE[list_name]
    position = origin[list_name][index]
    if list_name == "sessions" and field.startswith("measures."):
        parts = field.split(".")
        session = record["sessions"][index].get("number")
        position = origin["measures"].get((session, parts[1]), position)
        table, field = "measures", "value" if len(parts) > 2 else "instrument"
    field = _FIELD_COLUMN.get((list_name, field.split(".")[0]), field.split("[")[0])
    where = _describe_row(table, tables[table], position)
    if rest.startswith(" (") and where.endswith(")"):
        where = f"{where[:-1]}, {rest[2:]}"
    return Problem(where, field, problem.message)


def _client_rows(tables: Mapping[str, pd.DataFrame]) -> dict[str, dict[str, np.ndarray]]:
    """For each table, the row positions of each client (in table order)."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for table in TABLE_NAMES:
        frame = tables[table]
        if len(frame) == 0:
            out[table] = {}
            continue
        codes, uniques = pd.factorize(frame["client_id"], use_na_sentinel=True)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        out[table] = {str(uniques[i]): order[bounds[i]:bounds[i + 1]]
                      for i in range(len(uniques))}
    return out


def iter_clients(tables: Mapping[str, pd.DataFrame]) -> Iterator[Client]:
    """Build the clients of the tables one by one, in the order of the clients table.

    Raises
    ------
    ValidationError
        At the first client with a problem (see :func:`clients_from_tables` for all at once).
    """
    tables = normalize_tables(tables)
    by_client = _client_rows(tables)
    _check_orphans(tables, by_client, [])
    for client_row, cid in enumerate(tables["clients"]["client_id"].tolist()):
        client, problems = _build(tables, by_client, client_row, cid)
        if problems:
            raise ValidationError(problems)
        yield client


def _build(tables: Mapping[str, pd.DataFrame], by_client: Mapping[str, Any], client_row: int,
           cid: Any) -> tuple[Client | None, list[Problem]]:
    rows = {table: by_client[table].get(cid, np.zeros(0, dtype=int)) for table in TABLE_NAMES
            if table != "clients"}
    record, origin = _client_record(tables, rows, client_row)
    problems: list[Problem] = list(origin.pop("problems"))
    try:
        client = Client.from_dict(record)
    except ValidationError as error:
        client = None
        problems += [_table_problem(p, tables, client_row, origin, record)
                     for p in error.problems]
    return (None, problems) if problems else (client, [])


def _check_orphans(tables: Mapping[str, pd.DataFrame], by_client: Mapping[str, Any],
                   problems: list[Problem]) -> None:
    clients = tables["clients"]["client_id"]
    known = set(clients.dropna().tolist())
    if clients.isna().any():
        problems.append(Problem(_describe_row("clients", tables["clients"], int(
            np.flatnonzero(clients.isna().to_numpy())[0])), "client_id", "is required"))
    for positions in by_client["clients"].values():
        if len(positions) > 1:
            problems.append(Problem(_describe_row("clients", tables["clients"],
                                                  int(positions[1])), "client_id",
                                    "appears twice (its key must be unique)"))
    for table in TABLE_NAMES[1:]:
        for cid, positions in by_client[table].items():
            if cid not in known:
                problems.append(Problem(_describe_row(table, tables[table], int(positions[0])),
                                        "client_id", "is not in the clients table"))
        missing = tables[table]["client_id"].isna().to_numpy()
        if missing.any():
            problems.append(Problem(_describe_row(table, tables[table],
                                                  int(np.flatnonzero(missing)[0])),
                                    "client_id", "is required"))
    if problems:
        raise ValidationError(problems)


def clients_from_tables(tables: Mapping[str, pd.DataFrame]) -> list[Client]:
    """Build and validate every client of the tables (:meth:`Client.from_dict`).

    Parameters
    ----------
    tables : dict of str to DataFrame
        The tables of :data:`SCHEMA` (missing ones count as empty).

    Returns
    -------
    list of Client
        In the order of the clients table.

    Raises
    ------
    ValidationError
        Every problem of every client at once, each named by table, row (counting from 1
        after the header) and column, e.g. ``ratings table, row 12 (client C-1, session 3,
        person p2): ring: must be 1..3 for this client, got 5``.
    """
    tables = normalize_tables(tables)
    by_client = _client_rows(tables)
    _check_orphans(tables, by_client, [])
    clients, problems = [], []
    for client_row, cid in enumerate(tables["clients"]["client_id"].tolist()):
        client, found = _build(tables, by_client, client_row, cid)
        problems += found
        if client is not None:
            clients.append(client)
    if problems:
        raise ValidationError(problems)
    return clients


# --- Files ----------------------------------------------------------------------------------


def _atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Write ``path`` through a temporary file in the same folder and :func:`os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        with open(temporary, "rb+") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise SaveError(f"could not write {path.name}: {error.strerror or error}") from None
        raise
    return path


def _spreadsheet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells neutralised against formula injection; other columns untouched."""
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.StringDtype):
            out[name] = out[name].map(_neutralise, na_action="ignore").astype("string")
    return out


def _tables_for_writing(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return normalize_tables(tables)


def write_csv(tables: Mapping[str, pd.DataFrame], folder: str | os.PathLike[str], *,
              raw: bool = False) -> list[Path]:
    """Write the tables as ``<folder>/<table>.csv`` with ``data_dictionary.csv``.

    UTF-8, comma-separated, a header row, an empty cell for a missing value, ``true`` and
    ``false`` for booleans. Text cells that a spreadsheet would run as a formula (starting
    with ``= + - @``, a tab or a carriage return) get a leading ``'``, removed again by
    :func:`read_csv`; numbers, negative ones included, are written as numbers.

    Parameters
    ----------
    tables : dict of str to DataFrame
    folder : path
    raw : bool
        Write every cell exactly as typed, without the leading ``'``. **Spreadsheet
        formulas will then run**: a text cell such as ``=HYPERLINK(...)`` becomes a live
        formula when the file is opened in Excel, LibreOffice or Google Sheets. Only for
        files that go straight to statistics software, never to a spreadsheet. Text that
        starts with ``'`` then ``= + - @`` does not survive :func:`read_csv` unchanged.

    Returns
    -------
    list of Path
        The files written.
    """
    tables = _tables_for_writing(tables)
    target = Path(folder)
    written = []
    for table, frame in tables.items():
        ready = frame.copy() if raw else _spreadsheet_ready(frame)
        for name in ready.columns:
            if str(ready[name].dtype) == "boolean":
                ready[name] = ready[name].map({True: "true", False: "false"},
                                              na_action="ignore")
        written.append(_atomic(target / f"{table}.csv",
                               lambda path, ready=ready: _write_csv_file(ready, path)))
    dictionary = data_dictionary(tables)
    written.append(_atomic(target / "data_dictionary.csv", lambda path: dictionary.to_csv(
        path, index=False, encoding="utf-8", lineterminator="\n")))
    return written


def _write_csv_file(frame: pd.DataFrame, path: Path) -> None:
    """One table as CSV with ``\\n`` line ends, every cell holding a line break quoted.

    Python's csv writer (3.11) quotes a cell holding ``\\r`` only when ``\\r`` is part of
    the line terminator; unquoted, a reader takes it for the end of the row. Tables with such
    a cell are written with ``\\r\\n`` (so those cells are quoted), then the row ends outside
    the quotes go back to ``\\n``: in a CSV written this way, ``"`` only opens, closes or
    doubles inside quoted cells, so every other piece of the text split on ``"`` is outside.
    """
    text_columns = [name for name in frame.columns if isinstance(frame[name].dtype,
                                                                  pd.StringDtype)]
    if not any(frame[name].str.contains("\r", regex=False).any() for name in text_columns):
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        return
    pieces = frame.to_csv(index=False, lineterminator="\r\n").split('"')
    pieces[::2] = [piece.replace("\r\n", "\n") for piece in pieces[::2]]
    path.write_text('"'.join(pieces), encoding="utf-8", newline="")


def read_csv(folder: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Read tables written by :func:`write_csv` (or made by hand in the same layout).

    Missing table files count as empty tables. Raises :class:`ValidationError` naming table,
    row and column for cells that do not fit the schema.
    """
    source = Path(folder)
    raw = {}
    for table in TABLE_NAMES:
        path = source / f"{table}.csv"
        if path.exists():
            try:
                raw[table] = pd.read_csv(path, dtype=str, keep_default_na=False,
                                         na_values=[""], encoding="utf-8")
            except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError,
                    ValueError):
                raise ValidationError([Problem(f"{table}.csv", "", "is not a readable CSV "
                                               "table (UTF-8, comma-separated)")],
                                      str(source)) from None
    return normalize_tables(raw, restore=True, source=str(source))


def _read_parquet_file(path: Path, source: str) -> pd.DataFrame:
    """One Parquet file as a DataFrame; a damaged file is a ValidationError naming it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError, UnicodeDecodeError, ValueError):
        raise ValidationError([Problem(f"{path.parent.name}/{path.name}", "",
                                       "is not a readable Parquet file")], source) from None


def write_excel(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike[str], *,
                raw: bool = False) -> Path:
    """Write the tables to one Excel workbook: a sheet per table and a ``data_dictionary`` sheet.

    Needs openpyxl (the ``excel`` extra). Every text cell is stored as a string, never as a
    formula or an error value (``#N/A`` stays the text ``#N/A``), and text that Excel would
    run as a formula (starting with ``= + - @``, a tab or a carriage return) gets a leading
    ``'``, removed by :func:`read_excel`. Characters XML cannot carry (a carriage return,
    control characters) are written as OOXML escapes (``_x000D_``), as Excel writes them, and
    decoded by :func:`read_excel`. Numbers stay numbers.

    Parameters
    ----------
    tables : dict of str to DataFrame
    path : path
    raw : bool
        Write every cell as typed, without the leading ``'`` and letting openpyxl decide
        the cell type. **Spreadsheet formulas will then run**: text starting with ``=``
        is stored as a formula that Excel computes when the workbook is opened, and text
        such as ``#N/A`` as an error value. Only for workbooks of data you trust.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from .excel import _encode

    tables = _tables_for_writing(tables)
    workbook = Workbook(write_only=True)
    sheets = {**tables, "data_dictionary": data_dictionary(tables)}

    def cell(sheet: Any, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if raw:
            return _encode(value)
        text = WriteOnlyCell(sheet, value=_encode(value))
        text.data_type = "s"  # openpyxl would store "=..." as a formula, "#N/A" as an error
        return text

    for name, frame in sheets.items():
        sheet = workbook.create_sheet(name)
        ready = frame if raw else _spreadsheet_ready(frame)
        sheet.append(list(ready.columns))
        columns = [[_plain(v) for v in ready[name].tolist()] for name in ready.columns]
        for row in zip(*columns, strict=True):
            sheet.append([cell(sheet, value) for value in row])
    return _atomic(Path(path), lambda temporary: workbook.save(temporary))


def read_excel(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Read a workbook written by :func:`write_excel` (sheets named after the tables).

    The workbook is checked before it is opened
    (:func:`ipt_graph.io.excel.check_workbook`: size, parts, inflated size and ratio) and
    parsed through defusedxml; reading is refused without it.

    Raises
    ------
    CaseFileError
        The file is too large, not a workbook, or declares XML entities.
    ImportError
        openpyxl would parse without defusedxml (``openpyxl.DEFUSEDXML`` is False).
    ValidationError
        Cells that do not fit the schema, named by table, row and column.
    """
    from .excel import _decode, _read_sheets

    sheets = _read_sheets(Path(path))
    raw = {}
    for table in TABLE_NAMES:
        if table not in sheets:
            continue
        rows = iter(sheets[table])
        header = next(rows, None) or ()
        while header and header[-1] is None:
            header = header[:-1]
        width = len(header)
        values = [tuple(_decode(v) if isinstance(v, str) else v for v in row[:width])
                  + (None,) * (width - len(row)) for row in rows
                  if any(v is not None for v in row[:width])]
        raw[table] = pd.DataFrame(values, columns=[_decode(h) if isinstance(h, str) else h
                                                   for h in header], dtype=object)
    return normalize_tables(raw, restore=True, source=Path(path).name)


# --- Parquet --------------------------------------------------------------------------------

_PARTS_FILE = "_parts.csv"


def _part_name(index: int) -> str:
    return f"part-{index:04d}.parquet"


def write_parquet(tables: Mapping[str, pd.DataFrame], folder: str | os.PathLike[str],
                  rows_per_file: int = 500_000) -> list[Path]:
    """Write the tables as Parquet, a few files per table, aligned by client.

    Every table is sorted by ``client_id`` and cut at the same client boundaries:
    ``<folder>/<table>/part-0000.parquet`` holds the rows of the same clients in every table
    (files of a table without rows for those clients are written empty, with the schema).
    ``_parts.csv`` lists each part with its first and last client, and
    ``data_dictionary.csv`` describes the columns. Part files left by an earlier write are
    removed.

    Parameters
    ----------
    tables : dict of str to DataFrame
    folder : path
    rows_per_file : int
        Aim for about this many rows per part, summed over the tables (a client is never
        split across parts).

    Returns
    -------
    list of Path
        The files written.
    """
    if rows_per_file < 1:
        raise ValueError(f"rows_per_file must be 1 or more, got {rows_per_file}")
    tables = _tables_for_writing(tables)
    ids = pd.Index(pd.unique(pd.concat([frame["client_id"] for frame in tables.values()],
                                       ignore_index=True).dropna())).sort_values()
    codes = {table: ids.get_indexer(frame["client_id"]) for table, frame in tables.items()}
    weight = np.zeros(len(ids), dtype=np.int64)
    for table_codes in codes.values():
        weight += np.bincount(table_codes[table_codes >= 0], minlength=len(ids))
    before = np.cumsum(weight) - weight
    _, part_of_client = np.unique(before // rows_per_file, return_inverse=True)
    n_parts = int(part_of_client.max()) + 1 if len(ids) else 1
    ordered = {}
    for table, frame in tables.items():
        order = np.argsort(codes[table], kind="stable")
        part_of_row = part_of_client[codes[table][order]] if len(order) else np.zeros(0, int)
        ordered[table] = (frame.iloc[order].reset_index(drop=True),
                          np.searchsorted(part_of_row, np.arange(n_parts + 1)))

    def chunks() -> Iterator[dict[str, pd.DataFrame]]:
        for index in range(n_parts):
            yield {table: frame.iloc[bounds[index]:bounds[index + 1]]
                   for table, (frame, bounds) in ordered.items()}

    return _write_parts(chunks(), Path(folder), normalised=True)


def write_parquet_parts(chunks: Iterable[Mapping[str, pd.DataFrame]],
                        folder: str | os.PathLike[str]) -> list[Path]:
    """Write each chunk of tables as one aligned Parquet part (see :func:`write_parquet`).

    For cohorts too large to hold at once: each chunk holds whole clients, and every client
    of a chunk sorts after every client of the chunks before it (as consecutive ranges of
    zero-padded ids do), so the parts stay sorted and aligned.

    Raises
    ------
    ValueError
        A chunk whose clients do not all sort after the previous chunk's.
    """
    return _write_parts(iter(chunks), Path(folder), normalised=False)


def _write_parts(chunks: Iterator[Mapping[str, pd.DataFrame]], target: Path,
                 normalised: bool) -> list[Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    written: list[Path] = []
    listing: list[dict[str, Any]] = []
    schemas: dict[str, Any] = {}
    dictionary = None
    for index, chunk in enumerate(chunks):
        if not normalised:
            chunk = {table: frame.sort_values("client_id", kind="stable")
                     for table, frame in _tables_for_writing(chunk).items()}
        ids = chunk["clients"]["client_id"].dropna()
        every = pd.concat([frame["client_id"] for frame in chunk.values()]).dropna()
        first = every.min() if len(every) else None
        last = every.max() if len(every) else None
        if listing and first is not None and listing[-1]["last_client"] is not None \
                and not first > listing[-1]["last_client"]:
            raise ValueError(f"part {index}: its clients must all sort after those of part "
                             f"{index - 1} (each chunk a later range of client ids)")
        for table, frame in chunk.items():
            schema = schemas.setdefault(table, pa.Schema.from_pandas(frame.iloc[:0],
                                                                     preserve_index=False))
            arrow = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
            written.append(_atomic(target / table / _part_name(index),
                                   lambda path, arrow=arrow: pq.write_table(arrow, path)))
        listing.append({"part": _part_name(index), "first_client": first,
                        "last_client": last, "n_clients": int(ids.nunique())})
        if dictionary is None:
            dictionary = data_dictionary(chunk)
    if not listing:  # nothing to write: one empty part keeps the layout readable
        return _write_parts(iter([empty_tables()]), target, normalised=True)
    for table in TABLE_NAMES:
        for stale in (target / table).glob("part-*.parquet"):
            if stale not in written:
                stale.unlink()
    parts = pd.DataFrame(listing).astype({"part": "string", "first_client": "string",
                                          "last_client": "string", "n_clients": "int64"})
    written.append(_atomic(target / _PARTS_FILE, lambda path: parts.to_csv(
        path, index=False, lineterminator="\n")))
    written.append(_atomic(target / "data_dictionary.csv", lambda path: dictionary.to_csv(
        path, index=False, encoding="utf-8", lineterminator="\n")))
    return written


def parquet_parts(folder: str | os.PathLike[str]) -> list[str]:
    """The part names of a Parquet folder written by :func:`write_parquet`, in order."""
    source = Path(folder)
    listed = source / _PARTS_FILE
    if listed.exists():
        try:
            return pd.read_csv(listed, dtype=str)["part"].tolist()
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError,
                ValueError, KeyError):
            raise ValidationError([Problem(_PARTS_FILE, "", "is not a readable list of parts "
                                           "(a CSV with a 'part' column)")],
                                  source.name) from None
    return sorted({path.name for table in TABLE_NAMES
                   for path in (source / table).glob("part-*.parquet")})


def read_parquet_part(folder: str | os.PathLike[str], part: str | int
                      ) -> dict[str, pd.DataFrame]:
    """The tables of one aligned part (the same clients in every table)."""
    source = Path(folder)
    name = _part_name(part) if isinstance(part, int) else part
    raw = {}
    for table in TABLE_NAMES:
        path = source / table / name
        if path.exists():
            raw[table] = _read_parquet_file(path, source.name)
    return normalize_tables(raw, source=f"{source.name}/{name}")


def read_parquet(folder: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Read every part of a Parquet folder written by :func:`write_parquet` into tables."""
    source = Path(folder)
    raw = {}
    for table in TABLE_NAMES:
        paths = sorted((source / table).glob("part-*.parquet"))
        if paths:
            frames = [_read_parquet_file(path, source.name) for path in paths]
            raw[table] = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return normalize_tables(raw, source=source.name)


def read_tables(source: str | os.PathLike[str] | Mapping[str, pd.DataFrame]
                ) -> dict[str, pd.DataFrame]:
    """Tables from a dict, a CSV folder, a Parquet folder or an Excel workbook."""
    if isinstance(source, Mapping):
        return normalize_tables(source)
    path = Path(source)
    if path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_excel(path)
    if path.is_dir():
        if any((path / table).is_dir() for table in TABLE_NAMES):
            return read_parquet(path)
        if any((path / f"{table}.csv").exists() for table in TABLE_NAMES):
            return read_csv(path)
    raise FileNotFoundError(f"{path.name}: not a folder of tables (CSV or Parquet) or an "
                            f"Excel workbook")
