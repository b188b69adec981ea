"""Privacy: every field classified, de-identified exports, k-anonymity (DOMAIN.md §8).

A case file is protected health information about a client *and* about the people in the
client's life, who never consented. HIPAA's Safe Harbor method (45 CFR 164.514(b)(2)) lists 18
identifiers that cover the client and their relatives, employers and household members: names,
dates more precise than the year, ages over 89, places smaller than a state, contact details,
record numbers and any other unique code. This module makes that concrete.

**Field classes.** :data:`FIELD_CLASSES` gives every field of every record of
:mod:`ipt_graph.model` one :class:`FieldClass`: an ``identifier`` (ids, replaced by
pseudonyms), ``free_text`` (labels, notes, the text rating fields, a transition's old and new
role, ring labels and every extra person attribute: dropped), a ``date`` (coarsened), a
``quasi_identifier`` (kept, and counted by :func:`k_anonymity`) or ``safe`` (ratings, scores,
session numbers). :func:`field_class` looks one up; :func:`column_class` does the same for the
columns of the tidy tables (:data:`ipt_graph.io.tables.SCHEMA`). A test fails when a model
field or a table column has no class, so a new field forces a decision, and de-identification
drops any column it cannot classify.

**De-identification.** :func:`deidentify` turns clients, a cohort or tidy tables into a
:class:`Deidentified` set of tables that every export format can write
(:meth:`Deidentified.write`: CSV, Excel, Parquet, JSON, GraphML, egor):

- ids become pseudonyms from a keyed hash (HMAC-SHA256): ``C-`` and 16 hex digits for a
  client, ``P-`` and 12 for a person, ``E-`` and 12 for a life event. The same key gives the
  same pseudonyms in every export (so exports can be linked); without the key they cannot be
  reversed or recomputed. People and events are keyed per client, so the same person id in two
  clients gets two pseudonyms. The key is 32 random bytes kept in a file
  (:func:`new_key_file`) away from the exports: writing an export into the folder that holds
  the key file is refused.
- every free-text column is dropped (labels, notes, expectations, satisfying, unsatisfying,
  desired change, old and new role, ring labels, person attributes); the ratings keep the
  ``has_<field>`` flags that say a text was observed, never the text;
- dates become the year (``dates="year"``, the Safe Harbor default) or the number of days
  since the client's first session (``dates="days"``: derived from dates, so it is **not**
  Safe Harbor de-identified; sharing it needs a limited data set agreement or an expert
  determination). Approximate dates (``2024`` or ``2024-05``) count from the first day they
  can mean, with a ``date_precision`` column;
- the age band over 89 is written ``90+``;
- nothing else of the source travels: no file name, no Network Canvas case id (the importers
  keep those in ``ImportReport.case_ids``, which is never exported), no row order (rows are
  sorted by pseudonym).

**k-anonymity.** The shape of a network can identify a client even without names (the only
client with 30 people, a deceased mother and grief as the problem area). :func:`k_anonymity`
computes, per client, the quasi-identifiers of DOMAIN.md §8 — network size band, people per
sector band, any deceased person, primary problem area — and the smallest group of clients
sharing them (*k*). Below the threshold it coarsens along :data:`COARSENING_STEPS`, one step
at a time, and suppresses the clients still in groups smaller than *k* last, reporting what
was coarsened and how many clients were suppressed (by pseudonym).

What this does not do: it does not make the detailed tables k-anonymous (every person row is
still there; k-anonymity holds for the per-client quasi-identifier table of the report), it
does not look inside free text (it drops it), and days since the first session are dates in
disguise. See also :mod:`ipt_graph.io.encryption` for files at rest.

References
----------
45 CFR 164.514(b)(2), the Safe Harbor method. Sweeney L. (2002), k-anonymity: a model for
protecting privacy, *Int. J. Uncertainty, Fuzziness and Knowledge-Based Systems* 10(5).
"""

from __future__ import annotations

import contextlib
import csv
import enum
import hashlib
import hmac
import io
import json
import math
import os
import secrets
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import vocab
from .errors import IptGraphError, NotFoundError, SaveError
from .model import (
    TEXT_RATING_FIELDS,
    Client,
    LifeEvent,
    Measure,
    Person,
    ProblemArea,
    Rating,
    Removal,
    Session,
    Tie,
)

__all__ = [
    "COARSENING_STEPS",
    "DATE_MODES",
    "EXPORT_FORMATS",
    "FIELD_CLASSES",
    "KEY_BYTES",
    "MIN_KEY_BYTES",
    "QUASI_IDENTIFIERS",
    "RECORD_TYPES",
    "Deidentified",
    "FieldClass",
    "KAnonymityReport",
    "column_class",
    "deidentify",
    "field_class",
    "k_anonymity",
    "new_key_file",
    "read_key",
]


# --- Field classes -------------------------------------------------------------------------------


class FieldClass(enum.StrEnum):
    """What a field is, for privacy (DOMAIN.md §8).

    ``identifier``: an id; pseudonymised. ``free_text``: text a person typed; dropped.
    ``date``: coarsened to the year (or days since the first session). ``quasi_identifier``:
    kept, and counted by :func:`k_anonymity`. ``safe``: kept as it is.
    """

    identifier = "identifier"
    free_text = "free_text"
    date = "date"
    quasi_identifier = "quasi_identifier"
    safe = "safe"


_I, _T, _D, _Q, _S = (FieldClass.identifier, FieldClass.free_text, FieldClass.date,
                      FieldClass.quasi_identifier, FieldClass.safe)

#: The record types of :mod:`ipt_graph.model`, by the name :data:`FIELD_CLASSES` uses.
RECORD_TYPES: dict[str, type] = {
    "client": Client, "person": Person, "session": Session, "measure": Measure,
    "rating": Rating, "removal": Removal, "tie": Tie, "event": LifeEvent,
    "problem_area": ProblemArea,
}

#: The class of every field of every record. Lists of records (a client's ``people``...) are
#: ``safe`` containers: their records are classified under their own type.
FIELD_CLASSES: dict[str, dict[str, FieldClass]] = {
    "client": {
        "client_id": _I, "label": _T, "rings": _S, "ring_labels": _T, "planned_sessions": _S,
        "onset_date": _D, "notes": _T, "people": _S, "sessions": _S, "ratings": _S,
        "removals": _S, "ties": _S, "events": _S, "problem_areas": _S,
    },
    "person": {
        "person_id": _I, "label": _T, "role": _Q, "sector": _Q, "gender": _Q, "age_band": _Q,
        "attributes": _T,
    },
    "session": {
        "number": _S, "date": _D, "phase": _S, "attended": _S, "complete": _S,
        "measures": _S, "notes": _T,
    },
    "measure": {"total": _S, "items": _S},
    "rating": {
        "session": _S, "person_id": _I, "ring": _S, "support": _S, "conflict": _S,
        "status": _Q, "contact": _S, "confidant": _S, "desired_ring": _S,
        "expectations_met": _S, "dispute_stage": _S, "expectations": _T, "satisfying": _T,
        "unsatisfying": _T, "desired_change": _T, "notes": _T,
    },
    "removal": {"session": _S, "person_id": _I},
    "tie": {"session": _S, "a": _I, "b": _I, "kind": _S, "weight": _S, "ended": _S},
    "event": {
        "event_id": _I, "date": _D, "kind": _S, "people": _I, "problem_area": _Q,
        "onset": _S, "notes": _T,
    },
    "problem_area": {
        "area": _Q, "primary": _S, "focus": _I, "old_role": _T, "new_role": _T, "date": _D,
        "notes": _T,
    },
}


def field_class(record: str | type | Any, field_name: str) -> FieldClass:
    """The privacy class of a field of a record.

    Parameters
    ----------
    record : str, record type or record
        ``"person"``, :class:`~ipt_graph.model.Person` or a person (any key of
        :data:`RECORD_TYPES`).
    field_name : str
        The field; ``"attributes.<name>"`` for a person's extra attribute, which is always
        free text.

    Raises
    ------
    NotFoundError
        An unknown record type or field.

    Examples
    --------
    >>> field_class("person", "label"), field_class("person", "attributes.hobby")
    (<FieldClass.free_text: 'free_text'>, <FieldClass.free_text: 'free_text'>)
    >>> field_class("rating", "support")
    <FieldClass.safe: 'safe'>
    """
    name = _record_name(record)
    if name == "person" and field_name.startswith("attributes."):
        return FieldClass.free_text  # extra attributes default to free text (DOMAIN.md §8)
    try:
        return FIELD_CLASSES[name][field_name]
    except KeyError:
        raise NotFoundError(f"{name} records have no field {field_name!r}; fields: "
                            + ", ".join(FIELD_CLASSES[name])) from None


def _record_name(record: str | type | Any) -> str:
    if isinstance(record, str):
        if record in FIELD_CLASSES:
            return record
    else:
        kind = record if isinstance(record, type) else type(record)
        for name, record_type in RECORD_TYPES.items():
            if issubclass(kind, record_type):
                return name
    raise NotFoundError("unknown record type; known: " + ", ".join(FIELD_CLASSES))


#: Each tidy table and the record type its rows are.
_TABLE_RECORD = {
    "clients": "client", "people": "person", "sessions": "session", "ratings": "rating",
    "ties": "tie", "measures": "measure", "events": "event", "problem_areas": "problem_area",
}
#: Table columns that are not a field of the table's record type (or are named otherwise).
_COLUMN_CLASSES: dict[tuple[str, str], FieldClass] = {
    **{(table, "client_id"): _I for table in _TABLE_RECORD},
    **{("clients", f"ring_label_{k}"): _T for k in range(1, vocab.MAX_RINGS + 1)},
    ("clients", "primary_problem_area"): _Q,
    ("people", "sector_set"): _S, ("people", "sni_role"): _Q,
    ("sessions", "session"): _S,
    ("ratings", "event"): _S,
    **{("ratings", f"has_{name}"): _S for name in TEXT_RATING_FIELDS},
    ("ties", "event"): _S,
    ("measures", "session"): _S, ("measures", "instrument"): _S, ("measures", "item"): _S,
    ("measures", "value"): _S,
}


def column_class(table: str, column: str) -> FieldClass:
    """The privacy class of a column of a tidy table (:data:`ipt_graph.io.tables.SCHEMA`).

    Raises
    ------
    NotFoundError
        A table or column that has no class (de-identification drops such columns).

    Examples
    --------
    >>> column_class("people", "attributes"), column_class("sessions", "date")
    (<FieldClass.free_text: 'free_text'>, <FieldClass.date: 'date'>)
    """
    if (table, column) in _COLUMN_CLASSES:
        return _COLUMN_CLASSES[(table, column)]
    record = _TABLE_RECORD.get(table)
    if record is not None and column in FIELD_CLASSES[record]:
        return FIELD_CLASSES[record][column]
    raise NotFoundError(f"column {column!r} of table {table!r} has no privacy class")


# --- Keys ----------------------------------------------------------------------------------------

#: Length of a key made by :func:`new_key_file`.
KEY_BYTES = 32
#: Shorter keys are refused (a short key can be guessed, and every pseudonym with it).
MIN_KEY_BYTES = 16
_MAX_KEY_FILE = 4096


def new_key_file(path: str | os.PathLike[str]) -> Path:
    """Write a new pseudonymisation key: 32 random bytes as hex, readable by the owner only.

    Keep the file away from the exports (another folder, better another machine): with the
    key, anyone can recompute every pseudonym from the real ids. Without it, the pseudonyms
    of earlier exports can never be made again, so back it up like the case files.

    Parameters
    ----------
    path : path
        The key file to create. An existing file is never overwritten.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileExistsError
        ``path`` exists (replacing a key would silently change every pseudonym).
    """
    path = Path(path)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path


def read_key(key: bytes | str | os.PathLike[str]) -> bytes:
    """The key bytes: ``key`` itself (bytes) or read from a key file (a path).

    A key file holds hex (as :func:`new_key_file` writes, or ``openssl rand -hex 32``) or raw
    bytes. A ``str`` is a path, never a passphrase.

    Raises
    ------
    ValueError
        The key is shorter than :data:`MIN_KEY_BYTES`, or the key file is too large to be one.
    OSError
        The key file cannot be read.
    """
    if isinstance(key, bytes | bytearray | memoryview):
        raw = bytes(key)
    elif isinstance(key, str | os.PathLike):
        with open(key, "rb") as handle:
            raw = handle.read(_MAX_KEY_FILE + 1)
        if len(raw) > _MAX_KEY_FILE:
            raise ValueError("the key file is larger than a key: give the file that "
                             "new_key_file wrote")
        text = raw.strip()
        with contextlib.suppress(UnicodeDecodeError, ValueError):  # else raw bytes
            raw = bytes.fromhex(text.decode("ascii")) if text else b""
    else:
        raise TypeError("key must be bytes or the path of a key file")
    if len(raw) < MIN_KEY_BYTES:
        raise ValueError(f"the key must be at least {MIN_KEY_BYTES} bytes, got {len(raw)}: "
                         "make one with new_key_file (ipt-graph key -o FILE)")
    return raw


class _Pseudonyms:
    """Keyed pseudonyms (HMAC-SHA256), checked to be unique among the ids of one export."""

    def __init__(self, key: bytes):
        self._key = key
        #: (kind, client for people and events, pseudonym) -> the ids it was made from
        self._seen: dict[tuple[str, str, str], tuple[str, ...]] = {}

    def _make(self, kind: str, prefix: str, digits: int, *parts: str) -> str:
        message = "\x1f".join((kind, *parts)).encode("utf-8")  # ids cannot hold \x1f
        code = prefix + hmac.new(self._key, message, hashlib.sha256).hexdigest()[:digits]
        scope = parts[0] if len(parts) > 1 else ""
        earlier = self._seen.setdefault((kind, scope, code), parts)
        if earlier != parts:  # two ids, one pseudonym: astronomically unlikely, never silent
            raise IptGraphError(f"two {kind} ids got the same pseudonym {code}; "
                                "de-identify with another key")
        return code

    def client(self, client_id: str) -> str:
        return self._make("client", "C-", 16, client_id)

    def person(self, client_id: str, person_id: str) -> str:
        return self._make("person", "P-", 12, client_id, person_id)

    def event(self, client_id: str, event_id: str) -> str:
        return self._make("event", "E-", 12, client_id, event_id)

    def __repr__(self) -> str:  # the key never shows
        return "_Pseudonyms(<key>)"


# --- De-identification ---------------------------------------------------------------------------

#: ``dates=`` values of :func:`deidentify`.
DATE_MODES = ("year", "days")
#: Formats :meth:`Deidentified.write` writes.
EXPORT_FORMATS = ("csv", "excel", "parquet", "json", "graphml", "egor")
_AGE_OVER_89 = "90+"
#: Date columns of the tidy tables and the prefix of the columns that replace them.
_DATE_COLUMNS = {("clients", "onset_date"): "onset_", ("sessions", "date"): "",
                 ("events", "date"): "", ("problem_areas", "date"): ""}
_SORT_KEYS = {
    "clients": ["client_id"], "people": ["client_id", "person_id"],
    "sessions": ["client_id", "session"], "ratings": ["client_id", "session", "person_id"],
    "ties": ["client_id", "session", "a", "b", "kind"],
    "measures": ["client_id", "session", "instrument", "item"],
    "events": ["client_id", "event_id"], "problem_areas": ["client_id", "area"],
}


def _time_columns(prefix: str, dates: str, approximate: bool) -> list[str]:
    if dates == "year":
        return [f"{prefix}year"]
    columns = [f"{prefix}days_since_first_session"]
    if approximate:
        columns.append(f"{prefix}date_precision")
    return columns


def _every_time_column() -> set[str]:
    names = set()
    for (table, _), prefix in _DATE_COLUMNS.items():
        for dates in DATE_MODES:
            names.update(_time_columns(prefix, dates, table != "sessions"))
    return names


_TIME_COLUMNS = _every_time_column()


def deidentify(data: Any, key: bytes | str | os.PathLike[str], *,
               dates: str = "year") -> Deidentified:
    """De-identified tables of clients, a cohort or tidy tables, ready for every export.

    Parameters
    ----------
    data : Client, iterable of Client, Cohort, ImportResult or dict of DataFrame
        What to de-identify. Tidy tables follow :data:`ipt_graph.io.tables.SCHEMA`.
    key : bytes or path
        The pseudonymisation key (at least 16 bytes), or the path of a key file
        (:func:`new_key_file`). Keep it away from the exports.
    dates : {"year", "days"}
        ``"year"`` (Safe Harbor): every date becomes its year. ``"days"``: days since the
        client's first session (negative before it); derived from dates, so not Safe Harbor
        de-identified: it needs a limited data set agreement or an expert determination.

    Returns
    -------
    Deidentified
        The tables without free text, with pseudonyms and coarse dates.

    Raises
    ------
    ValueError
        ``dates`` is not year or days, or the key is too short.
    ValidationError
        Tables that do not fit the tidy schema.

    Examples
    --------
    >>> import ipt_graph as ig
    >>> client = ig.Client("C-014")
    >>> _ = client.add_person("p1", label="Partner (A.)", role="partner")
    >>> _ = client.add_session(1, date="2026-01-05")
    >>> _ = client.rate(1, "p1", ring=1, support=4, conflict=5, notes="argued about work")
    >>> data = deidentify(client, key=b"0123456789abcdef0123456789abcdef")
    >>> data.tables["sessions"][["session", "year"]]
       session  year
    0        1  2026
    >>> data.tables["people"]["person_id"].tolist()[0].startswith("P-")
    True
    """
    if dates not in DATE_MODES:
        raise ValueError(f"dates must be 'year' or 'days', got {dates!r}")
    pseudonyms = _Pseudonyms(read_key(key))
    key_path = None if isinstance(key, bytes | bytearray | memoryview) else Path(key)
    tables = _source_tables(data)
    out = _deidentify_tables(tables, pseudonyms, dates)
    return Deidentified(out, dates, key_path)


def _source_tables(data: Any) -> dict[str, pd.DataFrame]:
    from .io.tables import normalize_tables, tables_from_clients

    if isinstance(data, Deidentified):
        raise TypeError("these tables are de-identified already")
    if isinstance(data, Client):
        return tables_from_clients([data])
    if isinstance(data, Mapping):
        return normalize_tables(data)
    tables = getattr(data, "tables", None)
    if isinstance(tables, Mapping):  # a Cohort
        return normalize_tables(tables)
    clients = getattr(data, "clients", None)
    if isinstance(clients, list):  # an ImportResult: its report (and case ids) stay behind
        data = clients
    if isinstance(data, str | bytes | os.PathLike):
        raise TypeError("give clients, a cohort or tables: load case files first "
                        "(ipt_graph.load, Cohort.from_folder)")
    clients = list(data)
    if not all(isinstance(client, Client) for client in clients):
        raise TypeError("data must be a Client, clients, a Cohort or a dict of tables")
    return tables_from_clients(clients)


def _text(values: pd.Series) -> list[Any]:
    return [None if value is None or value is pd.NA or (isinstance(value, float) and
                                                        math.isnan(value)) else str(value)
            for value in values.astype(object).tolist()]


def _dates(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Year, first day and precision of ISO dates (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``)."""
    text = pd.Series(_text(values), dtype="string").str.strip()
    length = text.str.len()
    full = text.where(length == 10, text.where(length != 7, text + "-01"))
    full = full.where(length != 4, text + "-01-01")
    valid = text.str.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?").fillna(False).astype(bool)
    first = pd.to_datetime(full.where(valid), format="%Y-%m-%d", errors="coerce")
    year = pd.array(first.dt.year, dtype="Int64")
    precision = pd.Series(pd.array([None] * len(text), dtype="string"))
    ok = first.notna().to_numpy()
    lengths = length.fillna(0).to_numpy()
    precision[ok & (lengths == 4)] = "year"
    precision[ok & (lengths == 7)] = "month"
    precision[ok & (lengths == 10)] = "day"
    return pd.Series(year), first, precision


def _deidentify_tables(tables: Mapping[str, pd.DataFrame], pseudonyms: _Pseudonyms,
                       dates: str) -> dict[str, pd.DataFrame]:
    sessions = tables["sessions"]
    _, session_days, _ = _dates(sessions["date"])
    first = pd.Series(session_days.to_numpy(), index=pd.Index(_text(sessions["client_id"]))
                      ).groupby(level=0).min()
    out: dict[str, pd.DataFrame] = {}
    for table, frame in tables.items():
        frame = frame.reset_index(drop=True)
        clients = _text(frame["client_id"]) if "client_id" in frame.columns else []
        columns: dict[str, Any] = {}
        for column in frame.columns:
            try:
                kind = column_class(table, column)
            except NotFoundError:
                continue  # never export what nobody classified
            values = frame[column]
            if kind is FieldClass.free_text:
                continue
            if kind is FieldClass.date:
                prefix = _DATE_COLUMNS.get((table, column))
                if prefix is None:
                    continue
                columns.update(_coarse_dates(values, clients, first, prefix, dates,
                                             approximate=table != "sessions"))
            elif kind is FieldClass.identifier:
                mapped = _pseudonymise(table, column, values, clients, pseudonyms)
                if mapped is not None:
                    columns[column] = pd.array(mapped, dtype="string")
            elif column == "age_band":
                columns[column] = values.astype("string").replace(
                    str(vocab.AgeBand.age_90_plus), _AGE_OVER_89)
            else:
                columns[column] = values
        result = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
        if table == "ties" and len(result):  # a pair is written with a < b
            swap = (result["a"] > result["b"]).fillna(False).to_numpy(dtype=bool)
            a, b = result["a"].copy(), result["b"].copy()
            result.loc[swap, "a"], result.loc[swap, "b"] = b[swap], a[swap]
        keys = [name for name in _SORT_KEYS[table] if name in result.columns]
        out[table] = result.sort_values(keys, kind="stable").reset_index(drop=True)
    return out


def _pseudonymise(table: str, column: str, values: pd.Series, clients: list[Any],
                  pseudonyms: _Pseudonyms) -> list[Any] | None:
    raw = _text(values)
    if column == "client_id":
        return [None if v is None else pseudonyms.client(v) for v in raw]
    if column in ("person_id", "a", "b"):
        return [None if v is None or c is None else pseudonyms.person(c, v)
                for c, v in zip(clients, raw, strict=True)]
    if column == "event_id":
        return [None if v is None or c is None else pseudonyms.event(c, v)
                for c, v in zip(clients, raw, strict=True)]
    if column in ("people", "focus"):  # ";"-joined person ids
        return [None if v is None or c is None else ";".join(sorted(
            pseudonyms.person(c, pid) for pid in v.split(";") if pid))
            for c, v in zip(clients, raw, strict=True)]
    return None  # an identifier nobody taught us to pseudonymise: dropped


def _coarse_dates(values: pd.Series, clients: list[Any], first: pd.Series, prefix: str,
                  dates: str, approximate: bool) -> dict[str, Any]:
    year, day, precision = _dates(values)
    names = _time_columns(prefix, dates, approximate)
    if dates == "year":
        return {names[0]: year.array}
    start = pd.to_datetime(pd.Series([first.get(c) if c is not None else None
                                      for c in clients], dtype="object"), errors="coerce")
    days = (day - start).dt.days
    out = {names[0]: pd.array(days, dtype="Int64")}
    if approximate:
        out[names[1]] = precision.array
    return out


@dataclass(frozen=True, eq=False, repr=False)
class Deidentified:
    """De-identified tidy tables: pseudonyms, no free text, dates as years or day offsets.

    Made by :func:`deidentify`. ``tables`` follow :data:`ipt_graph.io.tables.SCHEMA` with the
    free-text columns left out and each date column replaced by ``year`` (``onset_year`` for
    the clients' onset) or, with ``dates="days"``, ``days_since_first_session`` and, for
    dates that may be approximate, ``date_precision`` (``year``, ``month`` or ``day``).

    :meth:`write` writes them in any of :data:`EXPORT_FORMATS`; :meth:`without` drops
    clients (those :func:`k_anonymity` suppresses).
    """

    tables: Mapping[str, pd.DataFrame]
    dates: str = "year"
    key_path: Path | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.tables["clients"])

    def __repr__(self) -> str:
        return f"Deidentified(clients={len(self)}, dates={self.dates!r})"

    @property
    def client_ids(self) -> list[str]:
        """The client pseudonyms, sorted."""
        return _text(self.tables["clients"]["client_id"])

    def without(self, client_ids: Iterable[str]) -> Deidentified:
        """These tables without the given clients (pseudonyms), e.g. the suppressed ones."""
        drop = set(client_ids)
        tables = {name: frame[~frame["client_id"].isin(drop).fillna(False).to_numpy(bool)]
                  .reset_index(drop=True) for name, frame in self.tables.items()}
        return Deidentified(tables, self.dates, self.key_path)

    # --- what the files say -----------------------------------------------------------------

    def data_dictionary(self) -> pd.DataFrame:
        """One row per column: ``table, column, dtype, privacy, description``."""
        from .io.tables import SCHEMA

        described = {(table, c.name): c.description for table, columns in SCHEMA.items()
                     for c in columns}
        rows = []
        for table, frame in self.tables.items():
            for column in frame.columns:
                description = described.get((table, column), "")
                privacy = "time" if column in _TIME_COLUMNS else str(
                    column_class(table, column))
                if privacy == "identifier":
                    description = ("Pseudonym from a keyed hash (the same in every export made "
                                   "with the same key); " + description[0].lower()
                                   + description[1:])
                elif column.endswith("year"):
                    description = "Year of the date (Safe Harbor: no day or month)"
                elif column.endswith("days_since_first_session"):
                    description = ("Days since the client's first session (derived from "
                                   "dates: not Safe Harbor)")
                elif column.endswith("date_precision"):
                    description = "How precise the date was: year, month or day"
                elif column == "age_band":
                    description = "Age band (90+ for every age over 89)"
                rows.append({"table": table, "column": column, "dtype": str(frame[column].dtype),
                             "privacy": privacy, "description": description})
        return pd.DataFrame(rows, columns=["table", "column", "dtype", "privacy",
                                           "description"]).astype("string")

    # --- writing ----------------------------------------------------------------------------

    def write(self, fmt: str, folder: str | os.PathLike[str]) -> list[Path]:
        """Write the tables in format ``fmt`` into ``folder`` (created when missing).

        ============  ================================================================
        ``csv``       ``<table>.csv`` and ``data_dictionary.csv``
        ``excel``     ``deidentified.xlsx``: a sheet per table and ``data_dictionary``
        ``parquet``   ``<table>.parquet`` and ``data_dictionary.csv``
        ``json``      ``deidentified.json``: ``{"format", "version", "dates",
                      "tables": {table: [row, ...]}, "data_dictionary": [...]}`` (one
                      document of tables, not case files: case files hold full dates)
        ``graphml``   ``<client>_s<session>.graphml``: each session's inventory, with the
                      session's ``year`` (or ``days_since_first_session``) as graph data
        ``egor``      ``egos.csv``, ``alters.csv``, ``aaties.csv``; egos with ``year`` (or
                      ``days_since_first_session``) instead of ``date``
        ============  ================================================================

        Every file is written atomically and created private (mode 0600). CSV and Excel text
        cells that a spreadsheet would run as a formula are neutralised (there should be none:
        the tables hold pseudonyms and vocabulary tokens only), and Excel cells are written as
        strings, never formulas.

        Returns
        -------
        list of pathlib.Path
            The files written.

        Raises
        ------
        ValueError
            An unknown format, or ``folder`` holds the key file (keep the key elsewhere).
        SaveError
            A file could not be written.
        """
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"fmt must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
        target = Path(folder)
        self._check_target(target)
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SaveError(error.errno, f"{target}: the folder could not be made "
                                         f"({error.strerror or error})") from None
        return getattr(self, f"_write_{fmt}")(target)

    def _check_target(self, target: Path) -> None:
        if self.key_path is None:
            return
        if target.resolve() in self.key_path.resolve().parents:
            raise ValueError(f"{target} holds the key file: keep the key away from the "
                             "exports (another folder, better another machine)")

    def _write_csv(self, target: Path) -> list[Path]:
        files = {f"{name}.csv": _csv_bytes(frame) for name, frame in self.tables.items()}
        files["data_dictionary.csv"] = _csv_bytes(self.data_dictionary())
        return _write_files(target, files)

    def _write_parquet(self, target: Path) -> list[Path]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        files = {}
        for name, frame in self.tables.items():
            sink = pa.BufferOutputStream()
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
            files[f"{name}.parquet"] = sink.getvalue().to_pybytes()
        files["data_dictionary.csv"] = _csv_bytes(self.data_dictionary())
        return _write_files(target, files)

    def _write_excel(self, target: Path) -> list[Path]:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        for name, frame in {**self.tables, "data_dictionary": self.data_dictionary()}.items():
            sheet = workbook.create_sheet(name)

            def cells(values: Iterable[Any], sheet=sheet) -> list[Any]:
                row = []
                for value in values:
                    value = _plain(value)
                    if isinstance(value, str):
                        cell = WriteOnlyCell(sheet, value=_neutralise(value))
                        cell.data_type = "s"  # text is text, never a formula or an error
                        value = cell
                    row.append(value)
                return row

            sheet.append(cells(frame.columns))
            for row in frame.itertuples(index=False, name=None):
                sheet.append(cells(row))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return _write_files(target, {"deidentified.xlsx": buffer.getvalue()})

    def _write_json(self, target: Path) -> list[Path]:
        document = {
            "format": "ipt-graph-deidentified", "version": 1, "dates": self.dates,
            "tables": {name: _records(frame) for name, frame in self.tables.items()},
            "data_dictionary": _records(self.data_dictionary()),
        }
        text = json.dumps(document, ensure_ascii=False, allow_nan=False, indent=1)
        return _write_files(target, {"deidentified.json": (text + "\n").encode("utf-8")})

    def _write_graphml(self, target: Path) -> list[Path]:
        from .io.graphml import write_graphml

        times = self._session_times()
        files: dict[str, bytes] = {}
        with tempfile.TemporaryDirectory(prefix="ipt-graph-deidentified-") as scratch:
            for client in self._clients():
                for path in write_graphml(client, scratch):
                    files[path.name] = _graphml_with_time(path.read_bytes(), times,
                                                          self._time_column)
                    path.unlink()
        return _write_files(target, files)

    def _write_egor(self, target: Path) -> list[Path]:
        from .io.egor import write_egor

        times = self._session_times()
        with tempfile.TemporaryDirectory(prefix="ipt-graph-deidentified-") as scratch:
            paths = write_egor(self._clients(), scratch)
            raw = {name: path.read_text(encoding="utf-8") for name, path in paths.items()}
        files = {"egos.csv": _egos_with_time(raw["egos"], times, self._time_column),
                 "alters.csv": _rewrite_csv(raw["alters"], {"age_band": {
                     str(vocab.AgeBand.age_90_plus): _AGE_OVER_89}}),
                 "aaties.csv": raw["aaties"].encode("utf-8")}
        return _write_files(target, files)

    # --- the structural clients behind GraphML and egor -------------------------------------

    @property
    def _time_column(self) -> str:
        return "year" if self.dates == "year" else "days_since_first_session"

    def _session_times(self) -> dict[tuple[str, int], int]:
        sessions = self.tables["sessions"]
        times = {}
        for client, number, value in zip(_text(sessions["client_id"]),
                                         sessions["session"].tolist(),
                                         sessions[self._time_column].tolist(), strict=True):
            if value is not None and value is not pd.NA:
                times[(client, int(number))] = int(value)
        return times

    def _clients(self) -> list[Client]:
        """The clients of these tables: pseudonyms, no text, no dates (for the graph views).

        A rating that observed only free text keeps an empty text, so that it still counts
        as an observation (at a complete session it keeps the person on the map).
        """
        from .io.tables import clients_from_tables, normalize_tables

        tables = {}
        for name, frame in self.tables.items():
            frame = frame.drop(columns=[c for c in frame.columns if c in _TIME_COLUMNS])
            if name == "people":
                frame = frame.assign(age_band=frame["age_band"].replace(
                    _AGE_OVER_89, str(vocab.AgeBand.age_90_plus)))
            if name == "ratings":
                frame = frame.assign(**{
                    text: pd.array(np.where(frame[f"has_{text}"].fillna(False).to_numpy(bool),
                                            "", None), dtype="string")
                    for text in TEXT_RATING_FIELDS})
            tables[name] = frame
        return clients_from_tables(normalize_tables(tables))


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _neutralise(value: str) -> str:
    from .io.tables import _neutralise as neutralise

    return neutralise(value)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    ready = frame.copy()
    for name in ready.columns:
        dtype = ready[name].dtype
        if str(dtype) == "boolean":
            ready[name] = ready[name].map({True: "true", False: "false"}, na_action="ignore")
        elif isinstance(dtype, pd.StringDtype) or dtype is np.dtype(object):
            ready[name] = ready[name].map(lambda v: _neutralise(v) if isinstance(v, str) else v)
    return ready.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = list(frame.columns)
    return [dict(zip(columns, (_plain(v) for v in row), strict=True))
            for row in frame.itertuples(index=False, name=None)]


def _write_files(target: Path, files: Mapping[str, bytes]) -> list[Path]:
    from .io.casefile import atomic_write

    written = []
    for name, data in files.items():
        path = target / name
        atomic_write(path, data)
        written.append(path)
    return written


#: Graph keys of :func:`ipt_graph.io.graphml.write_graphml` that de-identified files never hold.
_NO_GRAPHML_KEYS = frozenset({"g_date", "g_onset_date", "g_ring_labels"})


def _graphml_with_time(data: bytes, times: Mapping[tuple[str, int], int], column: str
                       ) -> bytes:
    """Add the session's year (or day offset) as graph data; write ages over 89 as 90+."""
    from xml.etree import ElementTree

    from defusedxml.ElementTree import fromstring

    from .io.graphml import GRAPHML_NS

    xsi = "http://www.w3.org/2001/XMLSchema-instance"
    root = fromstring(data)
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    schema = root.attrib.pop(f"{{{xsi}}}schemaLocation", None)
    root.attrib.update({"xmlns": GRAPHML_NS, "xmlns:xsi": xsi})
    if schema:
        root.set("xsi:schemaLocation", schema)
    for child in list(root):  # keys that never hold a value here (dates, typed ring labels)
        if child.tag == "key" and child.get("id") in _NO_GRAPHML_KEYS:
            root.remove(child)
    keys = [index for index, child in enumerate(root) if child.tag == "key"]
    key_id = f"g_{column}"
    root.insert(keys[-1] + 1 if keys else 0, ElementTree.Element("key", {
        "id": key_id, "for": "graph", "attr.name": column, "attr.type": "int"}))
    graph = root.find("graph")
    for item in graph.findall("data"):
        if item.get("key") in _NO_GRAPHML_KEYS:
            graph.remove(item)
    values = {item.get("key"): item.text for item in graph.findall("data")}
    when = times.get((values.get("g_client_id"), int(values.get("g_session", -1))))
    if when is not None:
        position = len(graph.findall("data"))
        item = ElementTree.Element("data", {"key": key_id})
        item.text = str(when)
        graph.insert(position, item)
    for item in graph.iter("data"):
        if item.get("key") == "n_age_band" and item.text == str(vocab.AgeBand.age_90_plus):
            item.text = _AGE_OVER_89
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _rewrite_csv(text: str, replace: Mapping[str, Mapping[str, str]]) -> bytes:
    rows = list(csv.reader(io.StringIO(text)))
    if rows:
        header = rows[0]
        for column, mapping in replace.items():
            if column in header:
                index = header.index(column)
                for row in rows[1:]:
                    row[index] = mapping.get(row[index], row[index])
    return _csv_text(rows)


def _egos_with_time(text: str, times: Mapping[tuple[str, int], int], column: str) -> bytes:
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    date, client, session = header.index("date"), header.index("client_id"), header.index(
        "session")
    out = [[*header[:date], column, *header[date + 1:]]]
    for row in rows[1:]:
        when = times.get((row[client], int(row[session])))
        out.append([*row[:date], "" if when is None else str(when), *row[date + 1:]])
    return _csv_text(out)


def _csv_text(rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


# --- k-anonymity -------------------------------------------------------------------------------

#: The quasi-identifiers of DOMAIN.md §8, computed per client, with their levels of detail
#: (level 0 the finest; the last level says nothing).
QUASI_IDENTIFIERS: dict[str, tuple[str, ...]] = {
    "network_size": ("0-4 / 5-9 / 10-19 / 20+", "0-9 / 10+", "dropped"),
    "sectors": ("people per sector: 0 / 1-2 / 3+", "people per sector: 0 / 1+", "dropped"),
    "any_deceased": ("yes / no", "dropped"),
    "problem_area": ("the primary problem area", "dropped"),
}
#: The coarsening steps, in the order they are tried: (quasi-identifier, level it goes to).
COARSENING_STEPS: tuple[tuple[str, int], ...] = (
    ("sectors", 1), ("network_size", 1), ("sectors", 2), ("network_size", 2),
    ("any_deceased", 1), ("problem_area", 1),
)
_SECTORS = tuple(str(sector) for sector in vocab.SECTORS)


def _size_band(n: np.ndarray, level: int) -> np.ndarray:
    if level == 0:
        return np.select([n < 5, n < 10, n < 20], ["0-4", "5-9", "10-19"], "20+")
    if level == 1:
        return np.where(n < 10, "0-9", "10+")
    return np.full(len(n), "any")


def _sector_band(n: np.ndarray, level: int) -> np.ndarray:
    if level == 0:
        return np.select([n == 0, n <= 2], ["0", "1-2"], "3+")
    if level == 1:
        return np.where(n == 0, "0", "1+")
    return np.full(len(n), "any")


@dataclass(frozen=True, repr=False)
class KAnonymityReport:
    """What :func:`k_anonymity` found and did.

    Attributes
    ----------
    k : int
        The threshold: every released group of clients must hold at least ``k``.
    n_clients : int
    k_before : int
        The smallest group size over the finest quasi-identifiers (0 without clients).
    k_after : int
        The smallest group size after coarsening, among the clients kept (0 if none is).
    steps : tuple of str
        The coarsening applied, in order (``"network_size: 0-9 / 10+"``...).
    levels : dict
        The level of each quasi-identifier at the end (see :data:`QUASI_IDENTIFIERS`).
    suppressed : tuple of str
        The pseudonyms of the clients suppressed (still in groups smaller than ``k``).
    table : DataFrame
        One row per client: ``client_id``, the quasi-identifiers as released, ``group_size``
        and ``suppressed``.
    """

    k: int
    n_clients: int
    k_before: int
    k_after: int
    steps: tuple[str, ...]
    levels: dict[str, int]
    suppressed: tuple[str, ...]
    table: pd.DataFrame = field(compare=False)

    @property
    def n_suppressed(self) -> int:
        """How many clients were suppressed."""
        return len(self.suppressed)

    def apply(self, data: Deidentified) -> Deidentified:
        """``data`` without the suppressed clients."""
        return data.without(self.suppressed)

    def summary(self) -> str:
        """The report in a few lines (counts and steps; pseudonyms only)."""
        lines = [f"k-anonymity (k = {self.k}) over {self.n_clients} clients: smallest group "
                 f"{self.k_before} before, {self.k_after} after"]
        lines.append("coarsened: " + ("; ".join(self.steps) if self.steps else "nothing"))
        lines.append(f"suppressed: {self.n_suppressed} client"
                     f"{'s' if self.n_suppressed != 1 else ''}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"KAnonymityReport(k={self.k}, clients={self.n_clients}, "
                f"k_before={self.k_before}, k_after={self.k_after}, steps={len(self.steps)}, "
                f"suppressed={self.n_suppressed})")


def _quasi_identifiers(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per client: people in the record, people per sector, any deceased, problem area."""
    clients = pd.Index(_text(tables["clients"]["client_id"]), name="client_id")
    people = tables["people"]
    owners = pd.Series(_text(people["client_id"]))
    size = owners.value_counts().reindex(clients, fill_value=0)
    frame = pd.DataFrame({"n_people": size.to_numpy(dtype=np.int64)}, index=clients)
    sector = pd.Series(_text(people["sector"]))
    for name in _SECTORS:
        counts = owners[sector == name].value_counts()
        frame[f"n_{name}"] = counts.reindex(clients, fill_value=0).to_numpy(dtype=np.int64)
    ratings = tables["ratings"]
    dead = pd.Series(_text(ratings["status"])) == str(vocab.Status.deceased)
    with_dead = set(pd.Series(_text(ratings["client_id"]))[dead.to_numpy()])
    frame["any_deceased"] = [client in with_dead for client in clients]
    area = pd.Series(_text(tables["clients"]["primary_problem_area"]), index=clients)
    frame["problem_area"] = area.fillna("none").to_numpy(dtype=object)
    return frame


def _released(raw: pd.DataFrame, levels: Mapping[str, int]) -> pd.DataFrame:
    """The quasi-identifiers as released at these levels of detail."""
    out = pd.DataFrame(index=raw.index)
    out["network_size"] = _size_band(raw["n_people"].to_numpy(), levels["network_size"])
    for name in _SECTORS:
        out[f"sector_{name}"] = _sector_band(raw[f"n_{name}"].to_numpy(), levels["sectors"])
    deceased = raw["any_deceased"].to_numpy(dtype=bool)
    out["any_deceased"] = (np.where(deceased, "yes", "no") if levels["any_deceased"] == 0
                           else "any")
    out["problem_area"] = raw["problem_area"] if levels["problem_area"] == 0 else "any"
    return out


def _group_sizes(released: pd.DataFrame) -> pd.Series:
    """For each client, how many clients share all its released quasi-identifiers."""
    if released.empty:
        return pd.Series([], dtype=np.int64, index=released.index)
    codes = released.groupby(list(released.columns), sort=False).ngroup().to_numpy()
    return pd.Series(np.bincount(codes)[codes], index=released.index, dtype=np.int64)


def k_anonymity(data: Any, k: int = 5, *, key: bytes | str | os.PathLike[str] | None = None,
                max_suppression: float = 0.05) -> KAnonymityReport:
    """The k-anonymity of clients over the quasi-identifiers of DOMAIN.md §8.

    Per client: the network size (people in the record), the people per sector, whether
    anyone on the map is deceased and the primary problem area. Clients sharing all of them
    form a group; *k* is the smallest group's size. While some clients are in groups smaller
    than ``k``, the quasi-identifiers are coarsened one step at a time along
    :data:`COARSENING_STEPS` — people per sector 0 / 1-2 / 3+ to 0 / 1+, network size
    0-4 / 5-9 / 10-19 / 20+ to 0-9 / 10+, then sectors dropped, size dropped, deceased
    dropped, problem area dropped — stopping as soon as the clients left in small groups are
    at most ``max_suppression`` of all clients. Those are suppressed last. Fewer than ``k``
    clients in all cannot form a group of ``k``: they are all suppressed, nothing coarsened.

    Parameters
    ----------
    data : Deidentified, or anything :func:`deidentify` takes
        De-identified tables, or clients, a cohort or tables together with ``key`` (the
        report names clients by pseudonym only).
    k : int
        The threshold (5 by default, DOMAIN.md §8).
    key : bytes or path, optional
        Needed when ``data`` is not de-identified yet.
    max_suppression : float
        The share of clients that may be suppressed instead of coarsening further (0 to 1).

    Returns
    -------
    KAnonymityReport

    Notes
    -----
    k-anonymity holds for the per-client table of quasi-identifiers
    (``report.table``), not for the detailed tables, which still hold every person. Drop the
    suppressed clients from an export with ``report.apply(deidentified)``.

    References
    ----------
    Sweeney L. (2002), k-anonymity: a model for protecting privacy. *Int. J. Uncertainty,
    Fuzziness and Knowledge-Based Systems* 10(5):557-570.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number of at least 1, got {k!r}")
    if not 0 <= max_suppression <= 1:
        raise ValueError(f"max_suppression must be between 0 and 1, got {max_suppression!r}")
    if not isinstance(data, Deidentified):
        if key is None:
            raise ValueError("give de-identified tables (ipt_graph.deidentify) or the key, so "
                             "that the report names clients by pseudonym only")
        data = deidentify(data, key)
    raw = _quasi_identifiers(data.tables)
    n = len(raw)
    levels = dict.fromkeys(QUASI_IDENTIFIERS, 0)
    released = _released(raw, levels)
    sizes = _group_sizes(released)
    k_before = int(sizes.min()) if n else 0
    steps: list[str] = []
    for name, level in COARSENING_STEPS:
        small = int((sizes < k).sum())
        if small == 0 or small <= max_suppression * n or n < k:  # (fewer than k: no group can)
            break
        levels[name] = level
        steps.append(f"{name}: {QUASI_IDENTIFIERS[name][level]}")
        released = _released(raw, levels)
        sizes = _group_sizes(released)
    suppressed_mask = (sizes < k).to_numpy(dtype=bool)
    kept = sizes[~suppressed_mask]
    table = released.assign(group_size=sizes.to_numpy(), suppressed=suppressed_mask
                            ).reset_index()
    return KAnonymityReport(
        k=k, n_clients=n, k_before=k_before, k_after=int(kept.min()) if len(kept) else 0,
        steps=tuple(steps), levels=levels,
        suppressed=tuple(sorted(raw.index[suppressed_mask])), table=table)
