"""The spreadsheet route: an Excel workbook to fill in, read back into a validated client.

:func:`write_template` writes a workbook with one sheet per kind of record (``client``,
``people``, ``sessions``, ``ratings``, ``ties``, ``measures``, ``problem_areas``, ``events``),
a comment on every column header saying what goes there, dropdowns for every vocabulary and
whole-number checks for the ranges (rings, support and conflict 1-6, item values). Given a
client it is pre-filled with the record, so a clinician can continue in Excel.
:func:`read_excel` reads such a workbook back and validates it like a case file, reporting
every problem at once by sheet, spreadsheet row (as Excel numbers it) and column header::

    ratings row 7: ring: must be 1..3 for this client, got 5

Messages never echo a label or any other text typed into the workbook, only ids, numbers and
column names (DESIGN.md §5).

Layout. Each sheet has one header row and one record per row; the ``client`` sheet holds
the client in row 2. The ``ratings`` sheet is the tidy ratings table of DESIGN.md §6: its
``event`` column is ``rated`` (the default) or ``removed`` (the person leaves the map at that
session). The ``ties`` sheet's ``event`` is ``observed`` or ``ended``. ``measures`` has one row
per session x instrument: the ``total`` and, for instruments free to reproduce, the items in
``item_1``, ``item_2``... Lists of people (a problem area's ``focus``, an event's ``people``)
are person ids separated by ``;``. Yes/no columns take ``yes`` or ``no``.

Safety. Text cells that a spreadsheet would run as a formula (starting with ``= + - @``, a
tab or a carriage return) get a leading ``'`` when written and lose it when read
(FORMATS.md), and every text cell is stored as a string, never a formula; numbers stay
numbers. Characters XML cannot carry (carriage returns, control characters) are written as
OOXML escapes (``_x000D_``), as Excel writes them, and decoded when read. Reading refuses
files larger than :data:`MAX_FILE_BYTES`, zip archives that would inflate beyond
:data:`MAX_UNCOMPRESSED_BYTES` or by more than :data:`MAX_RATIO` per member (zip bombs), and
XML with entity declarations (openpyxl parses through defusedxml, which the ``excel`` extra
installs; without it reading is refused).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from .. import vocab
from ..errors import CaseFileError, Problem, ValidationError
from ..model import Client, _describe_record
from .casefile import atomic_write
from .sources import ZIP_ERRORS

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "SHEETS",
    "check_workbook",
    "read_excel",
    "write_template",
]

#: Workbooks larger than this are refused before they are opened.
MAX_FILE_BYTES = 64 * 2**20
#: The zip members of a workbook may not inflate to more than this in total...
MAX_UNCOMPRESSED_BYTES = 256 * 2**20
#: ... nor any member of more than 1 MB by more than this ratio (zip bombs reach ~1000).
MAX_RATIO = 200
_RATIO_FLOOR = 2**20
#: More members than any workbook of one client needs.
MAX_MEMBERS = 2000

#: Rows that dropdowns referring to another sheet look at (people, sessions).
_REFERENCE_ROWS = 5000
#: Item columns on the measures sheet: the longest built-in instrument (MSPSS, 12 items).
_ITEMS = max(spec.items for spec in vocab.INSTRUMENTS.values())

_DANGEROUS = re.compile(r"^'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")
#: Characters XML cannot carry (or turns into another: CR), written as OOXML's ``_xHHHH_``.
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]")
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_INSTRUMENT = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_ATTRIBUTE = re.compile(r"^attributes\.([a-z][a-z0-9_]{0,31})$")
_TRUE = frozenset({"yes", "y", "true", "t", "1"})
_FALSE = frozenset({"no", "n", "false", "f", "0"})

SUPPORT_ITEM = "How helpful is this person when you need support?"
CONFLICT_ITEM = "How upsetting is this person?"
_SCALE = "1 = not at all ... 6 = extremely (Campo, Uchino et al. 2009)."

# --- The layout --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """A column of a sheet: its header, how a cell is read, its comment and its check.

    ``kind`` is one of id, int, float, bool, date, text, token, ids, labels. ``check`` is
    None, ``("list", <list name>)``, ``("whole", low, high, style)``, ``("decimal", low,
    high, style)`` or ``("ref", <formula>)``.
    """

    name: str
    kind: str
    comment: str
    check: tuple[Any, ...] | None = None
    width: float = 14


def _vocabulary(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(value) for value in values)


#: The hidden ``lists`` sheet: one column per vocabulary, feeding the dropdowns.
LISTS: dict[str, tuple[str, ...]] = {
    "roles": _vocabulary(vocab.Role),
    "sectors": _vocabulary(vocab.Sector),
    "genders": _vocabulary(vocab.Gender),
    "age_bands": _vocabulary(vocab.AgeBand),
    "statuses": _vocabulary(vocab.Status),
    "contact": _vocabulary(vocab.Contact),
    "phases": _vocabulary(vocab.Phase),
    "tie_kinds": _vocabulary(vocab.TieKind),
    "tie_events": ("observed", "ended"),
    "rating_events": ("rated", "removed"),
    "expectations_met": _vocabulary(vocab.ExpectationsMet),
    "dispute_stages": _vocabulary(vocab.DisputeStage),
    "instruments": tuple(vocab.INSTRUMENTS),
    "problem_areas": _vocabulary(vocab.ProblemAreaKind),
    "event_kinds": _vocabulary(vocab.EventKind),
    "yes_no": ("yes", "no"),
}

_RINGS_CELL = "client!$C$2"  # the client's rings: the upper bound of ring and desired_ring
_PEOPLE = f"people!$A$2:$A${_REFERENCE_ROWS}"
_RATING = ("whole", vocab.RATING_MIN, vocab.RATING_MAX, "stop")
_RING = ("whole", 1, _RINGS_CELL, "stop")
_SESSION = ("whole", 0, None, "stop")
_ITEM_LOW = min(spec.item_min for spec in vocab.INSTRUMENTS.values() if spec.items)
_ITEM_HIGH = max(spec.item_max for spec in vocab.INSTRUMENTS.values() if spec.items)


def _choices(name: str) -> str:
    return ", ".join(LISTS[name])


_SESSION_COMMENT = "Session number (0 = intake), as on the sessions sheet."

#: Every sheet and its columns, in order. The ``client`` sheet's ``rings`` must stay in C.
SHEETS: dict[str, tuple[_Column, ...]] = {
    "client": (
        _Column("client_id", "id", "Required. A pseudonymous code for the client (letters, "
                "digits, _ . : -), never a name.", width=16),
        _Column("label", "text", "Optional. How the clinician names the client (private: "
                "health information)."),
        _Column("rings", "int", f"Rings of the closeness circle, {vocab.MIN_RINGS}-"
                f"{vocab.MAX_RINGS}: 3 in adult IPT, 4-5 on adolescent worksheets. Ring 1 is "
                "the innermost. Ring columns on the ratings sheet are checked against it.",
                ("whole", vocab.MIN_RINGS, vocab.MAX_RINGS, "stop"), width=8),
        _Column("planned_sessions", "int", "Optional. Sessions planned (usually 12-16).",
                ("whole", 1, 1000, "stop"), width=10),
        _Column("onset_date", "date_text", "Optional. Onset of the episode: YYYY, YYYY-MM "
                "or YYYY-MM-DD."),
        _Column("ring_labels", "labels", "Optional. One name per ring, innermost first, "
                "separated by ';' (e.g. inner; middle; outer).", width=20),
        _Column("notes", "text", "Optional free text (private).", width=30),
    ),
    "people": (
        _Column("person_id", "id", "Required. A short code for the person (p1, p2...), the "
                "same for the whole record; never a name and never 'ego'.", width=10),
        _Column("label", "text", "How the client names the person (private: health "
                "information about someone who did not consent).", width=20),
        _Column("role", "token", "The person's role in the client's life: "
                f"{_choices('roles')}. It gives the SNI role type and the circle's sector.",
                ("list", "roles")),
        _Column("sector", "token", "Optional. The circle's slice, when not the one the role "
                f"gives: {_choices('sectors')}.", ("list", "sectors")),
        _Column("gender", "token", f"Optional: {_choices('genders')}.", ("list", "genders")),
        _Column("age_band", "token", f"Optional: {_choices('age_bands')}.",
                ("list", "age_bands")),
    ),
    "sessions": (
        _Column("session", "int", "Required. Session number, 0 = intake, each once. Missed "
                "sessions are recorded too (attended = no).", _SESSION, width=9),
        _Column("date", "date", "Date of the session (YYYY-MM-DD). Dates may not go backwards "
                "as session numbers rise.", width=12),
        _Column("phase", "token", f"Optional: {_choices('phases')}.", ("list", "phases")),
        _Column("attended", "bool", "yes (default) or no.", ("list", "yes_no"), width=10),
        _Column("complete", "bool", "yes when this session was a complete re-inventory: "
                "everyone not rated at it leaves the map. Default no.", ("list", "yes_no"),
                width=10),
        _Column("notes", "text", "Optional free text (private).", width=30),
    ),
    "ratings": (
        _Column("session", "int", _SESSION_COMMENT, _SESSION, width=9),
        _Column("person_id", "id", "The person rated (a person_id of the people sheet).",
                ("ref", _PEOPLE), width=10),
        _Column("event", "token", "rated (default): the values on this row were observed at "
                "this session; removed: the person leaves the map from this session on (leave "
                "the other columns empty). Values not given carry forward from earlier "
                "sessions.", ("list", "rating_events"), width=10),
        _Column("ring", "int", "Ring on the closeness circle: 1 = innermost ... the client's "
                "rings. Required when a person enters the map.", _RING, width=7),
        _Column("support", "int", f"{SUPPORT_ITEM} {_SCALE}", _RATING, width=9),
        _Column("conflict", "int", f"{CONFLICT_ITEM} {_SCALE}", _RATING, width=9),
        _Column("status", "token", f"Optional: {_choices('statuses')}. Deceased people stay "
                "on the map.", ("list", "statuses")),
        _Column("contact", "token", f"How often they are in contact: {_choices('contact')}.",
                ("list", "contact")),
        _Column("confidant", "bool", "yes if the client confides in this person, else no.",
                ("list", "yes_no"), width=10),
        _Column("desired_ring", "int", "The ring the client would like this person to be in.",
                _RING, width=9),
        _Column("expectations_met", "token", "Are the client's expectations of this person "
                f"met? {_choices('expectations_met')}.", ("list", "expectations_met")),
        _Column("dispute_stage", "token", "Only for a focus person of a role dispute: "
                f"{_choices('dispute_stages')}.", ("list", "dispute_stages")),
        _Column("expectations", "text", "What each expects of the other (free text).",
                width=24),
        _Column("satisfying", "text", "What is satisfying in the relationship (free text).",
                width=24),
        _Column("unsatisfying", "text", "What is unsatisfying (free text).", width=24),
        _Column("desired_change", "text", "What the client would like to change (free text).",
                width=24),
        _Column("notes", "text", "Optional free text (private).", width=24),
    ),
    "ties": (
        _Column("session", "int", _SESSION_COMMENT, _SESSION, width=9),
        _Column("a", "id", "One person of the pair (a person_id).", ("ref", _PEOPLE),
                width=10),
        _Column("b", "id", "The other person (a person_id).", ("ref", _PEOPLE), width=10),
        _Column("kind", "token", "knows (default): they know each other; close; conflict.",
                ("list", "tie_kinds"), width=10),
        _Column("weight", "float", "Optional tie strength, above 0 and at most 1 (default 1).",
                ("decimal", 0, 1, "stop"), width=9),
        _Column("event", "token", "observed (default) or ended: the tie is off the map from "
                "this session on.", ("list", "tie_events"), width=10),
    ),
    "measures": (
        _Column("session", "int", _SESSION_COMMENT, _SESSION, width=9),
        _Column("instrument", "token", "Instrument, as a short snake_case name: "
                f"{_choices('instruments')}, or your own (e.g. sleep_hours).",
                ("list", "instruments", "information"), width=12),
        _Column("total", "float", "The total score (MSPSS: the mean of the items). May be "
                "left empty when the items are given.", width=9),
        *(_Column(f"item_{k}", "int", f"Item {k} as scored (reverse-keyed items already "
                  "reversed). PHQ-9, GAD-7 and RSES items are 0-3, MSPSS items 1-7; BDI-II "
                  "and HAM-D17 are proprietary: totals only. PHQ-9 item 9 (thoughts of "
                  "self-harm) above 0 is flagged wherever the score is shown.",
                  ("whole", _ITEM_LOW, _ITEM_HIGH, "warning"), width=7)
          for k in range(1, _ITEMS + 1)),
    ),
    "problem_areas": (
        _Column("area", "token", f"The IPT problem area: {_choices('problem_areas')}.",
                ("list", "problem_areas"), width=22),
        _Column("primary", "bool", "yes for the primary problem area (at most one).",
                ("list", "yes_no"), width=9),
        _Column("focus", "ids", "The focus people: person_ids separated by ';'.", width=14),
        _Column("old_role", "text", "Role transitions only: the old role (free text)."),
        _Column("new_role", "text", "Role transitions only: the new role (free text)."),
        _Column("date", "date_text", "Role transitions only: when (YYYY, YYYY-MM or "
                "YYYY-MM-DD).", width=12),
        _Column("notes", "text", "Optional free text (private).", width=30),
    ),
    "events": (
        _Column("event_id", "id", "Required. A short code for the event (e1, e2...).",
                width=10),
        _Column("date", "date_text", "YYYY, YYYY-MM or YYYY-MM-DD.", width=12),
        _Column("kind", "token", f"{_choices('event_kinds')}.", ("list", "event_kinds")),
        _Column("people", "ids", "The people involved: person_ids separated by ';'.",
                width=14),
        _Column("problem_area", "token", f"Optional: {_choices('problem_areas')}.",
                ("list", "problem_areas"), width=22),
        _Column("onset", "bool", "yes if the event marks the onset of the episode.",
                ("list", "yes_no"), width=8),
        _Column("notes", "text", "Optional free text (private).", width=30),
    ),
}

#: The record list each sheet holds (the ratings sheet also holds the removals).
_LIST_OF_SHEET = {"people": "people", "sessions": "sessions", "ratings": "ratings",
                  "ties": "ties", "problem_areas": "problem_areas", "events": "events"}
#: Field names that differ from the column header.
_FIELD_OF_COLUMN = {("sessions", "session"): "number"}


# --- Writing -------------------------------------------------------------------------------------


def _neutralise(text: str) -> str:
    """Prefix text a spreadsheet would run as a formula with ``'`` (reversed on reading)."""
    return "'" + text if _DANGEROUS.match(text) else text


def _restore(text: str) -> str:
    return text[1:] if _NEUTRALISED.match(text) else text


def _encode(text: str) -> str:
    """Text as an OOXML string (ST_Xstring): characters XML cannot carry as ``_xHHHH_``, and
    a literal ``_xHHHH_`` protected as ``_x005F_xHHHH_``, as Excel writes them."""
    text = _OOXML_ESCAPE.sub(lambda match: "_x005F" + match.group(0), text)
    return _UNSAFE_CHARACTERS.sub(lambda match: f"_x{ord(match.group(0)):04X}_", text)


def _decode(text: str) -> str:
    """The inverse of :func:`_encode` (openpyxl leaves these escapes in cell values)."""
    return _OOXML_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _joined(values: Iterable[str]) -> str | None:
    values = list(values)
    return "; ".join(values) if values else None


def _client_rows(client: Client) -> dict[str, list[dict[str, Any]]]:
    """The record as sheet rows (column -> value), in the case file's order."""
    data = client.to_dict()
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in SHEETS}
    rows["client"].append({
        "client_id": client.client_id, "label": client.label, "rings": client.rings,
        "planned_sessions": client.planned_sessions, "onset_date": client.onset_date,
        "ring_labels": _joined(client.ring_labels or ()), "notes": client.notes,
    })
    for person in data["people"]:
        row = {key: value for key, value in person.items() if key != "attributes"}
        for name, value in person.get("attributes", {}).items():
            row[f"attributes.{name}"] = value
        rows["people"].append(row)
    for session in client.sessions:
        rows["sessions"].append({
            "session": session.number, "date": session.date, "phase": session.phase,
            "attended": _yes_no(session.attended), "complete": _yes_no(session.complete),
            "notes": session.notes,
        })
        for name, measure in session.measures.items():
            row = {"session": session.number, "instrument": name, "total": measure.total}
            for k, item in enumerate(measure.items or (), start=1):
                row[f"item_{k}"] = item
            rows["measures"].append(row)
    observations = [(r["session"], r["person_id"], 0, r) for r in data["ratings"]]
    observations += [(r["session"], r["person_id"], 1, {**r, "event": "removed"})
                     for r in data["removals"]]
    for *_, rating in sorted(observations, key=lambda item: item[:3]):
        row = dict(rating)
        row.setdefault("event", "rated")
        if "confidant" in row:
            row["confidant"] = _yes_no(row["confidant"])
        rows["ratings"].append(row)
    for tie in data["ties"]:
        rows["ties"].append({"session": tie["session"], "a": tie["a"], "b": tie["b"],
                             "kind": tie["kind"], "weight": tie["weight"],
                             "event": "ended" if tie["ended"] else "observed"})
    for area in data["problem_areas"]:
        rows["problem_areas"].append({**area, "primary": _yes_no(area["primary"]),
                                      "focus": _joined(area["focus"])})
    for event in data["events"]:
        rows["events"].append({**event, "onset": _yes_no(event["onset"]),
                               "people": _joined(event["people"])})
    return rows


def _columns_of(sheet: str, rows: list[dict[str, Any]]) -> list[_Column]:
    """The sheet's columns, plus one per extra attribute of the people."""
    columns = list(SHEETS[sheet])
    if sheet == "people":
        names = dict.fromkeys(key for row in rows for key in row if key.startswith("attributes."))
        columns += [_Column(name, "attribute", "An extra attribute of the person (counts as "
                            "free text for privacy).") for name in names]
    return columns


def write_template(path: str | os.PathLike[str], *, client: Client | None = None,
                   neutralise: bool = True) -> Path:
    """Write an Excel workbook to fill in, optionally pre-filled with a client's record.

    Parameters
    ----------
    path : str or path-like
        Where to write the ``.xlsx`` file. It is replaced atomically (a temporary file in the
        same folder, then :func:`os.replace`); a new file is private (mode 0600).
    client : Client, optional
        A record to pre-fill the sheets with; by default the sheets are empty but for
        ``rings = 3`` on the client sheet.
    neutralise : bool
        Prefix text cells starting with ``= + - @``, a tab or a carriage return with ``'``
        so that no spreadsheet runs them as formulas (FORMATS.md). :func:`read_excel` removes
        the prefix again. Text is stored as text either way, never as a formula.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    SaveError
        The file could not be written; a file already at ``path`` is left as it was.

    Notes
    -----
    Sheets: ``client``, ``people``, ``sessions``, ``ratings`` (with removals: ``event =
    removed``), ``ties``, ``measures`` (one row per session x instrument, items in
    ``item_1``...), ``problem_areas``, ``events`` and a hidden ``lists`` sheet that feeds the
    dropdowns of every vocabulary. Each header has a comment explaining the column; the
    support and conflict comments give the item wording of the Social Relationships Index,
    "how helpful is this person when you need support?" and "how upsetting is this person?",
    1 = not at all ... 6 = extremely (DOMAIN.md §4). Ring and desired ring are checked
    against the client's rings (cell C2 of the client sheet), support and conflict against
    1-6, item values against 0-7 (a warning only: the range depends on the instrument).

    Examples
    --------
    >>> import ipt_graph as ig
    >>> from ipt_graph.io.excel import write_template, read_excel
    >>> client = ig.Client("C-1")
    >>> _ = client.add_person("p1", label="Partner", role="partner")
    >>> _ = client.add_session(1, date="2026-01-05")
    >>> _ = client.rate(1, "p1", ring=1, support=5, conflict=4)
    >>> path = write_template(tmp / "C-1.xlsx", client=client)  # doctest: +SKIP
    >>> read_excel(path) == client                                # doctest: +SKIP
    True
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    rows = _client_rows(client) if client is not None else {name: [] for name in SHEETS}
    if client is None:
        rows["client"] = [{"rings": vocab.DEFAULT_RINGS}]
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")

    lists = workbook.create_sheet("lists")
    list_ranges = {}
    for index, (name, values) in enumerate(LISTS.items(), start=1):
        letter = get_column_letter(index)
        lists.cell(1, index, name).font = bold
        for row, value in enumerate(values, start=2):
            _put(lists.cell(row, index), value, neutralise)
        list_ranges[name] = f"lists!${letter}$2:${letter}${len(values) + 1}"
    lists.sheet_state = "hidden"

    for sheet, sheet_rows in rows.items():
        columns = _columns_of(sheet, sheet_rows)
        ws = workbook.create_sheet(sheet)
        ws.freeze_panes = "A2"
        for number, column in enumerate(columns, start=1):
            cell = ws.cell(1, number, column.name)
            cell.font, cell.fill = bold, fill
            note = Comment(column.comment, "ipt_graph")
            note.width, note.height = 320, 40 + 15 * (len(column.comment) // 45)
            cell.comment = note
            letter = get_column_letter(number)
            ws.column_dimensions[letter].width = column.width
            if column.kind == "date_text":  # keep "2025-03" as text, not a date
                ws.column_dimensions[letter].number_format = "@"
            validation = _validation(column, list_ranges, DataValidation)
            if validation is not None:
                validation.add(f"{letter}2:{letter}1048576")
                ws.add_data_validation(validation)
        for row_number, record in enumerate(sheet_rows, start=2):
            for number, column in enumerate(columns, start=1):
                value = record.get(column.name)
                if value is None:
                    continue
                _put(ws.cell(row_number, number), value, neutralise)
                if column.kind == "date":
                    ws.cell(row_number, number).number_format = "yyyy-mm-dd"
    workbook.move_sheet("lists", offset=len(workbook.sheetnames))
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    target = Path(path)
    atomic_write(target, buffer.getvalue())
    return target


def _put(cell: Any, value: Any, neutralise: bool) -> None:
    """Write a value: text as a string (never a formula), numbers and dates as they are."""
    if isinstance(value, str):
        cell.value = _encode(_neutralise(value) if neutralise else value)
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    else:
        cell.value = value


def _validation(column: _Column, list_ranges: Mapping[str, str], factory: Any) -> Any:
    check = column.check
    if check is None:
        return None
    kind = check[0]
    if kind == "list":
        style = check[2] if len(check) > 2 else "stop"
        return factory(type="list", formula1=list_ranges[check[1]], allow_blank=True,
                       errorStyle=style, showErrorMessage=True,
                       errorTitle=column.name, error=_first_sentence(column.comment))
    if kind == "ref":
        return factory(type="list", formula1=check[1], allow_blank=True, errorStyle="warning",
                       showErrorMessage=True, errorTitle=column.name,
                       error="Not a person_id of the people sheet.")
    low, high, style = check[1], check[2], check[3]
    common = dict(allow_blank=True, errorStyle=style, showErrorMessage=True,
                  errorTitle=column.name)
    if high is None:
        return factory(type=kind, operator="greaterThanOrEqual", formula1=str(low),
                       error=f"A whole number, {low} or more.", **common)
    what = "A whole number" if kind == "whole" else "A number"
    bound = "the client's rings (client sheet, C2)" if high == _RINGS_CELL else high
    return factory(type=kind, operator="between", formula1=str(low), formula2=str(high),
                   error=f"{what} from {low} to {bound}.", **common)


def _first_sentence(text: str) -> str:
    return text.split(". ")[0].rstrip(".") + "."


# --- Reading -------------------------------------------------------------------------------------


def check_workbook(path: str | os.PathLike[str]) -> None:
    """Refuse files and zip archives too large to be one client's workbook (zip bombs).

    Call it before opening an untrusted ``.xlsx`` with openpyxl. Python's zipfile never
    inflates a member beyond the size its header declares, so checking the declared sizes
    bounds what openpyxl can be made to read.

    Raises
    ------
    CaseFileError
        The file cannot be read, is larger than :data:`MAX_FILE_BYTES`, is not a zip archive,
        has more than :data:`MAX_MEMBERS` parts, or would inflate beyond
        :data:`MAX_UNCOMPRESSED_BYTES` or by more than :data:`MAX_RATIO` for a part.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise CaseFileError(f"{path}: cannot be read ({error.strerror or error})") from None
    if size > MAX_FILE_BYTES:
        raise CaseFileError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB, too large "
                            "for one client's workbook")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except ZIP_ERRORS:
        raise CaseFileError(f"{path}: not an Excel workbook (.xlsx); save it from Excel as "
                            "'Excel Workbook (.xlsx)'") from None
    if len(members) > MAX_MEMBERS:
        raise CaseFileError(f"{path}: holds {len(members)} parts, more than a workbook of "
                            f"one client needs ({MAX_MEMBERS})")
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise CaseFileError(f"{path}: would inflate to {total // 2**20} MB (more than "
                            f"{MAX_UNCOMPRESSED_BYTES // 2**20} MB): refused")
    for member in members:
        if member.file_size > _RATIO_FLOOR and (
                member.file_size > MAX_RATIO * max(member.compress_size, 1)):
            raise CaseFileError(f"{path}: a part of the workbook inflates more than "
                                f"{MAX_RATIO} times (a zip bomb?): refused")


def _read_sheets(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's rows as tuples of cell values (row 1 first)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if not openpyxl.DEFUSEDXML:
        raise ImportError("reading Excel files needs defusedxml (which guards against XML "
                          "entity expansion): pip install 'ipt_graph[excel]', and do not set "
                          "OPENPYXL_DEFUSEDXML=False")
    from defusedxml import DefusedXmlException

    check_workbook(path)
    refused = CaseFileError(f"{path}: refused: its XML declares entities or a DTD, which "
                            "Excel never writes")
    unreadable = CaseFileError(f"{path}: not a readable Excel workbook (.xlsx)")
    # openpyxl leaves its archive open when loading fails: own the file to close it always.
    with path.open("rb") as handle:
        try:
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except (InvalidFileException, KeyError, ParseError, TypeError, *ZIP_ERRORS) as error:
            # openpyxl wraps what the parser raised in a ValueError
            raise refused if _caused_by(error, DefusedXmlException) else unreadable from None
        try:
            sheets = {}
            for name in workbook.sheetnames:
                ws = workbook[name]
                if hasattr(ws, "reset_dimensions"):  # stale dimensions written by other tools
                    ws.reset_dimensions()
                sheets[name] = list(ws.iter_rows(values_only=True))
            return sheets
        # sheets are inflated and parsed as they are read: a damaged deflate stream or XML
        # surfaces here
        except (InvalidFileException, KeyError, ParseError, TypeError, *ZIP_ERRORS) as error:
            raise refused if _caused_by(error, DefusedXmlException) else unreadable from None
        finally:
            workbook.close()


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 20:
        if isinstance(current, kind):
            return True
        current, seen = current.__cause__ or current.__context__, seen + 1
    return False


@dataclass
class _Origins:
    """Where each record of the client dict came from: sheet rows, for the messages."""

    rows: dict[str, list[int]] = field(default_factory=dict)  # list name -> row per index
    keys: dict[str, tuple[str, int]] = field(default_factory=dict)  # description -> place
    measures: dict[tuple[int, str], int] = field(default_factory=dict)  # (session, name)
    swapped: set[int] = field(default_factory=set)  # tie rows whose a and b were swapped
    headers: dict[str, list[str]] = field(default_factory=dict)


class _Reader:
    """Turns the sheets into a client dict, collecting the problems of the sheets."""

    def __init__(self, sheets: Mapping[str, list[tuple[Any, ...]]]):
        self.sheets = sheets
        self.problems: list[tuple[str, int, str, str]] = []  # sheet, row, column, message
        self.origins = _Origins()

    def problem(self, sheet: str, row: int, column: str, message: str) -> None:
        self.problems.append((sheet, row, column, message))

    # --- cells ----------------------------------------------------------------------------

    @staticmethod
    def cell(column: _Column, value: Any) -> Any:
        """A cell converted for the model; values that cannot be converted are passed on as
        they are, so that the model refuses them with its own message."""
        if isinstance(value, str):
            value = _restore(_decode(value))
            if column.kind not in ("text", "attribute"):
                value = value.strip()
                if not value:
                    return None
        kind = column.kind
        if kind in ("text", "attribute"):
            if isinstance(value, dt.datetime):
                return value.date().isoformat() if kind == "text" else value.isoformat()
            if kind == "attribute":
                return value
            if isinstance(value, float) and value.is_integer():
                return str(int(value))
            return str(value)
        if kind == "id":
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if kind == "int":
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value):
                return int(value)
            return value
        if kind == "float":
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    return value
            return value
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, int | float) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
                return value.lower() in _TRUE
            return value
        if kind in ("date", "date_text"):
            if isinstance(value, dt.datetime):
                return value.date().isoformat()
            if isinstance(value, dt.date):
                return value.isoformat()
            if kind == "date_text" and isinstance(value, int) and not isinstance(value, bool):
                return str(value)  # a year typed as a number
            return value
        if kind == "ids":
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = str(int(value)) if float(value).is_integer() else str(value)
            if isinstance(value, str):
                return tuple(part.strip() for part in re.split(r"[;,]", value) if part.strip())
            return value
        if kind == "labels":
            if isinstance(value, str):
                return tuple(part.strip() for part in value.split(";") if part.strip())
            return value
        return value  # token

    # --- sheets ---------------------------------------------------------------------------

    def table(self, sheet: str, required: tuple[str, ...] = ()
              ) -> list[tuple[int, dict[str, Any]]]:
        """The sheet's non-empty rows as (row number, column -> converted value)."""
        rows = self.sheets.get(sheet)
        if rows is None:
            self.problem(sheet, 0, "", "is missing: start from the workbook that "
                                       "`ipt-graph template` writes")
            return []
        known = {column.name: column for column in SHEETS[sheet]}
        header = list(rows[0]) if rows else []
        columns: dict[int, _Column] = {}
        seen: set[str] = set()
        for index, name in enumerate(header):
            letter = _letter(index)
            if name is None or (isinstance(name, str) and not name.strip()):
                continue
            name = str(name).strip()
            match = _ATTRIBUTE.match(name)
            if sheet == "people" and match:
                column = _Column(name, "attribute", "")
            elif name in known:
                column = known[name]
            else:
                self.problem(sheet, 1, f"column {letter}",
                             "is not a column of this sheet; allowed: " + ", ".join(known))
                continue
            if name in seen:
                self.problem(sheet, 1, f"column {letter}", "repeats a column header")
                continue
            seen.add(name)
            columns[index] = column
        self.origins.headers[sheet] = [c.name for c in columns.values()]
        for name in required:
            if name not in seen:
                self.problem(sheet, 1, name, "this column is missing from the header row")
        out = []
        for number, values in enumerate(rows[1:], start=2):
            if not any(_filled(v) for v in values):
                continue
            record = {}
            for index, value in enumerate(values):
                if not _filled(value):
                    continue
                if index not in columns:
                    if index >= len(header) or not _filled(header[index]):
                        self.problem(sheet, number, f"column {_letter(index)}",
                                     "has a value but no column header")
                    continue
                column = columns[index]
                converted = self.cell(column, value)
                if converted is not None:
                    record[column.name] = converted
            if record:
                out.append((number, record))
        return out

    def read(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: [] for name in
                                ("people", "sessions", "ratings", "removals", "ties", "events",
                                 "problem_areas")}
        origins = self.origins
        origins.rows = {name: [] for name in data}

        client_rows = self.table("client", ("client_id",))
        if client_rows:
            number, record = client_rows[0]
            if number != 2:
                self.problem("client", number, "", "the client goes in row 2")
            for extra, _ in client_rows[1:]:
                self.problem("client", extra, "", "the client sheet holds one client, in "
                                                  "row 2: one workbook per client")
            data.update(record)
        elif "client" in self.sheets:
            self.problem("client", 2, "client_id", "is required")

        def add(list_name: str, sheet: str, number: int, record: dict[str, Any]) -> None:
            index = len(data[list_name])
            data[list_name].append(record)
            origins.rows[list_name].append(number)
            key = {"kind": str(vocab.TieKind.knows), **record} if list_name == "ties" else record
            origins.keys[_describe_record(list_name, key)] = (sheet, number)
            origins.keys[f"{list_name}[{index}]"] = (sheet, number)

        for number, record in self.table("people", ("person_id",)):
            attributes = {key.split(".", 1)[1]: record.pop(key)
                          for key in [k for k in record if k.startswith("attributes.")]}
            if attributes:
                record["attributes"] = attributes
            add("people", "people", number, record)
        sessions: dict[Any, dict[str, Any]] = {}
        for number, record in self.table("sessions", ("session",)):
            if "session" in record:
                record["number"] = record.pop("session")
            sessions.setdefault(record.get("number"), record)
            add("sessions", "sessions", number, record)
        for number, record in self.table("ratings", ("session", "person_id")):
            event = record.pop("event", "rated")
            if event == "removed":
                extra = [name for name in record if name not in ("session", "person_id")]
                for name in extra:
                    self.problem("ratings", number, name, "a removal records only the session "
                                                          "and person_id: leave it empty")
                record = {k: v for k, v in record.items() if k in ("session", "person_id")}
                add("removals", "ratings", number, record)
            else:
                if event != "rated":
                    self.problem("ratings", number, "event", "must be rated or removed")
                add("ratings", "ratings", number, record)
        for number, record in self.table("ties", ("session", "a", "b")):
            event = record.pop("event", "observed")
            if event not in ("observed", "ended"):
                self.problem("ties", number, "event", "must be observed or ended")
            record["ended"] = event == "ended"
            a, b = record.get("a"), record.get("b")
            if isinstance(a, str) and isinstance(b, str) and b < a:
                record["a"], record["b"] = b, a  # stored with a < b, as the model does
                origins.swapped.add(number)
            add("ties", "ties", number, record)
        for number, record in self.table("problem_areas", ("area",)):
            add("problem_areas", "problem_areas", number, record)
        for number, record in self.table("events", ("event_id",)):
            add("events", "events", number, record)
        self._measures(sessions)
        return data

    def _measures(self, sessions: Mapping[Any, dict[str, Any]]) -> None:
        for number, record in self.table("measures", ("session", "instrument")):
            session, name = record.get("session"), record.get("instrument")
            if session is None or name is None:
                for column in ("session", "instrument"):
                    if record.get(column) is None:
                        self.problem("measures", number, column, "is required")
                continue
            if not isinstance(name, str) or not _INSTRUMENT.match(name):
                self.problem("measures", number, "instrument",
                             "must be a snake_case instrument name such as "
                             + ", ".join(vocab.INSTRUMENTS))
                continue
            target = sessions.get(session)
            if target is None:
                shown = session if isinstance(session, int) else "given"
                self.problem("measures", number, "session",
                             f"session {shown} is not on the sessions sheet")
                continue
            measures = target.setdefault("measures", {})
            if name in measures:
                self.problem("measures", number, "instrument",
                             "appears twice for this session")
                continue
            items = {int(key[5:]): value for key, value in record.items()
                     if key.startswith("item_")}
            bad = [k for k, value in sorted(items.items()) if not _is_int(value)]
            for k in bad:
                self.problem("measures", number, f"item_{k}", "must be a whole number")
            total = record.get("total")
            if total is not None and (isinstance(total, bool)
                                      or not isinstance(total, int | float)):
                self.problem("measures", number, "total", "must be a number")
                continue
            if bad:
                continue
            measure: dict[str, Any] = {}
            if total is not None:
                measure["total"] = total
            if items:
                last = max(items)
                gaps = [k for k in range(1, last + 1) if k not in items]
                if gaps:
                    self.problem("measures", number, f"item_{gaps[0]}",
                                 f"is empty: fill the items from item_1 to item_{last} "
                                 "without gaps")
                    continue
                measure["items"] = tuple(items[k] for k in range(1, last + 1))
            measures[name] = measure
            self.origins.measures[(session, name)] = number


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


_INDEXED = re.compile(r"^(\w+)\[(\d+)\]")
_MEASURE_FIELD = re.compile(r"^measures\.(\w+)(?:\.(total|items)(?:\[(\d+)\])?)?")


def _locate(problem: Problem, data: Mapping[str, Any], origins: _Origins
            ) -> tuple[str, int, str, str]:
    """Name a model problem by sheet, row and column header instead of record and field."""
    record, field_name, message = problem.record, problem.field, problem.message
    place: tuple[str, int] | None = None
    match = _INDEXED.match(record)
    if match and match.group(1) in origins.rows:
        list_name, index = match.group(1), int(match.group(2))
        rows = origins.rows[list_name]
        if index < len(rows):
            place = ("ratings" if list_name == "removals" else list_name, rows[index])
    elif record in origins.keys:
        place = origins.keys[record]
    elif record == "client":
        place = ("client", 2)
    elif record in origins.rows:  # a problem of the whole list
        return (record, 0, field_name, message)
    if place is None:
        return ("", 0, f"{record}: {field_name}" if field_name else record, message)
    sheet, row = place
    measure = _MEASURE_FIELD.match(field_name)
    if sheet == "sessions" and measure:
        name, part, item = measure.groups()
        session_record = data["sessions"][origins.rows["sessions"].index(row)]
        measure_row = origins.measures.get((session_record.get("number"), name))
        if measure_row is not None:
            spec = vocab.INSTRUMENTS.get(name)
            every = f"item_1..item_{spec.items if spec and spec.items else _ITEMS}"
            column = ("total" if part == "total" or part is None
                      else f"item_{item}" if item else every)
            return ("measures", measure_row, column, message)
    column = field_name
    if sheet == "sessions" and column == "number":
        column = "session"
    elif sheet == "ties" and column == "ended":
        column = "event"
    elif sheet == "ties" and row in origins.swapped and column in ("a", "b"):
        column = "b" if column == "a" else "a"
    elif column not in origins.headers.get(sheet, ()) and not column.startswith("attributes."):
        base = re.split(r"[.\[]", column, maxsplit=1)[0]
        column = base if base in {c.name for c in SHEETS.get(sheet, ())} else column
    return (sheet, row, column, message)


def read_excel(path: str | os.PathLike[str]) -> Client:
    """Read a workbook written by :func:`write_template` (and filled in) into a client.

    Parameters
    ----------
    path : str or path-like
        An ``.xlsx`` file with the sheets of :data:`SHEETS`.

    Returns
    -------
    Client
        Validated like a case file.

    Raises
    ------
    ValidationError
        Every problem at once, each named by sheet, spreadsheet row and column header:
        ``Problem("ratings row 7", "ring", "must be 1..3 for this client, got 5")``.
        Messages hold ids, numbers and column names, never a label or other text.
    CaseFileError
        Not a readable ``.xlsx`` workbook, too large, a zip bomb, or XML with entity
        declarations.
    ImportError
        openpyxl or defusedxml is missing (install the ``excel`` extra).

    Notes
    -----
    Cells are read as values (``data_only``): a formula counts as the value Excel last
    computed for it. Whole numbers typed as ``2.0`` or ``"2"`` count as 2; dates may be
    Excel dates or ``YYYY-MM-DD`` text; yes/no columns also take TRUE/FALSE and 1/0. A leading
    ``'`` added by :func:`write_template` to text that looks like a formula is removed.
    """
    path = Path(path)
    sheets = _read_sheets(path)
    reader = _Reader(sheets)
    data = reader.read()
    found = list(reader.problems)
    try:
        client = Client.from_dict(data)
    except ValidationError as error:
        found += [_locate(problem, data, reader.origins) for problem in error.problems]
    if not found:
        return client
    order = {name: index for index, name in enumerate(SHEETS)}
    unique = list(dict.fromkeys(found))
    unique.sort(key=lambda p: (order.get(p[0], len(order)), p[1]))
    problems = [Problem(_where(sheet, row), column, message)
                for sheet, row, column, message in unique]
    raise ValidationError(problems, str(path))


def _where(sheet: str, row: int) -> str:
    if not sheet:
        return "workbook"
    return f"{sheet} row {row}" if row else f"{sheet} sheet"

