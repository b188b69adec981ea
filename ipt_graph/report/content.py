"""The facts of a report, in the order a clinician reads them: plain data, no matplotlib.

:func:`report_content` turns a client into a :class:`ReportContent` that the template only
lays out: every sentence, table cell and person name is decided here, so the HTML and the
PDF (the same HTML, DESIGN.md §2) say the same thing, and tests can check the facts without
drawing anything.

Redaction (``redact=True``) is applied here, once: people are named by id and role
(:func:`ipt_graph.model.display_name`), and no free text is taken from the record at all
(the client's label and notes, session notes, the text fields of ratings, event notes,
problem-area notes and old/new role text).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import pandas as pd

from .. import vocab
from ..change import Change, baseline_session, compare
from ..io.casefile import dumps
from ..metrics import METRIC_DTYPES
from ..model import Client
from ..outcomes import client_outcomes, item9_flags

__all__ = [
    "ITEM9_WORDING",
    "SUMMARY_METRICS",
    "ReportContent",
    "case_hash",
    "choose_sessions",
    "report_content",
    "session_ranges",
]

#: The wording of PHQ-9 item 9 (Kroenke, Spitzer & Williams 2001; free to reproduce).
ITEM9_WORDING = "thoughts that you would be better off dead or of hurting yourself"

#: The measures tabled under the trajectories, at the first and last chosen session
#: (the same list as the terminal summary).
SUMMARY_METRICS: tuple[str, ...] = (
    "n_people", "n_ring_1", "n_confidants", "support_mean", "conflict_mean", "n_ambivalent",
    "density", "effective_size", "constraint", "sni_diversity", "desired_ring_gap",
)

#: The rating fields of the inventory sheet, in the order they are shown. Text fields are
#: free text (left out when redacted); the others come from closed vocabularies.
SHEET_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("contact", "Contact", False),
    ("confidant", "Confidant", False),
    ("expectations", "Expectations", True),
    ("expectations_met", "Expectations met", False),
    ("satisfying", "Satisfying", True),
    ("unsatisfying", "Unsatisfying", True),
    ("desired_change", "Desired change", True),
    ("dispute_stage", "Dispute stage", False),
    ("notes", "Notes", True),
)


@dataclass(frozen=True)
class ReportContent:
    """Everything a report says about one client, as strings and small records.

    Built by :func:`report_content`; the template lays it out in this order: header,
    safety, outcomes, circles, change, quadrant, trajectories, timeline, inventory sheet,
    footer.
    """

    client_id: str
    redact: bool
    client_label: str | None
    client_notes: str | None
    header: list[tuple[str, str]]
    problem_areas: list[dict[str, Any]]
    safety: dict[str, Any]
    outcomes: list[dict[str, Any]]
    outcome_notes: list[str]
    baseline: int | None
    sessions: list[int]
    sessions_caption: str
    change_sentences: list[str]
    change_rows: list[dict[str, Any]]
    measure_sessions: list[int]
    measure_rows: list[dict[str, Any]]
    events: list[dict[str, Any]]
    sheet: list[dict[str, Any]]
    generated_at: str
    version: str
    case_sha256: str


# --- small helpers ---------------------------------------------------------------------------


def session_ranges(numbers: Iterable[int]) -> str:
    """Session numbers as runs: ``[1, 2, 3, 5]`` -> ``"1–3, 5"``.

    Examples
    --------
    >>> session_ranges([6, 7, 8, 11])
    '6–8, 11'
    """
    parts = []
    ordered = sorted(set(numbers))
    for _, run in groupby(enumerate(ordered), key=lambda item: item[1] - item[0]):
        values = [value for _, value in run]
        parts.append(str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}")
    return ", ".join(parts)


def _words(token: Any) -> str:
    return str(token).replace("_", " ")


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _score(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:g}" if float(value) != int(value) else str(int(value))


def _yes_no(value: Any) -> str:
    if _known(value) is None:
        return "–"
    return "yes" if bool(value) else "no"


def _metric(value: float, name: str) -> str:
    if pd.isna(value):
        return "–"
    is_count = METRIC_DTYPES[name] == "int64" or name.startswith("n_ring_")
    return f"{value:.0f}" if is_count else f"{value:.2f}"


def _known(value: Any) -> Any:
    """None for any missing value (None, NaN, ``pd.NA``), else the value."""
    return None if value is None or pd.isna(value) else value


def _arrow(before: Any, after: Any) -> str:
    """``"2 → 1"``, ``"2"`` when unchanged, ``"–"`` when neither is known."""
    before, after = _known(before), _known(after)
    if before is None and after is None:
        return "–"
    if before is None:
        return f"– → {_words(after)}"
    if after is None:
        return f"{_words(before)} → –"
    if before == after:
        return _words(after)
    return f"{_words(before)} → {_words(after)}"


def case_hash(client: Client) -> str:
    """SHA-256 of the client's case file text (:func:`ipt_graph.io.casefile.dumps`), in hex.

    The same record always gives the same hash, so a printed report can be matched to the
    case file it came from.
    """
    return hashlib.sha256(dumps(client).encode("utf-8")).hexdigest()


def choose_sessions(client: Client, sessions: Sequence[int] | None = None) -> list[int]:
    """The sessions whose maps a report compares: the chosen ones, or baseline and latest.

    Parameters
    ----------
    client : Client
    sessions : sequence of int, optional
        Session numbers, each recorded for the client; duplicates are dropped, the order
        is kept (the change is read from the first to the last).

    Returns
    -------
    list of int
        By default ``[baseline, latest]``: the end of the initial phase
        (:func:`ipt_graph.change.baseline_session`) and the last session recorded; one
        number when they are the same session; empty when the client has no sessions.

    Raises
    ------
    NotFoundError
        A chosen session is not in the record.
    ValueError
        ``sessions`` is given but empty.
    """
    if sessions is not None:
        numbers = [int(number) for number in sessions]
        if not numbers:
            raise ValueError("sessions must name at least one session, got none")
        for number in numbers:
            client.session(number)  # NotFoundError names the sessions there are
        return list(dict.fromkeys(numbers))
    if not client.sessions:
        return []
    return list(dict.fromkeys([baseline_session(client), client.sessions[-1].number]))


# --- the sections ----------------------------------------------------------------------------


def _header(client: Client, redact: bool) -> list[tuple[str, str]]:
    """Client code, dates, sessions attended and missed, phases (in that order)."""
    facts = [("Client code", client.client_id)]
    sessions = client.sessions
    dates = [s.date for s in sessions if s.date is not None]
    if dates:
        facts.append(("Dates", f"{dates[0].isoformat()} to {dates[-1].isoformat()}"))
    if client.onset_date:
        facts.append(("Onset", client.onset_date))
    if not sessions:
        facts.append(("Sessions", "none recorded yet"))
        return facts
    attended = [s.number for s in sessions if s.attended]
    missed = [s.number for s in sessions if not s.attended]
    line = f"{_plural(len(sessions), 'session')} recorded"
    if client.planned_sessions:
        line += f" of {client.planned_sessions} planned"
    line += f"; {len(attended)} attended"
    line += f"; missed: {session_ranges(missed)}" if missed else "; none missed"
    facts.append(("Sessions", line))
    phases = [(s.phase, s.number) for s in sessions if s.phase]
    if phases:
        spans = [f"{_words(phase)} {session_ranges(n for _, n in group)}"
                 for phase, group in groupby(phases, key=lambda item: item[0])]
        facts.append(("Phases", "; ".join(spans)))
    ring_names = ", ".join(client.ring_names) if (client.ring_labels and not redact) else None
    facts.append(("Closeness circle", f"{client.rings} rings"
                  + (f" ({ring_names})" if ring_names else "")))
    return facts


def _problem_areas(client: Client, redact: bool) -> list[dict[str, Any]]:
    areas = sorted(client.problem_areas, key=lambda area: not area.primary)
    rows = []
    for area in areas:
        rows.append({
            "area": _words(area.area),
            "primary": bool(area.primary),
            "focus": [client.display_name(pid, redact) for pid in area.focus],
            "transition": (f"{area.old_role} → {area.new_role}"
                           if not redact and area.old_role and area.new_role else None),
            "date": area.date,
            "notes": None if redact else area.notes,
        })
    return rows


def _safety(client: Client) -> dict[str, Any]:
    """PHQ-9 item 9 at every session: flagged, clear, or not available (never guessed)."""
    flags = item9_flags(client)
    known = flags.dropna(subset=["flag"])
    flagged = [(int(row.session), int(row.phq9_item9))
               for row in known.itertuples() if bool(row.flag)]
    unknown = [int(n) for n in flags.loc[flags["flag"].isna(), "session"]]
    phq9_sessions = [int(n) for n in flags["session"]]
    last_phq9 = phq9_sessions[-1] if phq9_sessions else None
    safety: dict[str, Any] = {"flagged": bool(flagged), "sessions": [n for n, _ in flagged],
                              "values": flagged, "unknown": unknown}
    if flagged:
        numbers = ", ".join(str(n) for n, _ in flagged)
        word = "session" if len(flagged) == 1 else "sessions"
        safety["status"] = "flagged"
        safety["headline"] = (f"PHQ-9 item 9 ({ITEM9_WORDING}) above 0 at {word} {numbers} "
                              "— review risk")
        details = ["Item 9 score: " + "; ".join(f"session {n}: {v}" for n, v in flagged)
                   + " (0 = not at all … 3 = nearly every day)."]
        if flagged[-1][0] == last_phq9:
            details.append(f"Item 9 is above 0 at the latest PHQ-9 (session {last_phq9}).")
        else:
            details.append(f"At the latest PHQ-9 (session {last_phq9}) item 9 was "
                           + ("not recorded." if last_phq9 in unknown else "0."))
        if unknown:
            details.append(f"Item 9 was not available (PHQ-9 total only) at "
                           f"{'session' if len(unknown) == 1 else 'sessions'} "
                           f"{session_ranges(unknown)}.")
        safety["details"] = details
    elif not phq9_sessions:
        safety["status"] = "unavailable"
        safety["headline"] = ("PHQ-9 item 9 was not available: no PHQ-9 was recorded, so "
                              "thoughts of self-harm were not screened by this measure.")
        safety["details"] = []
    elif not len(known):
        safety["status"] = "unavailable"
        safety["headline"] = ("PHQ-9 item 9 was not available: only PHQ-9 totals were "
                              f"recorded (sessions {session_ranges(phq9_sessions)}).")
        safety["details"] = []
    else:
        safety["status"] = "clear"
        clear = [int(n) for n in known["session"]]
        safety["headline"] = (f"PHQ-9 item 9 ({ITEM9_WORDING}) was 0 at every session where "
                              f"it was recorded ({'session' if len(clear) == 1 else 'sessions'}"
                              f" {session_ranges(clear)}).")
        safety["details"] = ([f"Item 9 was not available (PHQ-9 total only) at sessions "
                              f"{session_ranges(unknown)}."] if unknown else [])
    return safety


def _outcomes(client: Client, safety: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    table = client_outcomes(client)
    rows = []
    notes = []
    for row in table.itertuples():
        spec = vocab.INSTRUMENTS.get(row.instrument)
        title = spec.title if spec is not None else row.instrument
        band = (_arrow(row.band_start, row.band_end)
                if not pd.isna(row.band_start) else "–")
        flag = None
        if row.instrument == "phq9" and safety["flagged"]:
            flag = (f"item 9 above 0 at session{'s' if len(safety['sessions']) > 1 else ''} "
                    + ", ".join(map(str, safety["sessions"])))
        rows.append({
            "instrument": row.instrument,
            "title": title,
            # no-break spaces: "(session 12)" is never split across lines
            "start": f"{_score(row.start_score)} (session\u00a0{row.start_session})",
            "end": f"{_score(row.end_score)} (session\u00a0{row.end_session})",
            "change": (f"{row.change:+g}" if row.n_sessions > 1 else "–"),
            "band": band,
            "reliable": _yes_no(row.reliable_change),
            "response": _yes_no(row.response),
            "remission": _yes_no(row.remission),
            "category": "–" if pd.isna(row.category) else _words(row.category),
            "n_sessions": int(row.n_sessions),
            "flag": flag,
            "built_in": spec is not None,
        })
    joint = table.loc[table["instrument"].isin(["phq9", "gad7"]), "joint_recovery"].dropna()
    if len(joint):
        notes.append("NHS Talking Therapies joint recovery (PHQ-9 below 10 and GAD-7 below 8 "
                     "at the end, from caseness on either at the start): "
                     + ("yes." if bool(joint.iloc[0]) else "no."))
    if rows:
        notes.append("Start is the first session at which each measure was recorded, end the "
                     "last. Reliable change: PHQ-9 6 points, GAD-7 4 points (NHS Talking "
                     "Therapies); recovered = at caseness at the start, reliably improved "
                     "and below caseness at the end.")
    return rows, notes


def _change(client: Client, numbers: list[int], redact: bool
            ) -> tuple[list[str], list[dict[str, Any]], Change | None]:
    if len(numbers) < 2:
        return [], [], None
    first, last = numbers[0], numbers[-1]
    change = compare(client.inventory(first), client.inventory(last))
    rows = []
    for person in change.people:
        membership = person.membership + (" (left and came back)" if person.returned else "")
        rows.append({
            "person": client.display_name(person.person_id, redact),
            "role": _words(person.role),
            "membership": membership,
            "ring": _arrow(person.ring_before, person.ring_after),
            "moved": person.moved or "–",
            "support": _arrow(person.support_before, person.support_after),
            "conflict": _arrow(person.conflict_before, person.conflict_after),
            "type": _arrow(person.type_before, person.type_after),
            "status": _arrow(person.status_before, person.status_after),
            "dispute": _arrow(person.dispute_stage_before, person.dispute_stage_after),
        })
    return change.summary(redact=redact), rows, change


def _measures(client: Client, numbers: list[int]) -> list[dict[str, Any]]:
    if not numbers:
        return []
    table = client.metrics().set_index("session")
    shown = list(dict.fromkeys([numbers[0], numbers[-1]]))
    return [{"name": name, "values": [_metric(table.at[n, name], name) for n in shown]}
            for name in SUMMARY_METRICS]


def _events(client: Client, redact: bool) -> list[dict[str, Any]]:
    rows = []
    for event in client.events:
        rows.append({
            "date": event.date or "undated",
            "kind": _words(event.kind),
            "people": ", ".join(client.display_name(pid, redact) for pid in event.people),
            "problem_area": _words(event.problem_area) if event.problem_area else "",
            "onset": bool(event.onset),
            "notes": None if redact else event.notes,
        })
    return rows


def _sheet(client: Client, last: int | None, redact: bool) -> list[dict[str, Any]]:
    """The latest qualitative entry of each field per person, with its session."""
    if last is None:
        return []
    latest: dict[str, dict[str, tuple[Any, int]]] = {}
    for rating in client.ratings:  # sorted by session, then person
        if rating.session > last:
            continue
        entries = latest.setdefault(rating.person_id, {})
        for name, _label, _is_text in SHEET_FIELDS:
            value = getattr(rating, name)
            if value is not None:
                entries[name] = (value, rating.session)
    table = client.inventory(last).people
    on_map = {row["person_id"]: row for row in table.to_dict("records")}
    people = []
    for person in client.people:
        if person.person_id not in latest and person.person_id not in on_map:
            continue
        entries = latest.get(person.person_id, {})
        shown, left_out = [], 0
        for name, label, is_text in SHEET_FIELDS:
            if name not in entries:
                continue
            if is_text and redact:
                left_out += 1
                continue
            value, session = entries[name]
            if name == "confidant":
                value = "yes" if value else "no"
            elif not is_text:
                value = _words(value)
            shown.append({"label": label, "value": value, "session": session,
                          "text": is_text})
        state = on_map.get(person.person_id)
        if state is None:
            place = f"not on the map at session {last}"
        else:
            ring, desired, status = (_known(state[name])
                                     for name in ("ring", "desired_ring", "status"))
            place = f"ring {ring}" if ring is not None else "no ring"
            if desired is not None and desired != ring:
                place += f" (desired ring {desired})"
            if status is not None and str(status) != "active":
                place += f"; {_words(status)}"
        people.append({"name": client.display_name(person.person_id, redact),
                       "role": _words(person.role), "place": place, "entries": shown,
                       "left_out": left_out})
    return people


def report_content(client: Client, sessions: Sequence[int] | None = None, *,
                   redact: bool = False, generated_at: dt.datetime | None = None
                   ) -> ReportContent:
    """The facts of one client's report, in reading order.

    Parameters
    ----------
    client : Client
    sessions : sequence of int, optional
        The sessions whose maps are drawn and compared (:func:`choose_sessions`); by
        default the baseline (end of the initial phase) and the latest session.
    redact : bool
        Name people by id and role and leave out every free-text field.
    generated_at : datetime, optional
        The generation time printed in the footer (UTC); now by default. Fix it to make
        two renderings of one record byte-identical.

    Returns
    -------
    ReportContent
    """
    from .. import __version__  # at call time: the package may still be importing this

    numbers = choose_sessions(client, sessions)
    moment = generated_at or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC).replace(microsecond=0)
    safety = _safety(client)
    outcomes, outcome_notes = _outcomes(client, safety)
    sentences, change_rows, _ = _change(client, numbers, redact)
    baseline = baseline_session(client) if client.sessions else None
    if not numbers:
        caption = "No sessions recorded yet: there is no map to draw."
    elif sessions is None and len(numbers) == 2:
        caption = (f"Baseline (session {numbers[0]}, the end of the initial phase, when the "
                   f"inventory is complete) and latest (session {numbers[-1]}).")
    elif len(numbers) == 1:
        caption = f"Session {numbers[0]}: the only session to draw, so there is no change yet."
    else:
        caption = "Sessions " + ", ".join(str(n) for n in numbers) + " (chosen)."
    return ReportContent(
        client_id=client.client_id,
        redact=redact,
        client_label=None if redact else client.label,
        client_notes=None if redact else client.notes,
        header=_header(client, redact),
        problem_areas=_problem_areas(client, redact),
        safety=safety,
        outcomes=outcomes,
        outcome_notes=outcome_notes,
        baseline=baseline,
        sessions=numbers,
        sessions_caption=caption,
        change_sentences=sentences,
        change_rows=change_rows,
        measure_sessions=list(dict.fromkeys(numbers[:1] + numbers[-1:])),
        measure_rows=_measures(client, numbers),
        events=_events(client, redact),
        sheet=_sheet(client, numbers[-1] if numbers else None, redact),
        generated_at=moment.isoformat().replace("+00:00", "Z"),
        version=__version__,
        case_sha256=case_hash(client),
    )
