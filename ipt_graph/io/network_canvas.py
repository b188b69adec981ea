"""Network Canvas CSV exports: a folder or a zip of interview sessions (FORMATS.md).

Network Canvas (Complex Data Collective) is the most used software for personal-network
interviews. Its CSV export holds one set of files per interview session, named
``<caseId>_<sessionUUID>_ego.csv``, ``..._attributeList_<NodeType>.csv`` and
``..._edgeList_<EdgeType>.csv``. There is no ego-alter edge file: closeness, support and
conflict towards the client are node variables, which the user maps onto ipt_graph's fields
(:mod:`ipt_graph.io.mapping`).

How an export becomes clients:

- Each session (a row of an ego file) is one ``complete`` session: a full re-inventory
  (DESIGN.md §3 rule 6). The sessions of one case (``networkCanvasCaseID``, legacy
  ``_caseID``) are one client, numbered 1, 2, ... by ``sessionStart``; the session date is
  ``sessionStart`` (UTC) as a local date in the ``timezone`` given.
- The client id is ``"NC-"`` + the first 10 hex digits of the SHA-256 of the case id
  (:func:`~ipt_graph.io.mapping.client_code`): case ids can hold names, so they never become
  ids. ``result.report.case_ids`` maps the codes back, for the researcher only.
- Person ids are ``n1``, ``n2``, ... per client, never a name. A follow-up interview gives
  everyone new UUIDs: people are linked across sessions by ``person_key`` (e.g. the
  ``name`` variable, compared ignoring case and repeated spaces); those it cannot link are
  listed by UUID.
- Edges join on the UUIDs (never on ``nodeID``), are undirected, and several types may join
  a pair. An edge whose UUID is not among the session's nodes is an error.
- The ring comes from an ordinal variable or from sociogram coordinates
  (:func:`~ipt_graph.io.mapping.sociogram_distance`, :func:`~ipt_graph.io.mapping.ring_radii`).
  People outside the outer circle or never placed get no ring: they are in the record, off
  the map at that session (decision 2), and listed as unplaced; ties to them are not recorded.

Older exports name the keys ``_egoID``, ``_caseID``, ``_uid``, ``_sessionStart``...: both are
read. Older exporters left line breaks in free text unquoted; such rows are repaired when that
is unambiguous and reported (:func:`~ipt_graph.io.sources.parse_csv`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import vocab
from ..errors import Problem, ValidationError
from ..model import Client
from .mapping import (
    ImportMapping,
    ImportReport,
    ImportResult,
    PersonLinker,
    RowReader,
    SessionData,
    assemble_client,
    client_code,
    load_mapping,
    parse_number,
    ring_of_distance,
    ring_radii,
    sociogram_distance,
)
from .sources import (
    ZIP_ERRORS,
    Table,
    check_zip_sizes,
    damaged_zip,
    parse_csv,
    read_zip_member,
    source_files,
)

__all__ = [
    "Protocol",
    "read_network_canvas",
    "read_protocol",
    "ring_of_distance",
    "ring_radii",
    "sociogram_distance",
]

#: Each key column under its current and legacy names.
KEYS: dict[str, tuple[str, ...]] = {
    "ego_uuid": ("networkCanvasEgoUUID", "_egoID"),
    "case_id": ("networkCanvasCaseID", "_caseID"),
    "session_id": ("networkCanvasSessionID", "_sessionID"),
    "start": ("sessionStart", "_sessionStart"),
    "finish": ("sessionFinish", "_sessionFinish"),
    "exported": ("sessionExported", "_sessionExported"),
    "uuid": ("networkCanvasUUID", "_uid"),
    "source": ("networkCanvasSourceUUID",),
    "target": ("networkCanvasTargetUUID",),
}
_EGO_KEYS = {*KEYS["ego_uuid"], *KEYS["case_id"], *KEYS["session_id"], *KEYS["start"],
             *KEYS["finish"], *KEYS["exported"], "networkCanvasProtocolName", "_protocolName",
             "APP_VERSION", "COMMIT_HASH", "networkCanvasInterviewLocale",
             "networkCanvasFinishOutcome", "_remoteProtocolID", "_protocolUID",
             "networkCanvasUUID", "_uid", "networkCanvasRemoteProtocolID", "label",
             "networkCanvasType", "_type"}
_NODE_KEYS = {"nodeID", *KEYS["ego_uuid"], *KEYS["uuid"], "_type", "networkCanvasType",
              "label", "_id"}
_EDGE_KEYS = {"edgeID", "from", "to", *KEYS["ego_uuid"], *KEYS["uuid"], *KEYS["source"],
              *KEYS["target"], "_type", "networkCanvasType", "_from", "_to", "_id", "label"}
_FILE = re.compile(r"^(?P<prefix>.+)_(?:(?P<ego>ego)|attributeList_(?P<node>.+)"
                   r"|edgeList_(?P<edge>.+)|(?P<matrix>adjacencyMatrix_.+))\.csv$",
                   re.IGNORECASE)


def _column(columns: Iterable[str], key: str) -> str | None:
    present = set(columns)
    return next((name for name in KEYS[key] if name in present), None)


# --- The protocol -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Protocol:
    """What a Network Canvas protocol's codebook says about the variables.

    ``options[(entity, type)][variable]`` lists the option values of an ordinal or
    categorical variable in protocol order; ``labels`` gives each option's label;
    ``types`` each variable's type. ``entity`` is ``"node"``, ``"edge"`` or ``"ego"`` (type
    ``""`` for ego).
    """

    name: str = ""
    options: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)
    labels: dict[tuple[str, str], dict[str, dict[str, str]]] = field(default_factory=dict)
    types: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    edge_types: tuple[str, ...] = ()


def read_protocol(path: str | Path) -> Protocol:
    """Read a protocol: a ``.netcanvas`` file (a zip holding ``protocol.json``) or the JSON.

    Only the codebook is read: variable names, types, and the options of ordinal and
    categorical variables (their order and labels). The archive is checked for zip bombs.

    Raises
    ------
    ValidationError
        The file is not a protocol (no ``protocol.json``, not JSON, no codebook).
    """
    path = Path(path)
    name = path.name
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                infos = [i for i in archive.infolist()
                         if i.filename.replace("\\", "/").rsplit("/", 1)[-1] == "protocol.json"]
        except ZIP_ERRORS:
            raise damaged_zip(name) from None
        if not infos:
            raise ValidationError([Problem(name, "", "holds no protocol.json")])
        check_zip_sizes(name, infos[:1])
        raw = read_zip_member(path, infos[0], [infos[0].file_size])
    else:
        raw = path.read_bytes()
    try:
        document = json.loads(raw.decode("utf-8-sig"))
        codebook = document["codebook"]
    except (ValueError, KeyError, TypeError):
        raise ValidationError([Problem(name, "codebook", "is not a Network Canvas protocol "
                                       "(protocol.json with a codebook)")]) from None
    options: dict[tuple[str, str], dict[str, list[str]]] = {}
    labels: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    types: dict[tuple[str, str], dict[str, str]] = {}

    def read_variables(key: tuple[str, str], variables: Any) -> None:
        if not isinstance(variables, Mapping):
            return
        for variable in variables.values():
            if not isinstance(variable, Mapping) or "name" not in variable:
                continue
            var_name = str(variable["name"])
            types.setdefault(key, {})[var_name] = str(variable.get("type", ""))
            values, names = [], {}
            for option in variable.get("options") or []:
                if isinstance(option, Mapping):
                    value = _cell(option.get("value"))
                    names[value] = str(option.get("label", value))
                else:
                    value = _cell(option)
                values.append(value)
            if values:
                options.setdefault(key, {})[var_name] = values
                labels.setdefault(key, {})[var_name] = names

    edge_types = []
    for entity in ("node", "edge"):
        for type_id, definition in (codebook.get(entity) or {}).items():
            if not isinstance(definition, Mapping):
                continue
            type_name = str(definition.get("name", type_id))
            if entity == "edge":
                edge_types.append(type_name)
            read_variables((entity, type_name), definition.get("variables"))
    read_variables(("ego", ""), (codebook.get("ego") or {}).get("variables"))
    return Protocol(str(document.get("name", "")), options, labels, types, tuple(edge_types))


def _cell(value: Any) -> str:
    """An option value as the export writes it in a cell."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- Sessions as read, before the mapping --------------------------------------------------------


@dataclass
class RawSession:
    """One interview session as the export holds it: the ego row, node and edge rows."""

    ego_uuid: str
    case_id: str
    ego: dict[str, str]
    ego_where: str
    start: dt.datetime | None = None
    start_column: str = ""
    nodes: list[tuple[Table, int, dict[str, str]]] = field(default_factory=list)
    edges: list[tuple[str, Table, int, dict[str, str]]] = field(default_factory=list)
    other_nodes: set[str] = field(default_factory=set)
    ego_table: Table | None = None


def _parse_time(text: str) -> dt.datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _sessions_from_ego(table: Table, problems: list[Problem]) -> list[RawSession]:
    ego_column = _column(table.columns, "ego_uuid")
    case_column = _column(table.columns, "case_id")
    if ego_column is None:
        problems.append(Problem(table.header_where, KEYS["ego_uuid"][0], "is missing: the ego "
                                f"file needs it (or the legacy {KEYS['ego_uuid'][1]})"))
        return []
    sessions = []
    for line, row in table.records():
        ego_uuid = row.get(ego_column, "").strip()
        if not ego_uuid:
            problems.append(Problem(table.where(line), ego_column, "is empty"))
            continue
        session = RawSession(ego_uuid, row.get(case_column or "", "").strip(), row,
                             table.where(line), ego_table=table)
        for key in ("start", "finish", "exported"):
            column = _column(table.columns, key)
            if column is None or not row.get(column, "").strip():
                continue
            moment = _parse_time(row[column])
            if moment is None:
                problems.append(Problem(table.where(line), column,
                                        "must be an ISO-8601 date and time"))
            elif session.start is None:
                session.start, session.start_column = moment, column
        sessions.append(session)
    return sessions


def read_export_files(path: str | Path, report: ImportReport, node_type: str
                      ) -> tuple[list[RawSession], list[Problem]]:
    """Read every session of an export folder or zip, joining each file set on its prefix."""
    problems: list[Problem] = []
    groups: dict[str, dict[str, Any]] = {}
    for source in source_files(path, (".csv",), report):
        match = _FILE.match(source.name)
        if match is None:
            report.add("skipped_files", source.display, "not a Network Canvas export file name")
            continue
        if match.group("matrix"):
            report.add("skipped_files", source.display, "adjacency matrices are not read (the "
                       "edge lists hold the same ties)")
            continue
        group = groups.setdefault(match.group("prefix"), {"ego": [], "node": [], "edge": [],
                                                          "broken": False})
        try:
            table = parse_csv(source.read(), source.display, report)
        except ValidationError as error:
            problems.extend(error.problems)
            group["broken"] = True  # its session is not joined: no cascade of dangling edges
            continue
        if match.group("ego"):
            group["ego"].append(table)
        elif match.group("node"):
            group["node"].append((match.group("node"), table))
        else:
            group["edge"].append((match.group("edge"), table))
    sessions: list[RawSession] = []
    for prefix, group in groups.items():
        if group["broken"]:
            continue
        if not group["ego"]:
            for _, table in group["node"] + group["edge"]:
                report.add("skipped_files", table.name, "its session has no ego file")
            continue
        found: dict[str, RawSession] = {}
        for table in group["ego"]:
            for session in _sessions_from_ego(table, problems):
                if session.ego_uuid in found:
                    problems.append(Problem(session.ego_where, _column(
                        table.columns, "ego_uuid") or "", "repeats a session's ego UUID"))
                found[session.ego_uuid] = session
        if not found:
            if not group["ego"][0].rows:
                report.add("skipped_files", group["ego"][0].name, "the ego file has no rows")
            continue
        _attach_rows(prefix, group, found, node_type, problems)
        sessions.extend(found.values())
    return sessions, problems


def _attach_rows(prefix: str, group: dict[str, Any], found: dict[str, RawSession],
                 node_type: str, problems: list[Problem]) -> None:
    only = next(iter(found.values())) if len(found) == 1 else None
    for kind, entries in (("node", group["node"]), ("edge", group["edge"])):
        for type_name, table in entries:
            ego_column = _column(table.columns, "ego_uuid")
            if ego_column is None and only is None:
                problems.append(Problem(table.header_where, KEYS["ego_uuid"][0],
                                        "is missing: rows cannot be joined to their session"))
                continue
            uuid_column = _column(table.columns, "uuid")
            for line, row in table.records():
                ego_uuid = row.get(ego_column, "").strip() if ego_column else only.ego_uuid
                session = found.get(ego_uuid)
                if session is None:
                    problems.append(Problem(table.where(line), ego_column or "",
                                            "does not match a session of the ego file"))
                    continue
                if kind == "edge":
                    session.edges.append((type_name, table, line, row))
                elif type_name.lower() == node_type.lower():
                    session.nodes.append((table, line, row))
                elif uuid_column:
                    session.other_nodes.add(row.get(uuid_column, "").strip())


# --- From sessions to clients -----------------------------------------------------------------


def _timezone(timezone: str | dt.tzinfo) -> dt.tzinfo:
    if isinstance(timezone, dt.tzinfo):
        return timezone
    try:
        return ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"timezone must be an IANA time zone such as 'Europe/Lisbon', got "
                         f"{timezone!r}") from None


def import_sessions(raw_sessions: list[RawSession], mapping: ImportMapping,
                    report: ImportReport, problems: list[Problem], *,
                    protocol: Protocol | None, aspect_ratio: float, radius_scheme: str,
                    rings: int, timezone: str | dt.tzinfo, source: str) -> list[Client]:
    """Turn sessions as read into clients (one per case), following the mapping.

    Shared by the CSV and the GraphML readers. Problems (missing mapped columns, dangling
    edges, malformed cells) are collected into ``problems``; the caller raises them.
    """
    zone = _timezone(timezone)
    if mapping.ring is None:
        problems.append(Problem("mapping", "ring", "is required: name an ordinal closeness "
                                "variable (ring.variable) or a sociogram layout (ring.layout)"))
        return []
    radii = ring_radii(rings, radius_scheme)
    node_key = ("node", mapping.node_type)
    options = dict(protocol.options.get(node_key, {})) if protocol else {}
    labels = protocol.labels.get(node_key, {}) if protocol else {}
    if protocol is not None:
        known = protocol.types.get(node_key, {})
        for name in ("ring", "support", "conflict", "role", "status"):
            spec = getattr(mapping, name)
            if spec is not None and spec.variable and spec.variable not in known:
                report.add("notes", "protocol", f"the {name} variable is not in the protocol's "
                           f"codebook for {mapping.node_type}", column=spec.variable)
    readers: dict[int, RowReader] = {}

    def reader_for(table: Table) -> RowReader:
        if id(table) not in readers:
            reader = RowReader(mapping, table, report, rings=rings, options=options,
                               labels=labels, radii=radii, aspect_ratio=aspect_ratio,
                               id_column=_column(table.columns, "uuid") or KEYS["uuid"][0],
                               key_columns=_NODE_KEYS)
            if _column(table.columns, "uuid") is None:
                problems.append(Problem(table.header_where, KEYS["uuid"][0],
                                        "is missing: people need their UUID (or legacy _uid)"))
            readers[id(table)] = reader
        return readers[id(table)]

    if not any(s.nodes for s in raw_sessions) and raw_sessions:
        report.add("notes", source, f"no {mapping.node_type} nodes in any session "
                   "(is node_type right?)")
    by_case: dict[str, list[RawSession]] = {}
    for session in raw_sessions:
        case = session.case_id
        if not case:
            report.add("notes", session.ego_where, "the session has no case id: it is a "
                       "client of its own")
            case = f"session:{session.ego_uuid}"
        by_case.setdefault(case, []).append(session)
    reported_egos: set[int] = set()
    prepared = []
    for case_id, sessions in sorted(by_case.items(), key=lambda item: client_code(item[0])):
        client_id = client_code(case_id)
        if client_id in report.case_ids:  # two case ids with the same 40-bit code
            problems.append(Problem(sessions[0].ego_where, KEYS["case_id"][0], f"its client "
                                    f"code {client_id} is also another case's; rename a case"))
        report.case_ids[client_id] = case_id
        far_future = dt.datetime.max.replace(tzinfo=dt.UTC)
        sessions.sort(key=lambda s: (s.start or far_future, s.ego_uuid))
        linker = PersonLinker(client_id, report, keyed=mapping.person_key is not None)
        data = []
        for number, raw in enumerate(sessions, start=1):
            if raw.start is None:
                report.add("notes", raw.ego_where, "no session time: the session is dated "
                           "unknown and ordered last", client_id=client_id, session=number)
            elif raw.start_column not in KEYS["start"]:
                report.add("notes", raw.ego_where, f"no sessionStart: dated by "
                           f"{raw.start_column}", client_id=client_id, session=number)
            session = SessionData(number, raw.start.astimezone(zone).date()
                                  if raw.start else None)
            if raw.ego_table is not None and id(raw.ego_table) not in reported_egos:
                reported_egos.add(id(raw.ego_table))
                _report_ego_columns(raw.ego_table, mapping, report, problems)
            session.measures = _measures(raw, mapping, problems)
            observations = [reader_for(table).read(line, row) for table, line, row in raw.nodes]
            seen: set[str] = set()
            for observation in observations:
                if not observation.uuid:
                    problems.append(Problem(observation.where, KEYS["uuid"][0], "is empty"))
                elif observation.uuid in seen:
                    problems.append(Problem(observation.where, KEYS["uuid"][0],
                                            "repeats a UUID of this session"))
                seen.add(observation.uuid)
            ids = linker.link(number, observations)
            uuids = {o.uuid: pid for pid, o in zip(ids, observations, strict=True)}
            node_ids = {row.get("nodeID", "").strip(): pid
                        for pid, (_, _, row) in zip(ids, raw.nodes, strict=True)}
            session.people = list(zip(ids, observations, strict=True))
            session.ties = _ties(raw, mapping, uuids, node_ids, report, problems, client_id,
                                 number)
            data.append(session)
        prepared.append((client_id, data))
    for reader in readers.values():
        problems.extend(reader.problems)
    if problems:
        return []
    clients = []
    for client_id, data in prepared:
        try:
            clients.append(assemble_client(client_id, rings, data, report, source=client_id))
        except ValidationError as error:
            problems.extend(Problem(f"{client_id} {p.record}", p.field, p.message)
                            for p in error.problems)
    return clients


def _report_ego_columns(table: Table, mapping: ImportMapping, report: ImportReport,
                        problems: list[Problem]) -> None:
    used = set(mapping.measures.values())
    for column in mapping.measures.values():
        if column not in table.columns:
            problems.append(Problem(table.header_where, column, "is mapped (measures) but the ego "
                                    "file has no such column"))
    for column in table.columns:
        if column in _EGO_KEYS or column in used or not column:
            continue
        message = ("a stray column named null; ignored" if column == "null"
                   else "an ego variable not in the mapping; ignored")
        report.add("unmapped_columns", table.name, message, column=column, merge=True)


def _measures(raw: RawSession, mapping: ImportMapping, problems: list[Problem]
              ) -> dict[str, float | int]:
    measures: dict[str, float | int] = {}
    for instrument, column in mapping.measures.items():
        cell = raw.ego.get(column, "").strip()
        if not cell:
            continue
        number = parse_number(cell)
        spec = vocab.INSTRUMENTS.get(instrument)
        if number is None:
            problems.append(Problem(raw.ego_where, column, f"must be a number ({instrument} "
                                    "total)"))
        elif spec is not None and not spec.total_min <= number <= spec.total_max:
            problems.append(Problem(raw.ego_where, column, f"must be {spec.total_min:g}.."
                                    f"{spec.total_max:g} ({spec.title} total), got {number:g}"))
        else:
            measures[instrument] = int(number) if number.is_integer() else number
    return measures


def _edge_kind(mapping: ImportMapping, edge_type: str) -> tuple[str | None, str | None]:
    """The tie kind and weight variable of an edge type (kind None: not in the mapping)."""
    if mapping.edges is None:
        kind = edge_type.lower()
        return (kind, None) if kind in tuple(vocab.TieKind) else (None, None)
    spec = mapping.edges.get(edge_type)
    if spec is None:
        return None, None
    return spec.kind, spec.weight


def _ties(raw: RawSession, mapping: ImportMapping, uuids: Mapping[str, str],
          node_ids: Mapping[str, str], report: ImportReport, problems: list[Problem],
          client_id: str, number: int) -> list[tuple[str, str, str, float, str]]:
    ties = []
    checked: set[int] = set()
    for edge_type, table, line, row in raw.edges:
        kind, weight_column = _edge_kind(mapping, edge_type)
        where = table.where(line)
        if kind is None or kind == "":
            if id(table) not in checked:
                checked.add(id(table))
                message = (f"edge type {edge_type} is skipped by the mapping" if kind == ""
                           else f"edge type {edge_type} is not in the mapping")
                report.add("skipped_files", table.name, message)
            continue
        columns = table.columns
        ends = [_column(columns, "source"), _column(columns, "target")]
        legacy = ends[0] is None or ends[1] is None
        if legacy:
            ends = ["from", "to"]
        if id(table) not in checked:
            checked.add(id(table))
            for column in ends:
                if column not in columns:
                    problems.append(Problem(table.header_where, KEYS[
                        "source" if column == "from" else "target"][0],
                        "is missing: edges need the UUIDs of both ends"))
            if weight_column and weight_column not in columns:
                problems.append(Problem(table.header_where, weight_column,
                                        "is mapped (edge weight) but the file has no such "
                                        "column"))
            for column in columns:
                if column not in _EDGE_KEYS and column != weight_column and column:
                    report.add("unmapped_columns", table.name, "an edge variable not in the "
                               "mapping; ignored", column=column, merge=True)
        if any(column not in columns for column in ends):
            continue
        people = []
        for column in ends:
            value = row.get(column, "").strip()
            if value in uuids:
                people.append(uuids[value])
            elif legacy and value in node_ids:
                report.add("notes", table.name, "a legacy edge file without UUID columns: "
                           "joined on nodeID", merge=True)
                people.append(node_ids[value])
            elif value and value in raw.other_nodes:
                people.append(None)
            else:
                problems.append(Problem(where, column, "does not match a node of this session "
                                        "(a dangling edge)" if value else "is empty"))
                people.append("")
        if "" in people:
            continue
        if None in people:
            report.add("dropped_ties", where, "joins a node of another type",
                       client_id=client_id, session=number, merge=True)
            continue
        weight = 1.0
        if weight_column and row.get(weight_column, "").strip():
            number_value = parse_number(row[weight_column])
            if number_value is None or not 0 < number_value <= 1:
                problems.append(Problem(where, weight_column, "must be a number in (0, 1]"))
                continue
            weight = number_value
        ties.append((people[0], people[1], kind, weight, where))
    return ties


# --- The reader -------------------------------------------------------------------------------


def read_network_canvas(
    path: str | Path,
    mapping: ImportMapping | Mapping[str, Any] | str | Path,
    *,
    protocol: str | Path | Protocol | None = None,
    aspect_ratio: float = 1.0,
    radius_scheme: str = "equal",
    rings: int = vocab.DEFAULT_RINGS,
    timezone: str | dt.tzinfo = "UTC",
    person_key: str | None = None,
) -> ImportResult:
    """Read a Network Canvas CSV export (a folder or a zip of sessions) into clients.

    Parameters
    ----------
    path : str or Path
        The export: a folder (searched recursively), a ``.zip``, or one session's file.
        macOS metadata (``__MACOSX/``, ``.DS_Store``) is skipped; zips are checked for zip
        bombs (:data:`~ipt_graph.io.sources.MAX_TOTAL_BYTES`,
        :data:`~ipt_graph.io.sources.MAX_RATIO`).
    mapping : dict, path to a TOML file, or ImportMapping
        Which variables are the ring, support, conflict, role, label and status, how their
        values map, which edge types are which tie kinds (:mod:`ipt_graph.io.mapping`).
    protocol : path or Protocol, optional
        The ``.netcanvas`` protocol: the option order of ordinal variables and the labels
        of categorical ones, used for fields the mapping gives no ``values``.
    aspect_ratio : float
        The sociogram canvas's width divided by its height, to turn the stored x/y (each
        normalised by its own side) into a distance (default 1: a square canvas). See
        :func:`~ipt_graph.io.mapping.sociogram_distance`.
    radius_scheme : {"equal", "equal_area", "skewed"}
        How the sociogram's circles are spaced (:func:`~ipt_graph.io.mapping.ring_radii`).
    rings : int
        Rings of every client (2..6, default 3); also the number of sociogram circles.
    timezone : str or tzinfo
        IANA time zone in which ``sessionStart`` (UTC) gives the session's date.
    person_key : str, optional
        The node variable that links people across follow-up sessions (overrides the
        mapping's ``person_key``).

    Returns
    -------
    ImportResult
        ``clients`` (sorted by client id; each session ``complete``) and ``report``: what
        could not be mapped, placed or linked, rows repaired, files skipped, the raw
        sociogram distances (``report.placements``).

    Raises
    ------
    ValidationError
        Every problem at once, each naming the file, the line (physical line of the file,
        the header being line 1) and the column: a mapped column that is missing, a dangling
        edge, a malformed row or cell. Cell contents are never quoted.
    ValueError
        A bad parameter, or a zip that looks like a zip bomb.
    """
    mapping = load_mapping(mapping)
    if person_key is not None:
        mapping = _with_person_key(mapping, person_key)
    if isinstance(protocol, str | Path):
        protocol = read_protocol(protocol)
    _check_options(aspect_ratio, radius_scheme, rings)
    report = ImportReport(source=Path(path).name)
    raw_sessions, problems = read_export_files(path, report, mapping.node_type)
    clients = import_sessions(raw_sessions, mapping, report, problems, protocol=protocol,
                              aspect_ratio=aspect_ratio, radius_scheme=radius_scheme,
                              rings=rings, timezone=timezone, source=Path(path).name)
    if problems:
        raise ValidationError(_unique(problems), Path(path).name)
    return ImportResult(clients, report)


def _with_person_key(mapping: ImportMapping, person_key: str) -> ImportMapping:
    from dataclasses import replace

    return replace(mapping, person_key=person_key)


def _check_options(aspect_ratio: float, radius_scheme: str, rings: int) -> None:
    sociogram_distance(0.5, 0.5, aspect_ratio)  # checks the aspect ratio
    ring_radii(rings, radius_scheme)
    if not vocab.MIN_RINGS <= rings <= vocab.MAX_RINGS:
        raise ValueError(f"rings must be {vocab.MIN_RINGS}..{vocab.MAX_RINGS}, got {rings}")


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return out

