"""What the importers share: the user's mapping, the report, sociogram geometry, linking.

Network Canvas exports (CSV or GraphML) and egor tables arrive as rows of text cells whose
columns are the user's own variables. This module turns such a row into an observation of
one person at one session, following a **mapping** the user gives (a dict or a TOML file):
which column is the ring, support, conflict, role, status and label, and how their values
map onto ipt_graph's scales (DESIGN.md §3; FORMATS.md).

A mapping, in TOML (every key optional except a source for the ring)::

    node_type = "Person"            # Network Canvas: attributeList_<node_type>.csv
    label = "name"                  # the person's label (PHI: never echoed in messages)
    person_key = "name"             # links the people of follow-up sessions

    [ring]                          # either an ordinal variable with a value -> ring map ...
    variable = "closeness"
    values = { very_close = 1, close = 2, not_so_close = 3 }
    # layout = "sociogram"          # ... or a sociogram position, sociogram_x / sociogram_y

    [support]
    variable = "support"
    values = { not_at_all = 1, a_little = 2, somewhat = 3, quite_a_bit = 4, very = 5,
               extremely = 6 }

    [role]                          # one-hot categorical: relationship_<option> true/false
    variable = "relationship"
    values = { partner = "partner", mum_or_dad = "parent", friend = "friend" }

    [status]
    variable = "deceased"
    values = { true = "deceased", false = "" }     # "" = no observation, not reported

    [edges]                         # Network Canvas edge type -> tie kind ("" = skip it)
    Close = "close"
    Conflict = "conflict"

    [measures]                      # instrument -> ego variable holding its total
    phq9 = "phq9_total"

A field given as a plain string (``support = "support"``) names its variable with no value
map. Without ``values``, a field takes the option order from a Network Canvas protocol when
one is given (ring: the first option is the innermost ring, unless ``reverse = true``;
support and conflict: six options read as 1..6), else values that already are ratings
(``"1"``..``"6"``, ring ``"1"``..``"rings"``) or vocabulary tokens (``"partner"``,
``"deceased"``). ``encoding`` is ``"auto"`` (one column named ``variable`` if present, else
one-hot columns ``<variable>_<option>``), ``"single"`` or ``"one_hot"``; ``columns`` maps
one-hot columns that share no prefix (egor's 0/1 dummies) directly: ``columns = { is_partner
= "partner" }``.

Messages and the report name files, lines and columns, the tool's own ids (UUIDs) and
option codes: never a label or any other text a person typed (see :class:`ImportReport`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import vocab
from ..errors import Problem, ValidationError
from ..model import Client
from .sources import SHOWABLE, Table

__all__ = [
    "RADIUS_SCHEMES",
    "EdgeSpec",
    "FieldSpec",
    "ImportMapping",
    "ImportReport",
    "ImportResult",
    "Placement",
    "ReportEntry",
    "TieSpec",
    "client_code",
    "load_mapping",
    "ring_of_distance",
    "ring_radii",
    "sociogram_distance",
]

#: Radius schemes of the concentric circles (FORMATS.md), as functions of k/n.
RADIUS_SCHEMES: dict[str, Callable[[float], float]] = {
    "equal": lambda share: share,
    "equal_area": math.sqrt,
    "skewed": lambda share: (3 * math.sqrt(share) + share) / 4,
}

_TRUE = {"true", "1", "yes", "t", "y"}
_FALSE = {"false", "0", "no", "f", "n", ""}
#: Option codes that may be shown in the report: short tokens, never free text.
#: Above this many distinct unmapped values a column looks like free text: none are shown.
_MAX_SHOWN_VALUES = 20
_INSTRUMENT = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$")


# --- Sociogram geometry -----------------------------------------------------------------------


def ring_radii(rings: int, scheme: str = "equal", outer: float = 1.0) -> list[float]:
    """Radii of ``rings`` concentric circles with outer radius ``outer``, innermost first.

    Parameters
    ----------
    rings : int
        Number of circles n (2..6 for a client).
    scheme : {"equal", "equal_area", "skewed"}
        ``"equal"``: equal increments, r_k = R·k/n. ``"equal_area"``: rings of equal area,
        r_k = R·√(k/n). ``"skewed"`` (toward the centre): r_k = (3·R·√(k/n) + R·k/n) / 4.
    outer : float
        The outer radius R.

    Returns
    -------
    list of float
        r_1 < ... < r_n = R.

    Examples
    --------
    >>> [round(r, 2) for r in ring_radii(3, "skewed", outer=50)]
    [25.82, 38.95, 50.0]
    >>> [round(r, 3) for r in ring_radii(4, "equal_area")]
    [0.5, 0.707, 0.866, 1.0]
    """
    if scheme not in RADIUS_SCHEMES:
        raise ValueError(f"radius_scheme must be one of {', '.join(RADIUS_SCHEMES)}, "
                         f"got {scheme!r}")
    if not isinstance(rings, int) or rings < 1:
        raise ValueError(f"rings must be a positive integer, got {rings!r}")
    return [outer * RADIUS_SCHEMES[scheme](k / rings) for k in range(1, rings + 1)]


def sociogram_distance(x: float, y: float, aspect_ratio: float = 1.0) -> float:
    """Distance of a sociogram position from the centre, in units of the outer circle's radius.

    Network Canvas stores a position as x and y in [0, 1], x normalised by the canvas width
    and y by its height (y from the top), the centre (0.5, 0.5) standing for the client. The
    circles are drawn in a square fitted to the shorter side, so the outer circle's radius R
    is half the shorter side.

    Parameters
    ----------
    x, y : float
        The stored position.
    aspect_ratio : float
        The canvas's width divided by its height (1 = square, the default; 16/9 for a
        landscape tablet screen, 3/4 for a portrait one).

    Returns
    -------
    float
        d = 2·√(((x − 0.5)·w)² + ((y − 0.5)·h)²) with w = max(a, 1), h = max(1/a, 1): each
        offset in units of the shorter side. For a ≥ 1 this is dx = (x − 0.5)·a,
        dy = y − 0.5, d = √(dx² + dy²) / 0.5. d ≤ 1 is inside the outer circle.

    Examples
    --------
    >>> sociogram_distance(0.5, 0.0)
    1.0
    >>> sociogram_distance(0.75, 0.5, aspect_ratio=2.0)   # a quarter of the width = R
    1.0
    """
    if not aspect_ratio > 0 or not math.isfinite(aspect_ratio):
        raise ValueError(f"aspect_ratio must be a positive number, got {aspect_ratio!r}")
    width, height = max(aspect_ratio, 1.0), max(1.0 / aspect_ratio, 1.0)
    return 2.0 * math.hypot((x - 0.5) * width, (y - 0.5) * height)


def ring_of_distance(distance: float, radii: list[float]) -> int | None:
    """The ring (1 = innermost) of a distance, None beyond the outer circle.

    A point on a circle belongs to the ring inside it.

    Examples
    --------
    >>> ring_of_distance(0.5, [1 / 3, 2 / 3, 1.0]), ring_of_distance(1.2, [0.5, 1.0])
    (2, None)
    """
    for ring, radius in enumerate(radii, start=1):
        if distance <= radius + 1e-12:
            return ring
    return None


def client_code(case_id: str, prefix: str = "NC") -> str:
    """A stable pseudonymous client id for a tool's case id: ``prefix-`` + 10 hex digits.

    Case ids (and file names) can hold names, so they never become client ids: the code is
    the first 10 hex digits of the SHA-256 of the case id as UTF-8. The same case id always
    gives the same code; the case id cannot be read back from it.

    Examples
    --------
    >>> client_code("demo-case-01")
    'NC-dd2a352dcb'
    """
    return f"{prefix}-{hashlib.sha256(case_id.encode('utf-8')).hexdigest()[:10]}"


# --- The report -------------------------------------------------------------------------------


@dataclass
class ReportEntry:
    """One thing an importer could not map, place, link or read, or repaired.

    ``where`` is a file and line (``"x_ego.csv line 4"``); ``uuid`` the tool's id of the
    person, never a name; ``count`` how many times the same thing happened.
    """

    where: str
    message: str
    column: str = ""
    client_id: str = ""
    session: int | None = None
    uuid: str = ""
    count: int = 1

    def __str__(self) -> str:
        parts = []
        if self.client_id:
            parts.append(self.client_id + (f" session {self.session}"
                                           if self.session is not None else ""))
        if self.uuid:
            parts.append(f"UUID {self.uuid}")
        if self.where:
            parts.append(self.where)
        if self.column:
            parts.append(f"column {self.column}")
        text = ", ".join(parts)
        text = f"{text}: {self.message}" if text else self.message
        return text + (f" (x{self.count})" if self.count > 1 else "")


@dataclass(frozen=True)
class Placement:
    """Where a person was placed on a sociogram: the raw position and distance, and the ring.

    ``distance`` is in units of the outer circle's radius (:func:`sociogram_distance`).
    """

    client_id: str
    session: int
    person_id: str
    uuid: str
    x: float
    y: float
    distance: float
    ring: int | None


_KINDS = ("repaired", "unmapped_columns", "unmapped_values", "unplaced", "unlinked",
          "dropped_ties", "skipped_files", "notes")
_TITLES = {
    "repaired": "Repaired rows",
    "unmapped_columns": "Columns not used",
    "unmapped_values": "Values not mapped",
    "unplaced": "Unplaced people (kept in the record, off the map at that session)",
    "unlinked": "People not linked to an earlier session (by UUID or row, never by name)",
    "dropped_ties": "Ties not recorded",
    "skipped_files": "Files skipped",
    "notes": "Notes",
}


@dataclass
class ImportReport:
    """What an import could not map, place or link, what it repaired and what it skipped.

    Each list holds :class:`ReportEntry` items; ``placements`` keeps the raw sociogram
    positions and distances. ``str(report)`` and :meth:`to_frame` name files, lines,
    columns, client ids, session numbers, UUIDs and option codes: never a label, a person
    key or other free text. ``case_ids`` maps each client id back to the tool's case id,
    which may identify the client; it is left out of ``str`` and ``to_frame``.
    """

    source: str = ""
    repaired: list[ReportEntry] = field(default_factory=list)
    unmapped_columns: list[ReportEntry] = field(default_factory=list)
    unmapped_values: list[ReportEntry] = field(default_factory=list)
    unplaced: list[ReportEntry] = field(default_factory=list)
    unlinked: list[ReportEntry] = field(default_factory=list)
    dropped_ties: list[ReportEntry] = field(default_factory=list)
    skipped_files: list[ReportEntry] = field(default_factory=list)
    notes: list[ReportEntry] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    case_ids: dict[str, str] = field(default_factory=dict, repr=False)
    _merged: dict[tuple[str, str, str, str], ReportEntry] = field(
        default_factory=dict, repr=False, compare=False)

    def add(self, kind: str, where: str, message: str, *, column: str = "",
            client_id: str = "", session: int | None = None, uuid: str = "",
            merge: bool = False) -> None:
        """Add an entry to the list ``kind``; ``merge`` counts repeats of the same one."""
        entry = self._merged.get((kind, message, column, client_id)) if merge else None
        if entry is not None:
            entry.count += 1
            return
        entry = ReportEntry(where, message, column, client_id, session, uuid)
        getattr(self, kind).append(entry)
        if merge:
            self._merged[(kind, message, column, client_id)] = entry

    def __len__(self) -> int:
        return sum(len(getattr(self, kind)) for kind in _KINDS)

    def to_frame(self) -> pd.DataFrame:
        """Every entry as one long table: ``kind, client_id, session, uuid, where, column,
        message, count``."""
        rows = [{"kind": kind, "client_id": e.client_id, "session": e.session, "uuid": e.uuid,
                 "where": e.where, "column": e.column, "message": e.message, "count": e.count}
                for kind in _KINDS for e in getattr(self, kind)]
        frame = pd.DataFrame(rows, columns=["kind", "client_id", "session", "uuid", "where",
                                            "column", "message", "count"])
        return frame.astype({"session": "Int64", "count": "int64"})

    def placements_frame(self) -> pd.DataFrame:
        """The sociogram placements: ``client_id, session, person_id, uuid, x, y, distance,
        ring`` (distance in units of the outer circle's radius; ring missing when outside)."""
        columns = ["client_id", "session", "person_id", "uuid", "x", "y", "distance", "ring"]
        frame = pd.DataFrame([dataclasses.astuple(p) for p in self.placements],
                             columns=columns)
        return frame.astype({"session": "int64", "x": "float64", "y": "float64",
                             "distance": "float64", "ring": "Int64"})

    def __str__(self) -> str:
        head = f"Import report for {self.source}" if self.source else "Import report"
        lines = [f"{head}: {len(self)} entries, {len(self.placements)} sociogram placements"]
        for kind in _KINDS:
            entries = getattr(self, kind)
            if entries:
                lines.append(f"{_TITLES[kind]} ({len(entries)}):")
                lines.extend(f"  {entry}" for entry in entries)
        return "\n".join(lines)


@dataclass
class ImportResult:
    """The clients an importer built (each session a ``complete`` snapshot) and its report."""

    clients: list[Client]
    report: ImportReport

    def __iter__(self) -> Iterator[Client]:
        return iter(self.clients)

    def __len__(self) -> int:
        return len(self.clients)

    def client(self, client_id: str) -> Client:
        """The client with this id."""
        for client in self.clients:
            if client.client_id == client_id:
                return client
        raise LookupError(f"no client {client_id} in this import")



# --- The mapping ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """Where one field (ring, support, conflict, role, status) comes from. See the module."""

    variable: str | None = None
    values: dict[str, Any] | None = None
    encoding: str = "auto"
    columns: dict[str, Any] | None = None
    layout: str | None = None
    reverse: bool = False


@dataclass(frozen=True)
class EdgeSpec:
    """A Network Canvas edge type read as a tie ``kind``; ``weight`` names a (0, 1] variable."""

    kind: str
    weight: str | None = None


@dataclass(frozen=True)
class TieSpec:
    """How a table of alter-alter rows gives tie kinds and weights (egor).

    ``kind`` is one kind for every row; ``column`` with ``values`` reads the kind from a
    column; ``columns`` maps 0/1 dummy columns to kinds (a row may give several).
    """

    kind: str | None = None
    column: str | None = None
    values: dict[str, str] | None = None
    columns: dict[str, str] | None = None
    weight: str | None = None


@dataclass(frozen=True)
class ImportMapping:
    """The user's mapping, checked (see the module docstring for the keys)."""

    node_type: str = "Person"
    label: str | None = None
    person_key: str | None = None
    ring: FieldSpec | None = None
    support: FieldSpec | None = None
    conflict: FieldSpec | None = None
    role: FieldSpec | None = None
    status: FieldSpec | None = None
    edges: dict[str, EdgeSpec] | None = None
    ties: TieSpec | None = None
    measures: dict[str, str] = field(default_factory=dict)
    date: str | None = None


_FIELDS = ("ring", "support", "conflict", "role", "status")
_TOP_KEYS = ("node_type", "label", "person_key", *_FIELDS, "edges", "ties", "measures", "date")
_FIELD_KEYS = ("variable", "values", "encoding", "columns", "layout", "reverse")
_TIE_KEYS = ("kind", "column", "values", "columns", "weight")


def _text_key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key).strip()


def load_mapping(mapping: ImportMapping | Mapping[str, Any] | str | Path | None
                 ) -> ImportMapping:
    """Read and check a mapping: an :class:`ImportMapping`, a dict, or a TOML file's path.

    Raises
    ------
    ValidationError
        Every problem at once: unknown keys, values that are not ipt_graph tokens or ratings.
    """
    if mapping is None:
        return ImportMapping()
    if isinstance(mapping, ImportMapping):
        return mapping
    source = None
    if isinstance(mapping, str | Path):
        source = str(mapping)
        try:
            with open(mapping, "rb") as stream:
                data: Mapping[str, Any] = tomllib.load(stream)
        except tomllib.TOMLDecodeError as error:
            raise ValidationError([Problem("mapping", "", f"is not valid TOML ({error})")],
                                  source) from None
    elif isinstance(mapping, Mapping):
        data = mapping
    else:
        raise TypeError("mapping must be a dict, a path to a TOML file or an ImportMapping")
    problems: list[Problem] = []

    def problem(where: str, message: str) -> None:
        problems.append(Problem("mapping", where, message))

    for key in data:
        if key not in _TOP_KEYS:
            problem(_safe(key), f"is not a mapping key; allowed: {', '.join(_TOP_KEYS)}")
    out: dict[str, Any] = {}
    for key in ("node_type", "label", "person_key", "date"):
        if key in data:
            if not isinstance(data[key], str) or not data[key]:
                problem(key, "must be a column or type name (a non-empty string)")
            else:
                out[key] = data[key]
    for name in _FIELDS:
        if name in data:
            spec = _field_spec(name, data[name], problem)
            if spec is not None:
                out[name] = spec
    if "edges" in data:
        edges = data["edges"]
        if not isinstance(edges, Mapping):
            problem("edges", "must be a table of edge type -> tie kind")
        else:
            out["edges"] = {}
            for edge_type, target in edges.items():
                if isinstance(target, str):
                    target = {"kind": target}
                if not isinstance(target, Mapping) or set(target) - {"kind", "weight"}:
                    problem(f"edges.{_safe(edge_type)}",
                            "must be a tie kind or a table with kind and weight")
                    continue
                kind = target.get("kind", "")
                if kind not in ("", *vocab.TieKind):
                    problem(f"edges.{_safe(edge_type)}", "must be one of "
                            f"{', '.join(vocab.TieKind)} (or \"\" to skip the type)")
                    continue
                out["edges"][str(edge_type)] = EdgeSpec(kind, target.get("weight"))
    if "ties" in data:
        ties = data["ties"]
        if isinstance(ties, str):
            ties = {"kind": ties}
        if not isinstance(ties, Mapping) or set(ties) - set(_TIE_KEYS):
            problem("ties", f"must be a tie kind or a table with {', '.join(_TIE_KEYS)}")
        else:
            kinds = [ties.get("kind")] if ties.get("kind") else []
            kinds += list((ties.get("values") or {}).values())
            kinds += list((ties.get("columns") or {}).values())
            for kind in kinds:
                if kind not in ("", *vocab.TieKind):
                    problem("ties", f"tie kinds must be one of {', '.join(vocab.TieKind)}")
                    break
            out["ties"] = TieSpec(
                kind=ties.get("kind"), column=ties.get("column"), weight=ties.get("weight"),
                values={_text_key(k): v for k, v in ties["values"].items()}
                if isinstance(ties.get("values"), Mapping) else None,
                columns=dict(ties["columns"]) if isinstance(ties.get("columns"), Mapping)
                else None)
    if "measures" in data:
        measures = data["measures"]
        if not isinstance(measures, Mapping):
            problem("measures", "must be a table of instrument -> ego column")
        else:
            for instrument, column in measures.items():
                if not isinstance(instrument, str) or not _INSTRUMENT.match(instrument):
                    problem(f"measures.{_safe(instrument)}",
                            "an instrument name is snake_case (phq9, gad7, ...)")
                elif not isinstance(column, str) or not column:
                    problem(f"measures.{instrument}", "must name an ego column")
            out["measures"] = {str(k): v for k, v in measures.items()}
    if problems:
        raise ValidationError(problems, source)
    return ImportMapping(**out)


def _safe(key: Any) -> str:
    text = str(key)
    return text if re.match(r"^[A-Za-z0-9_.\-]{1,60}$", text) else "<key>"


def _field_spec(name: str, raw: Any, problem: Callable[[str, str], None]) -> FieldSpec | None:
    if isinstance(raw, str):
        raw = {"variable": raw}
    if not isinstance(raw, Mapping):
        problem(name, "must be a variable name or a table (variable, values, ...)")
        return None
    for key in raw:
        if key not in _FIELD_KEYS:
            problem(f"{name}.{_safe(key)}",
                    f"is not a field key; allowed: {', '.join(_FIELD_KEYS)}")
    encoding = raw.get("encoding", "auto")
    if encoding not in ("auto", "single", "one_hot"):
        problem(f"{name}.encoding", "must be auto, single or one_hot")
    if raw.get("layout") is not None and name != "ring":
        problem(f"{name}.layout", "only the ring can come from a sociogram layout")
    sources = sum(raw.get(key) is not None for key in ("variable", "columns", "layout"))
    if sources != 1:
        problem(name, "give exactly one of variable, columns or layout")
    values = raw.get("values")
    columns = raw.get("columns")
    for key, table in (("values", values), ("columns", columns)):
        if table is None:
            continue
        if not isinstance(table, Mapping):
            problem(f"{name}.{key}", "must be a table")
            continue
        for option, target in table.items():
            if not _valid_target(name, target):
                problem(f"{name}.{key}.{_safe(option)}", _target_rule(name))
    return FieldSpec(
        variable=raw.get("variable"),
        values={_text_key(k): v for k, v in values.items()} if isinstance(values, Mapping)
        else None,
        encoding=encoding,
        columns=dict(columns) if isinstance(columns, Mapping) else None,
        layout=raw.get("layout"),
        reverse=bool(raw.get("reverse", False)),
    )


def _valid_target(name: str, target: Any) -> bool:
    if target == "":
        return True
    if name == "ring":
        return isinstance(target, int) and not isinstance(target, bool) and (
            1 <= target <= vocab.MAX_RINGS)
    if name in ("support", "conflict"):
        return isinstance(target, int) and not isinstance(target, bool) and (
            vocab.RATING_MIN <= target <= vocab.RATING_MAX)
    if name == "role":
        return target in tuple(vocab.Role)
    return target in tuple(vocab.Status)


def _target_rule(name: str) -> str:
    if name == "ring":
        return f"must be a ring 1..{vocab.MAX_RINGS} (or \"\" for no value)"
    if name in ("support", "conflict"):
        return f"must be a rating {vocab.RATING_MIN}..{vocab.RATING_MAX} (or \"\" for no value)"
    tokens = vocab.Role if name == "role" else vocab.Status
    return f"must be one of {', '.join(tokens)} (or \"\" for no value)"


# --- Reading a row through the mapping --------------------------------------------------------


@dataclass
class Observation:
    """One person as one row of one session describes them, after the mapping."""

    uuid: str
    where: str
    key: str | None = None
    label: str | None = None
    role: str | None = None
    status: str | None = None
    ring: int | None = None
    support: int | None = None
    conflict: int | None = None
    unplaced: str = ""  # why the person got no ring
    position: tuple[float, float, float] | None = None  # x, y, distance


@dataclass
class _Field:
    name: str
    spec: FieldSpec
    mode: str  # single | one_hot | layout
    column: str | None = None
    columns: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] | None = None


def parse_number(text: str, decimal: str = ".") -> float | None:
    """A number from a cell (``decimal=","`` reads ``0,5``); None when empty or not a number."""
    text = text.strip()
    if not text:
        return None
    if decimal == ",":
        text = text.replace(".", "").replace(",", ".") if "," in text else text
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_bool(text: str) -> bool | None:
    """``true``/``false`` (also 1/0, yes/no); empty is false; None when it is neither."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


class RowReader:
    """Reads the people of one table (one node type of one session) through the mapping.

    Parameters
    ----------
    mapping : ImportMapping
    table : Table
        The rows; its columns are checked against the mapping at construction.
    report : ImportReport
    rings : int
    options : dict, optional
        Protocol options per variable name: a list of option values in protocol order,
        used when a field gives no ``values``.
    labels : dict, optional
        Protocol option labels per variable name (value -> label): a role or status option
        whose value is not a vocabulary token may have a label that is.
    radii : list of float, optional
        Ring radii for a sociogram layout (units of the outer radius).
    aspect_ratio : float
    decimal : str
        The decimal mark of numbers in this table.
    id_column : str
        The column holding the tool's id of each person (UUID or alterID).
    key_columns : tuple of str
        Columns that are identifiers or structure, never reported as unused.

    Attributes
    ----------
    problems : list of Problem
        Mapped columns the table lacks (file, header line, column).
    """

    def __init__(self, mapping: ImportMapping, table: Table, report: ImportReport, *,
                 rings: int, options: Mapping[str, list[str]] | None = None,
                 labels: Mapping[str, Mapping[str, str]] | None = None,
                 radii: list[float] | None = None, aspect_ratio: float = 1.0,
                 decimal: str = ".", id_column: str, key_columns: Iterable[str] = ()):
        self.mapping = mapping
        self.table = table
        self.report = report
        self.rings = rings
        self.radii = radii or ring_radii(rings)
        self.aspect_ratio = aspect_ratio
        self.decimal = decimal
        self.id_column = id_column
        self.options = dict(options or {})
        self.labels = dict(labels or {})
        self.problems: list[Problem] = []
        self._unmapped: dict[str, set[str]] = {}
        columns = table.columns
        header_where = table.header_where
        used: set[str] = {id_column, *key_columns}

        def require(column: str | None, role: str) -> None:
            if column is not None and column not in columns:
                self.problems.append(Problem(header_where, column,
                                             f"is mapped ({role}) but the file has no such "
                                             "column"))
            used.add(column or "")

        require(mapping.label, "label")
        require(mapping.person_key, "person_key")
        self.fields: list[_Field] = []
        for name in _FIELDS:
            spec: FieldSpec | None = getattr(mapping, name)
            if spec is None:
                continue
            resolved = self._resolve_field(name, spec, columns, header_where)
            if resolved is not None:
                self.fields.append(resolved)
                used.update([resolved.column or "", *resolved.columns])
        for column in columns:
            if column in used or not column:
                continue
            base = column[:-2] if column.endswith("_2") else None
            if column == "null":
                message = "a stray column named null; ignored"
            elif base is not None and (base in used or base in columns):
                message = f"a duplicate of {base} (suffixed _2); ignored"
            else:
                message = "not in the mapping; ignored"
            report.add("unmapped_columns", table.name, message,
                       column=column if SHOWABLE.match(column) else "<column>", merge=True)

    # -- construction ----------------------------------------------------------------------

    def _resolve_field(self, name: str, spec: FieldSpec, columns: list[str],
                       header_where: str) -> _Field | None:
        if spec.layout is not None:
            found = []
            for axis in ("x", "y"):
                column = next((c for c in (f"{spec.layout}_{axis}", f"{spec.layout}_{axis.upper()}")
                               if c in columns), None)
                if column is None:
                    self.problems.append(Problem(header_where, f"{spec.layout}_{axis}",
                                                 f"is mapped ({name} layout) but the file has "
                                                 "no such column"))
                    return None
                found.append(column)
            return _Field(name, spec, "layout", columns={found[0]: "x", found[1]: "y"})
        values = spec.values
        if spec.columns is not None:
            missing = [c for c in spec.columns if c not in columns]
            for column in missing:
                self.problems.append(Problem(header_where, column, f"is mapped ({name}) but "
                                             "the file has no such column"))
            return None if missing else _Field(name, spec, "one_hot", columns=dict(spec.columns))
        variable = spec.variable or ""
        prefix = variable + "_"
        one_hot_columns = [c for c in columns if c.startswith(prefix) and c != variable + "_2"]
        mode = spec.encoding
        if mode == "auto":
            mode = "single" if variable in columns else "one_hot" if one_hot_columns else ""
        if (mode == "single" and variable not in columns) or (mode in ("one_hot", "") and not (
                one_hot_columns)):
            self.problems.append(Problem(header_where, variable, f"is mapped ({name}) but the "
                                         "file has no such column (nor one-hot columns "
                                         f"{prefix}<option>)"))
            return None
        if values is None and variable in self.options:
            values = self._protocol_values(name, spec, self.options[variable])
        if name == "ring" and values is not None:
            too_far = sorted({v for v in values.values() if v != "" and v > self.rings})
            if too_far:
                self.problems.append(Problem("mapping", "ring.values", f"rings go up to "
                                             f"{self.rings} for these clients, got {too_far}"))
                return None
        if mode == "single":
            return _Field(name, spec, "single", column=variable, values=values)
        mapped: dict[str, Any] = {}
        if values is not None:  # in the mapping's order: the first true option wins
            mapped = {prefix + option: target for option, target in values.items()
                      if prefix + option in one_hot_columns}
            for option in values:
                if prefix + option not in one_hot_columns:
                    self.report.add("notes", self.table.name, f"a mapped option of {name} "
                                    "has no column in this file", column=prefix + option
                                    if SHOWABLE.match(prefix + option) else "<column>",
                                    merge=True)
        for column in one_hot_columns:
            option = column[len(prefix):]
            if values is None:
                direct = self._direct(name, option, variable)
                if direct is not None:
                    mapped[column] = direct
            if column not in mapped:
                self.report.add("unmapped_columns", self.table.name,
                                f"option {option if SHOWABLE.match(option) else '<option>'} "
                                f"of {name} is not in the mapping; ignored",
                                column=column if SHOWABLE.match(column) else "<column>",
                                merge=True)
        return _Field(name, spec, "one_hot", columns=mapped)

    def _protocol_values(self, name: str, spec: FieldSpec, order: list[str]
                         ) -> dict[str, Any] | None:
        """A value map from the protocol's option order, when it fits the scale."""
        order = list(reversed(order)) if spec.reverse else list(order)
        if name == "ring" and len(order) == self.rings:
            return {value: k for k, value in enumerate(order, start=1)}
        if name in ("support", "conflict") and len(order) == vocab.RATING_MAX:
            return {value: k for k, value in enumerate(order, start=1)}
        if name in ("role", "status"):
            return None
        self.report.add("notes", self.table.name,
                        f"the protocol gives {len(order)} options for {name}, which do not "
                        "fit its scale; give values in the mapping", column=spec.variable or "")
        return None

    def _direct(self, name: str, text: str, variable: str | None = None) -> Any:
        """A cell read as the field's own value without a map: a rating, or a token (of the
        value itself or, from the protocol, of its label)."""
        text = text.strip()
        if name in ("ring", "support", "conflict"):
            number = parse_number(text, self.decimal)
            if number is None or not number.is_integer():
                return None
            top = self.rings if name == "ring" else vocab.RATING_MAX
            return int(number) if 1 <= number <= top else None
        tokens = tuple(vocab.Role if name == "role" else vocab.Status)
        label = self.labels.get(variable or "", {}).get(text)
        for candidate in (text, label):
            token = re.sub(r"[\s\-]+", "_", (candidate or "").strip().lower())
            if token in tokens:
                return token
        return None

    # -- reading ---------------------------------------------------------------------------

    def read(self, line: int, row: Mapping[str, str]) -> Observation:
        """The observation of one row; cells that break the format become ``problems``."""
        where = self.table.where(line)
        observation = Observation(uuid=row.get(self.id_column, "").strip(), where=where)
        if self.mapping.label:
            observation.label = row.get(self.mapping.label, "").strip() or None
        if self.mapping.person_key:
            key = " ".join(row.get(self.mapping.person_key, "").split()).casefold()
            observation.key = key or None
        for spec in self.fields:
            value = self._value(spec, row, where, observation)
            if value is not None:
                setattr(observation, spec.name, value)
        if observation.ring is None and not observation.unplaced:
            observation.unplaced = "no ring value"
        return observation

    def _value(self, spec: _Field, row: Mapping[str, str], where: str,
               observation: Observation) -> Any:
        if spec.mode == "layout":
            coordinates = {}
            for column, axis in spec.columns.items():
                cell = row.get(column, "").strip()
                if not cell:
                    observation.unplaced = "never placed on the sociogram"
                    return None
                number = parse_number(cell, self.decimal)
                if number is None:
                    self.problems.append(Problem(where, column, "must be a number in [0, 1]"))
                    return None
                coordinates[axis] = number
            x, y = coordinates["x"], coordinates["y"]
            distance = sociogram_distance(x, y, self.aspect_ratio)
            observation.position = (x, y, distance)
            ring = ring_of_distance(distance, self.radii)
            if ring is None:
                observation.unplaced = (f"outside the outer circle (distance {distance:.3f} of "
                                        "its radius)")
            return ring
        if spec.mode == "single":
            cell = row.get(spec.column or "", "").strip()
            if not cell:
                return None
            if spec.values is not None:
                if cell in spec.values:
                    return spec.values[cell] or None
                value = None
            else:
                value = self._direct(spec.name, cell, spec.column)
            if value is None:
                self._unmapped_value(spec, cell, where, row)
                if spec.name == "ring":
                    observation.unplaced = "its closeness value is not in the mapping"
            return value
        chosen = []
        for column, target in spec.columns.items():
            flag = parse_bool(row.get(column, ""))
            if flag is None:
                self.problems.append(Problem(where, column, "must be true or false"))
            elif flag and target != "":
                chosen.append(target)
        if len(set(chosen)) > 1:
            self.report.add("notes", where, f"several {spec.name} options are true; the first "
                            "in the mapping was taken", column=spec.spec.variable or "",
                            merge=True)
        return chosen[0] if chosen else None

    def _unmapped_value(self, spec: _Field, cell: str, where: str,
                        row: Mapping[str, str]) -> None:
        """Report a value the mapping does not cover, showing it only when it is safe.

        A value is shown when it is a short token, is not the row's label or person key, is
        one of the protocol's options (when a protocol gives them), and its column has not
        yet shown more than a handful of distinct values (free text has many).
        """
        column = spec.column or ""
        seen = self._unmapped.setdefault(column, set())
        seen.add(cell)
        private = {" ".join(row.get(name, "").split()).casefold()
                   for name in (self.mapping.label, self.mapping.person_key) if name}
        options = self.options.get(column)
        shown = (cell if SHOWABLE.match(cell) and len(seen) <= _MAX_SHOWN_VALUES
                 and " ".join(cell.split()).casefold() not in private
                 and column not in (self.mapping.label, self.mapping.person_key)
                 and (options is None or cell in options)
                 else "<not shown>")
        self.report.add("unmapped_values", where,
                        f"value {shown} of {spec.name} is not in the mapping",
                        column=column, merge=True)


# --- Linking people across the sessions of one client -----------------------------------------


class PersonLinker:
    """Gives stable person ids ``n1``, ``n2``, ... within one client, linking by a key.

    A person of a follow-up session takes the id of the one earlier person with the same key
    (a key shared by two people of a session, or by two earlier people, links nobody). The
    people of the first session are new by definition; any other new person is reported as
    unlinked (by UUID), since they may be a newcomer or someone whose key changed.
    """

    def __init__(self, client_id: str, report: ImportReport, *, keyed: bool = True):
        self.client_id = client_id
        self.report = report
        self.keyed = keyed
        self.history: dict[str, set[str]] = {}
        self.count = 0
        self.first_session: int | None = None

    def _new(self) -> str:
        self.count += 1
        return f"n{self.count}"

    def link(self, session: int, observations: list[Observation], *,
             no_key_reason: str = "no person key is mapped, so follow-ups are not linked"
             ) -> list[str]:
        """Person ids for the observations of one session, in order."""
        if self.first_session is None:
            self.first_session = session
        follow_up = session != self.first_session
        counts: dict[str, int] = {}
        for observation in observations:
            if observation.key:
                counts[observation.key] = counts.get(observation.key, 0) + 1
        ids = []
        taken: set[str] = set()
        for observation in observations:
            key = observation.key
            earlier = self.history.get(key, set()) if key else set()
            reason = ""
            if key is None:
                reason = "no person key value" if self.keyed else no_key_reason
            elif counts[key] > 1:
                reason = "two people of this session share the person key"
            elif len(earlier) > 1:
                reason = "several earlier people share the person key"
            elif not earlier:
                reason = "no earlier person has the same person key"
            person_id = next(iter(earlier)) if not reason else self._new()
            if person_id in taken:
                person_id, reason = self._new(), "the earlier person is already linked"
            taken.add(person_id)
            if key and counts[key] == 1:
                self.history.setdefault(key, set()).add(person_id)
            if follow_up and reason:
                self.report.add("unlinked", observation.where, reason, client_id=self.client_id,
                                session=session, uuid=observation.uuid)
            ids.append(person_id)
        return ids


# --- Building the client ----------------------------------------------------------------------


@dataclass
class SessionData:
    """One session's observations, ready to become records (person ids already linked)."""

    number: int
    date: dt.date | None = None
    phase: str | None = None
    attended: bool = True
    measures: dict[str, float | int] = field(default_factory=dict)
    people: list[tuple[str, Observation]] = field(default_factory=list)
    #: (a, b, kind, weight, where) with a and b person ids
    ties: list[tuple[str, str, str, float, str]] = field(default_factory=list)


def assemble_client(client_id: str, rings: int, sessions: list[SessionData],
                    report: ImportReport, source: str | None = None) -> Client:
    """Build a client whose every session is a ``complete`` snapshot.

    A person's record (label, role) takes the latest value observed. People without a ring
    at a session are not rated there (they are in the record, off the map: decision 2) and
    are listed as unplaced; ties touching them are not recorded and are listed too.
    """
    people: dict[str, dict[str, Any]] = {}
    ratings, ties, session_records = [], [], []
    for session in sorted(sessions, key=lambda s: s.number):
        record: dict[str, Any] = {"number": session.number, "attended": session.attended,
                                  "complete": True}
        if session.date is not None:
            record["date"] = session.date.isoformat()
        if session.phase is not None:
            record["phase"] = session.phase
        if session.measures:
            record["measures"] = {name: {"total": total}
                                  for name, total in session.measures.items()}
        session_records.append(record)
        placed: set[str] = set()
        for person_id, observation in session.people:
            person = people.setdefault(person_id, {"person_id": person_id})
            if observation.label:
                person["label"] = observation.label
            if observation.role:
                person["role"] = observation.role
            if observation.position is not None:
                x, y, distance = observation.position
                report.placements.append(Placement(client_id, session.number, person_id,
                                                   observation.uuid, x, y, distance,
                                                   observation.ring))
            if observation.ring is None:
                report.add("unplaced", observation.where, observation.unplaced,
                           client_id=client_id, session=session.number, uuid=observation.uuid)
                continue
            placed.add(person_id)
            rating = {"session": session.number, "person_id": person_id,
                      "ring": observation.ring}
            for name in ("support", "conflict", "status"):
                value = getattr(observation, name)
                if value is not None:
                    rating[name] = value
            ratings.append(rating)
        seen: set[tuple[str, str, str]] = set()
        for a, b, kind, weight, where in session.ties:
            pair = tuple(sorted((a, b)))
            if a == b:
                report.add("dropped_ties", where, "joins a person to themself",
                           client_id=client_id, session=session.number)
            elif a not in placed or b not in placed:
                report.add("dropped_ties", where, "a person it joins is unplaced at this "
                           "session", client_id=client_id, session=session.number)
            elif (*pair, kind) in seen:
                report.add("dropped_ties", where, f"repeats a {kind} tie of the same pair",
                           client_id=client_id, session=session.number, merge=True)
            else:
                seen.add((*pair, kind))
                ties.append({"session": session.number, "a": pair[0], "b": pair[1],
                             "kind": kind, "weight": weight})
    data = {"client_id": client_id, "rings": rings, "people": list(people.values()),
            "sessions": session_records, "ratings": ratings, "ties": ties}
    return Client.from_dict(data, source=source or client_id)


def valid_client_id(text: str) -> bool:
    """Whether ``text`` can be a client id (the model's id pattern)."""
    return bool(_ID.match(text))
