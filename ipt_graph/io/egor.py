"""egor's three tables: egos, alters, alter-alter ties (R's ego-network package; FORMATS.md).

``egos(egoID, ...)``, ``alters(egoID, alterID, ...)``, ``aaties(egoID, Source, Target, ...)``;
the id column names are parameters (egor's ``ID.vars``). Ego-alter qualities (ring or
closeness, support, conflict, role dummies) are alter columns. egor has no time: each ego
row is one **complete** snapshot (DESIGN.md §3 rule 6).

Reading (:func:`read_egor`):

- CSVs from R are often ``;``-separated with a decimal comma: the separator is sniffed from
  the header and the decimal mark follows it unless given. DataFrames are read too.
- Ego rows with ``client_id`` and ``session`` columns are grouped into one client per
  ``client_id`` (sessions numbered by the column); otherwise each ego is a client of its
  own, with session 1 and the id ``"EG-"`` + 10 hex digits of the SHA-256 of its egoID
  (egoIDs can hold names, so they never become client ids).
- Alters are people: ``n1``, ``n2``, ... per client, linked across the sessions of one
  client by alterID, or by ``person_key`` when given.
- ``tie_rule`` decides which alter-alter rows are ties (some datasets keep explicit
  non-ties, with a weight such as "not at all").
- The mapping is the one of :mod:`ipt_graph.io.mapping`, read on the alters table, plus
  ``ties`` (kinds and weights of alter-alter rows) and ``measures`` and ``date`` (ego
  columns). Without a mapping, the columns this module writes are read back: ring, support,
  conflict, status, role, ``label`` (or ``name``) and the totals of known instruments.

Writing (:func:`write_egor`) follows FORMATS.md's contract, which the tests check with
pandas: one ego row per egoID ``<client_id>_<session>`` with ``client_id`` and ``session``
columns; every alter's egoID among the egos; every aatie's Source and Target among its ego's
alters; the id column names as given.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from .. import vocab
from ..errors import Problem, ValidationError
from ..model import Client, measure_total
from .mapping import (
    ImportMapping,
    ImportReport,
    ImportResult,
    PersonLinker,
    RowReader,
    SessionData,
    TieSpec,
    assemble_client,
    client_code,
    load_mapping,
    parse_bool,
    parse_number,
    ring_radii,
    valid_client_id,
)
from .sources import Table, frame_table, parse_csv, sniff_separator

__all__ = ["read_egor", "write_egor"]

TableInput = str | Path | pd.DataFrame
TieRule = Callable[[Mapping[str, str]], bool] | Mapping[str, Any] | None
_KINDS = tuple(str(kind) for kind in vocab.TieKind)
#: Alter columns written besides the ids and the role dummies, in order.
_ALTER_COLUMNS = ("role", "sector", "gender", "age_band", "ring", "closeness", "support",
                  "conflict", "type", "status", "contact", "confidant", "desired_ring",
                  "expectations_met", "dispute_stage")


# --- Reading -----------------------------------------------------------------------------------


def _load(table: TableInput, name: str, sep: str | None, report: ImportReport
          ) -> tuple[Table, str]:
    if isinstance(table, pd.DataFrame):
        return frame_table(table, name), "."
    path = Path(table)
    data = path.read_bytes()
    separator = sep or sniff_separator(data)
    return parse_csv(data, path.name, report, sep=separator), separator


def _default_mapping(alters: Table, egos: Table) -> ImportMapping:
    """What :func:`write_egor` writes, as far as the tables hold it."""
    columns = alters.columns
    data: dict[str, Any] = {"ring": "ring"}
    for name in ("support", "conflict", "status"):
        if name in columns:
            data[name] = name
    if "role" in columns:
        data["role"] = {"variable": "role", "encoding": "single"}
    label = next((name for name in ("label", "name") if name in columns), None)
    if label:
        data["label"] = label
    measures = {name: name for name in vocab.INSTRUMENTS if name in egos.columns}
    if measures:
        data["measures"] = measures
    return load_mapping(data)


def _tie_rule(rule: TieRule, table: Table, problems: list[Problem]
              ) -> Callable[[Mapping[str, str]], bool]:
    if rule is None:
        return lambda row: True
    if callable(rule):
        return rule
    if not isinstance(rule, Mapping):
        raise TypeError("tie_rule must be a callable, a {column: values} dict or None")
    allowed: dict[str, set[str]] = {}
    for column, values in rule.items():
        if column not in table.columns:
            problems.append(Problem(table.header_where, str(column), "is named by tie_rule "
                                    "but the file has no such column"))
        items = [values] if isinstance(values, str | int | float) else list(values)
        allowed[column] = {str(v).strip() for v in items}
    return lambda row: all(row.get(c, "").strip() in v for c, v in allowed.items())


def read_egor(
    egos: TableInput,
    alters: TableInput,
    aaties: TableInput,
    *,
    ego_id: str = "egoID",
    alter_id: str = "alterID",
    source: str = "Source",
    target: str = "Target",
    sep: str | None = None,
    decimal: str | None = None,
    tie_rule: TieRule = None,
    mapping: ImportMapping | Mapping[str, Any] | str | Path | None = None,
    rings: int = vocab.DEFAULT_RINGS,
    person_key: str | None = None,
) -> ImportResult:
    """Read egor's three tables into clients, each ego row a complete session.

    Parameters
    ----------
    egos, alters, aaties : path or DataFrame
        The three tables (CSV files, or DataFrames as egor holds them).
    ego_id, alter_id, source, target : str
        The id column names (egor's ``ID.vars``).
    sep : {None, ",", ";"}
        The separator; None sniffs it from each file's header.
    decimal : {None, ".", ","}
        The decimal mark; None takes ``","`` for ``;``-separated files, else ``"."``.
    tie_rule : callable, dict or None
        Which alter-alter rows are ties: ``None`` (every row), a ``{column: values}`` dict
        (a row is a tie when each column's value is among its values, e.g.
        ``{"weight": {"a little", "a lot"}}``), or a function of the row (a dict of text
        cells) returning True for a tie.
    mapping : dict, path to a TOML file, ImportMapping, or None
        See :mod:`ipt_graph.io.mapping`. Alter columns give ring, support, conflict, role,
        status and label; ``ties`` the tie kinds and weight (default: 0/1 columns ``knows``,
        ``close``, ``conflict`` when present, else every tie ``knows``; ``weight`` when
        present); ``measures`` and ``date`` ego columns. None reads the columns
        :func:`write_egor` writes.
    rings : int
        Rings of every client (2..6).
    person_key : str, optional
        An alter column that links people across the sessions of one client (default: the
        alterID).

    Returns
    -------
    ImportResult

    Raises
    ------
    ValidationError
        Every problem at once, naming the file, the line (physical line of the file, the
        header being line 1; ``row`` for DataFrames) and the column: a missing id or mapped
        column, an alter or aatie whose ego or alter does not exist (dangling), a malformed
        row or cell. Cell contents are never quoted.
    """
    report = ImportReport(source=Path(egos).name if not isinstance(egos, pd.DataFrame)
                          else "egos")
    problems: list[Problem] = []
    tables = []
    for table, name in ((egos, "egos"), (alters, "alters"), (aaties, "aaties")):
        try:
            loaded, separator = _load(table, name, sep, report)
        except ValidationError as error:
            problems.extend(error.problems)
            continue
        mark = decimal or ("," if separator == ";" else ".")
        tables.append((loaded, mark))
    if problems:
        raise ValidationError(problems, report.source)
    (ego_table, ego_decimal), (alter_table, alter_decimal), (tie_table, tie_decimal) = tables
    own_columns: tuple[str, ...] = ()
    if mapping is None:
        mapping = _default_mapping(alter_table, ego_table)
        own_columns = (*_ALTER_COLUMNS, *(f"role_{role}" for role in vocab.Role))
    else:
        mapping = load_mapping(mapping)
    if person_key is not None:
        mapping = replace(mapping, person_key=person_key)
    if mapping.ring is None:
        problems.append(Problem("mapping", "ring", "is required: name the alter column "
                                "holding the ring (or closeness)"))
    for table, columns in ((ego_table, [ego_id]), (alter_table, [ego_id, alter_id]),
                           (tie_table, [ego_id, source, target])):
        for column in columns:
            if column not in table.columns:
                problems.append(Problem(table.header_where, column, "is missing (an id "
                                        "column; name it with the ego_id, alter_id, source "
                                        "and target parameters)"))
    if problems:
        raise ValidationError(problems, report.source)
    sessions = _read_egos(ego_table, ego_id, mapping, ego_decimal, problems, report)
    reader = RowReader(mapping, alter_table, report, rings=rings, radii=ring_radii(rings),
                       decimal=alter_decimal, id_column=alter_id,
                       key_columns=(ego_id, *own_columns))
    alters_by_ego: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in alter_table.records():
        ego = row[ego_id].strip()
        if ego not in sessions:
            problems.append(Problem(alter_table.where(line), ego_id,
                                    "does not match an ego of the egos table"))
            continue
        alters_by_ego.setdefault(ego, []).append((line, row))
    rule = _tie_rule(tie_rule, tie_table, problems)
    ties_by_ego = _read_aaties(tie_table, ego_id, source, target, mapping.ties, rule,
                               tie_decimal, sessions, alters_by_ego, alter_id, problems,
                               report)
    by_client: dict[str, list[tuple[int, str]]] = {}
    for ego, (client_id, number, _) in sessions.items():
        by_client.setdefault(client_id, []).append((number, ego))
    prepared = []
    for client_id, numbers in sorted(by_client.items()):
        linker = PersonLinker(client_id, report)
        data = []
        for number, ego in sorted(numbers):
            session = sessions[ego][2]
            observations = []
            ids_by_alter: dict[str, str] = {}
            for line, row in alters_by_ego.get(ego, []):
                observation = reader.read(line, row)
                observation.uuid = ""  # alterIDs may hold names: rows locate people
                if mapping.person_key is None:
                    observation.key = row[alter_id].strip().casefold() or None
                observations.append(observation)
            ids = linker.link(number, observations)
            for (line, row), person_id in zip(alters_by_ego.get(ego, []), ids, strict=True):
                alter = row[alter_id].strip()
                if alter in ids_by_alter:
                    problems.append(Problem(alter_table.where(line), alter_id,
                                            "repeats an alterID of this ego"))
                ids_by_alter[alter] = person_id
            session.people = list(zip(ids, observations, strict=True))
            session.ties = [(ids_by_alter[a], ids_by_alter[b], kind, weight, where)
                            for a, b, kind, weight, where in ties_by_ego.get(ego, [])]
            data.append(session)
        prepared.append((client_id, data))
    problems.extend(reader.problems)
    if problems:
        raise ValidationError(problems, report.source)
    clients = []
    for client_id, data in prepared:
        try:
            clients.append(assemble_client(client_id, rings, data, report))
        except ValidationError as error:
            problems.extend(Problem(f"{client_id} {p.record}", p.field, p.message)
                            for p in error.problems)
    if problems:
        raise ValidationError(problems, report.source)
    return ImportResult(clients, report)


def _read_egos(table: Table, ego_id: str, mapping: ImportMapping, decimal: str,
               problems: list[Problem], report: ImportReport
               ) -> dict[str, tuple[str, int, SessionData]]:
    """egoID -> (client_id, session number, session data)."""
    grouped = "client_id" in table.columns and "session" in table.columns
    date_column = mapping.date or ("date" if "date" in table.columns else None)
    for column in [*mapping.measures.values(), *([date_column] if date_column else [])]:
        if column not in table.columns:
            problems.append(Problem(table.header_where, column, "is mapped but the egos "
                                    "table has no such column"))
    used = {ego_id, "client_id", "session", "phase", "attended", "complete", "rings",
            date_column, *mapping.measures.values()}
    for column in table.columns:
        if column not in used:
            report.add("unmapped_columns", table.name, "an ego column not in the mapping; "
                       "ignored", column=column)
    sessions: dict[str, tuple[str, int, SessionData]] = {}
    seen: set[tuple[str, int]] = set()
    for line, row in table.records():
        where = table.where(line)
        ego = row[ego_id].strip()
        if not ego:
            problems.append(Problem(where, ego_id, "is empty"))
            continue
        if ego in sessions:
            problems.append(Problem(where, ego_id, "repeats an egoID of this table"))
            continue
        if grouped:
            client_id = row["client_id"].strip()
            number_value = parse_number(row["session"])
            if not valid_client_id(client_id):
                problems.append(Problem(where, "client_id", "must be a client id (letters, "
                                        "digits, and _ . : -)"))
                continue
            if number_value is None or not number_value.is_integer() or number_value < 0:
                problems.append(Problem(where, "session", "must be a whole number >= 0"))
                continue
            number = int(number_value)
        else:
            client_id, number = client_code(ego, "EG"), 1
            report.case_ids[client_id] = ego
        if (client_id, number) in seen:
            problems.append(Problem(where, "session", "repeats a session of this client"))
            continue
        seen.add((client_id, number))
        session = SessionData(number)
        if date_column and row.get(date_column, "").strip():
            try:
                session.date = dt.date.fromisoformat(row[date_column].strip()[:10])
            except ValueError:
                problems.append(Problem(where, date_column, "must be a date (YYYY-MM-DD)"))
        phase = row.get("phase", "").strip()
        if phase:
            if phase in tuple(vocab.Phase):
                session.phase = phase
            else:
                report.add("unmapped_values", where, "a phase that is not a vocabulary "
                           "token", column="phase", merge=True)
        attended = parse_bool(row.get("attended", "true") or "true")
        session.attended = attended is not False
        for instrument, column in mapping.measures.items():
            cell = row.get(column, "").strip()
            if not cell:
                continue
            total = parse_number(cell, decimal)
            spec = vocab.INSTRUMENTS.get(instrument)
            if total is None:
                problems.append(Problem(where, column, f"must be a number ({instrument})"))
            elif spec is not None and not spec.total_min <= total <= spec.total_max:
                problems.append(Problem(where, column, f"must be {spec.total_min:g}.."
                                        f"{spec.total_max:g} ({spec.title} total)"))
            else:
                session.measures[instrument] = int(total) if total.is_integer() else total
        sessions[ego] = (client_id, number, session)
    return sessions


def _read_aaties(table: Table, ego_id: str, source: str, target: str, spec: TieSpec | None,
                 rule: Callable[[Mapping[str, str]], bool], decimal: str,
                 sessions: Mapping[str, Any], alters: Mapping[str, list[tuple[int, dict]]],
                 alter_id: str, problems: list[Problem], report: ImportReport
                 ) -> dict[str, list[tuple[str, str, str, float, str]]]:
    """egoID -> [(alterID a, alterID b, kind, weight, where)] for the rows that are ties."""
    columns = table.columns
    if spec is None:
        dummies = {kind: kind for kind in _KINDS if kind in columns}
        spec = TieSpec(kind=None if dummies else "knows", columns=dummies or None,
                       weight="weight" if "weight" in columns else None)
    for column in [spec.column, spec.weight, *(spec.columns or {})]:
        if column and column not in columns:
            problems.append(Problem(table.header_where, column, "is mapped (ties) but the "
                                    "file has no such column"))
            return {}
    known = {ego: {row[alter_id].strip() for _, row in rows} for ego, rows in alters.items()}
    ties: dict[str, list[tuple[str, str, str, float, str]]] = {}
    for line, row in table.records():
        where = table.where(line)
        ego = row[ego_id].strip()
        if ego not in sessions:
            problems.append(Problem(where, ego_id, "does not match an ego of the egos table"))
            continue
        ends = [row[source].strip(), row[target].strip()]
        dangling = [column for column, end in zip((source, target), ends, strict=True)
                    if end not in known.get(ego, set())]
        for column in dangling:
            problems.append(Problem(where, column, "does not match an alter of this ego "
                                    "(a dangling tie)"))
        if dangling:
            continue
        if not rule(row):
            report.add("notes", table.name, "alter-alter rows that are not ties by the tie "
                       "rule", merge=True)
            continue
        kinds = _kinds(spec, row, where, problems, report)
        weight = 1.0
        if spec.weight and row.get(spec.weight, "").strip():
            value = parse_number(row[spec.weight], decimal)
            if value is None or not 0 < value <= 1:
                problems.append(Problem(where, spec.weight, "must be a number in (0, 1]"))
                continue
            weight = value
        for kind in kinds:
            ties.setdefault(ego, []).append((ends[0], ends[1], kind, weight, where))
    return ties


def _kinds(spec: TieSpec, row: Mapping[str, str], where: str, problems: list[Problem],
           report: ImportReport) -> list[str]:
    if spec.columns:
        kinds = []
        for column, kind in spec.columns.items():
            flag = parse_bool(row.get(column, ""))
            if flag is None:
                number = parse_number(row.get(column, ""))
                if number is None:
                    problems.append(Problem(where, column, "must be 0/1 or true/false"))
                    continue
                flag = number > 0
            if flag and kind:
                kinds.append(kind)
        return kinds
    if spec.column:
        cell = row.get(spec.column, "").strip()
        kind = (spec.values or {}).get(cell, cell if cell in _KINDS else None)
        if kind is None:
            report.add("unmapped_values", where, "a tie kind not in the mapping",
                       column=spec.column, merge=True)
            return []
        return [kind] if kind else []
    return [spec.kind or "knows"]


# --- Writing -----------------------------------------------------------------------------------


def _clients(clients: Client | Iterable[Client] | Any) -> list[Client]:
    if isinstance(clients, Client):
        return [clients]
    if hasattr(clients, "clients"):  # a cohort
        clients = clients.clients
        if isinstance(clients, Mapping):
            clients = clients.values()
    return list(clients)


def _cell(value: Any, decimal: str) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        text = repr(value)
        return text.replace(".", ",") if decimal == "," else text
    if hasattr(value, "item"):  # numpy and pandas scalars
        return _cell(value.item(), decimal)
    return str(value)


def write_egor(
    clients: Client | Iterable[Client] | Any,
    folder: str | Path,
    *,
    ego_id: str = "egoID",
    alter_id: str = "alterID",
    source: str = "Source",
    target: str = "Target",
    sep: str = ",",
    decimal: str | None = None,
    labels: bool = False,
) -> dict[str, Path]:
    """Write clients as egor's three tables: ``egos.csv``, ``alters.csv``, ``aaties.csv``.

    Every session of every client is one ego (its resolved inventory, DESIGN.md §3).

    - egos: ``<ego_id>`` = ``<client_id>_<session>``, ``client_id``, ``session``, ``date``,
      ``phase``, ``attended``, ``complete``, ``rings``, and one column per instrument (its
      total).
    - alters: ``<ego_id>``, ``<alter_id>`` (the person id), ``label`` (only with
      ``labels=True``: PHI), ``role``, ``sector``, ``gender``, ``age_band``, ``ring``,
      ``closeness``, ``support``, ``conflict``, ``type``, the other rating fields that are
      not free text, and one 0/1 dummy per role (``role_<role>``, every role of the
      vocabulary, so tables of different exports line up).
    - aaties: ``<ego_id>``, ``<source>``, ``<target>`` (person ids, source < target), one 0/1
      column per tie kind (``knows``, ``close``, ``conflict``) and ``weight`` (the
      strongest of the pair's kinds).

    Missing values are empty cells (R reads NA); booleans are ``TRUE``/``FALSE``; lines end
    in CRLF (RFC 4180), so that a value holding a line break is always quoted.

    Parameters
    ----------
    clients : Client, iterable of Client, or a cohort (an object with ``.clients``)
    folder : str or Path
        Created if missing.
    ego_id, alter_id, source, target : str
        The id column names to write.
    sep : {",", ";"}
    decimal : {None, ".", ","}
        None: ``","`` when ``sep`` is ``";"``, else ``"."``.
    labels : bool
        Write people's labels.

    Returns
    -------
    dict
        ``{"egos": path, "alters": path, "aaties": path}``.
    """
    if sep not in (",", ";"):
        raise ValueError(f"sep must be ',' or ';', got {sep!r}")
    decimal = decimal or ("," if sep == ";" else ".")
    if decimal == sep:
        raise ValueError("decimal and sep must differ")
    names = [ego_id, alter_id, source, target]
    if len(set(names)) != 4:
        raise ValueError("ego_id, alter_id, source and target must be four different names")
    clients = _clients(clients)
    ids = [c.client_id for c in clients]
    if len(set(ids)) != len(ids):
        raise ValueError("client ids must be unique: egoIDs are <client_id>_<session>")
    instruments = sorted({name for c in clients for s in c.sessions for name in s.measures})
    roles = [str(role) for role in vocab.Role]
    ego_rows, alter_rows, tie_rows = [], [], []
    for client in clients:
        for inventory in client.inventories():
            session = client.session(inventory.session)
            ego = f"{client.client_id}_{session.number}"
            ego_rows.append({
                ego_id: ego, "client_id": client.client_id, "session": session.number,
                "date": session.date.isoformat() if session.date else None,
                "phase": session.phase, "attended": session.attended,
                "complete": session.complete, "rings": client.rings,
                **{name: measure_total(name, session.measures[name])
                   if name in session.measures else None for name in instruments}})
            for row in inventory.people.to_dict("records"):
                alter = {ego_id: ego, alter_id: row["person_id"]}
                if labels:
                    alter["label"] = row["label"]
                alter |= {name: row[name] for name in _ALTER_COLUMNS}
                alter |= {f"role_{role}": int(row["role"] == role) for role in roles}
                alter_rows.append(alter)
            pairs: dict[tuple[str, str], dict[str, float]] = {}
            for tie in inventory.ties.to_dict("records"):
                pairs.setdefault((tie["a"], tie["b"]), {})[tie["kind"]] = tie["weight"]
            for (a, b), kinds in sorted(pairs.items()):
                tie_rows.append({ego_id: ego, source: a, target: b,
                                 **{kind: int(kind in kinds) for kind in _KINDS},
                                 "weight": max(kinds.values())})
    headers = {
        "egos": [ego_id, "client_id", "session", "date", "phase", "attended", "complete",
                 "rings", *instruments],
        "alters": [ego_id, alter_id, *(["label"] if labels else []), *_ALTER_COLUMNS,
                   *(f"role_{r}" for r in roles)],
        "aaties": [ego_id, source, target, *_KINDS, "weight"],
    }
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, rows in (("egos", ego_rows), ("alters", alter_rows), ("aaties", tie_rows)):
        path = folder / f"{name}.csv"
        with open(path, "w", encoding="utf-8", newline="") as stream:
            # CRLF (RFC 4180): the csv module quotes a value holding a bare CR only when CR
            # is part of the line terminator; unquoted, a CR in a label would split the row
            writer = csv.writer(stream, delimiter=sep, lineterminator="\r\n")
            writer.writerow(headers[name])
            for row in rows:
                writer.writerow([_cell(row.get(column), decimal) for column in headers[name]])
        paths[name] = path
    return paths
