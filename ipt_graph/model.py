"""The client record: people, sessions, ratings, removals, ties, life events, problem areas.

A :class:`Client` holds *observations at sessions* (DESIGN.md §3). Ratings, removals and ties
are never overwritten by later sessions; the inventory at a session is resolved from all
observations up to it (:meth:`Client.inventory`). The rules of that resolution live in
:func:`walk`, the one place that implements them.

Every way in — the building methods a clinician types in a notebook, ``Client(**data)``, and
the case-file loader — runs the same validation (:meth:`Client.problems`) and refuses the
whole change when anything is wrong, naming every problem at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import pydantic
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from . import vocab
from .errors import NotFoundError, Problem, ValidationError
from .vocab import (
    AgeBand,
    Contact,
    DisputeStage,
    EventKind,
    ExpectationsMet,
    Gender,
    Phase,
    ProblemAreaKind,
    Role,
    Sector,
    Status,
    TieKind,
)

__all__ = [
    "RATING_FIELDS",
    "TEXT_RATING_FIELDS",
    "Client",
    "LifeEvent",
    "Measure",
    "Person",
    "ProblemArea",
    "Rating",
    "Removal",
    "Session",
    "Tie",
    "approx_date_span",
    "display_name",
    "walk",
]

# --- Field types ------------------------------------------------------------------------------

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$"
_INSTRUMENT_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
_APPROX_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _not_ego(value: str) -> str:
    if value.lower() == "ego":
        raise ValueError("'ego' is reserved for the client and cannot be a person_id")
    return value


def _no_number(value: Any) -> Any:
    if isinstance(value, int | float):
        raise ValueError("must be a date as YYYY-MM-DD, not a number")
    return value


def _not_huge(value: int | float) -> int | float:
    if abs(value) > MAX_INT:
        raise ValueError("must be at most 2**53 in size (larger numbers do not survive the "
                         "tables and measures)")
    return value


def _check_approx_date(value: str) -> str:
    approx_date_span(value)
    return value


def approx_date_span(value: str) -> tuple[dt.date, dt.date]:
    """First and last day of an approximate date: ``"2025"``, ``"2025-03"`` or ``"2025-03-14"``.

    Examples
    --------
    >>> approx_date_span("2024-02")
    (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    """
    match = _APPROX_DATE.match(value)
    if not match:
        raise ValueError("must be a date as YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if day is None:
            first = dt.date(year, month, 1)
            following = dt.date(year + month // 12, month % 12 + 1, 1)
            return first, following - dt.timedelta(days=1)
        exact = dt.date(year, month, day)
        return exact, exact
    except ValueError:
        raise ValueError("must be a real calendar date (YYYY, YYYY-MM or YYYY-MM-DD)") from None


#: Whole numbers beyond this are refused: a float64 (and so every table, measure and plot)
#: holds integers exactly only up to 2**53, and larger ones overflow on the way there.
MAX_INT = 2**53
Id = Annotated[str, Field(pattern=_ID_PATTERN)]
PersonId = Annotated[str, Field(pattern=_ID_PATTERN), AfterValidator(_not_ego)]
SessionNumber = Annotated[int, Field(strict=True, ge=0, le=MAX_INT)]
RatingValue = Annotated[int, Field(strict=True, ge=vocab.RATING_MIN, le=vocab.RATING_MAX)]
RingValue = Annotated[int, Field(strict=True, ge=1, le=vocab.MAX_RINGS)]
ApproxDate = Annotated[
    str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$"), AfterValidator(_check_approx_date)
]
InstrumentName = Annotated[str, Field(pattern=_INSTRUMENT_PATTERN)]
#: Free text a user typed: kept out of reprs and error messages.
Text = Annotated[Annotated[str, Field(max_length=20_000)] | None, Field(repr=False)]
Number = Annotated[Annotated[int, Field(strict=True)] | Annotated[float, Field(strict=True)],
                   AfterValidator(_not_huge)]


class _Record(BaseModel):
    """Base of every record: closed, immutable, finite numbers, no input echoed in errors."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,
        allow_inf_nan=False,
        use_enum_values=True,
        validate_default=False,
    )


# --- Records ----------------------------------------------------------------------------------


class Person(_Record):
    """A significant person in the client's life, stable for the whole record.

    ``sector`` is derived from ``role`` (DOMAIN.md §5) unless set; ``attributes`` holds any
    extra attributes, which count as free text for privacy.
    """

    person_id: PersonId
    label: Text = None
    role: Role = Role.other
    sector: Sector | None = None
    gender: Gender | None = None
    age_band: AgeBand | None = None
    attributes: Annotated[dict[InstrumentName, str | int | float | bool], Field(repr=False)] = {}

    @property
    def resolved_sector(self) -> str:
        """The sector set on the person, or the one their role maps to."""
        return self.sector or vocab.ROLE_SECTOR[Role(self.role)]

    @property
    def sni_role(self) -> str | None:
        """The SNI role type of the person's role (Cohen et al. 1997), None if it has none."""
        return vocab.ROLE_SNI[Role(self.role)]


class Measure(_Record):
    """A symptom or social measure taken at a session: a total and, where free, the items.

    Items are stored as scored (reverse-keyed items already reversed). Proprietary instruments
    (BDI-II, HAM-D17) store totals only.
    """

    total: Number | None = None
    items: tuple[Annotated[int, Field(strict=True, ge=-MAX_INT, le=MAX_INT)], ...] | None = None


class Session(_Record):
    """An IPT session (0 = intake), attended or missed; missed sessions are recorded."""

    number: SessionNumber
    date: Annotated[dt.date, BeforeValidator(_no_number)] | None = None
    phase: Phase | None = None
    attended: StrictBool = True
    complete: StrictBool = False
    measures: dict[InstrumentName, Measure] = {}
    notes: Text = None


class Rating(_Record):
    """What was observed about one person at one session: any subset of the fields.

    ``ring`` is 1 (innermost) .. the client's rings; ``support`` and ``conflict`` are 1 = not
    at all .. 6 = extremely (Campo, Uchino et al. 2009).
    """

    session: SessionNumber
    person_id: PersonId
    ring: RingValue | None = None
    support: RatingValue | None = None
    conflict: RatingValue | None = None
    status: Status | None = None
    contact: Contact | None = None
    confidant: StrictBool | None = None
    desired_ring: RingValue | None = None
    expectations_met: ExpectationsMet | None = None
    dispute_stage: DisputeStage | None = None
    expectations: Text = None
    satisfying: Text = None
    unsatisfying: Text = None
    desired_change: Text = None
    notes: Text = None

    def values(self) -> dict[str, Any]:
        """The fields this rating observed (those not None)."""
        values = {name: getattr(self, name) for name in RATING_FIELDS}
        return {name: value for name, value in values.items() if value is not None}


#: Every rating field that carries forward on its own (DESIGN.md §3 rule 1), in table order.
RATING_FIELDS: tuple[str, ...] = tuple(
    name for name in Rating.model_fields if name not in ("session", "person_id")
)
#: The rating fields that hold free text.
TEXT_RATING_FIELDS: tuple[str, ...] = (
    "expectations", "satisfying", "unsatisfying", "desired_change", "notes",
)


class Removal(_Record):
    """The person leaves the map at this session (left the client's life, or taken off)."""

    session: SessionNumber
    person_id: PersonId


class Tie(_Record):
    """Two people who know each other, observed at a session; ``ended`` takes the tie off.

    The pair is unordered and stored with ``a < b``.
    """

    session: SessionNumber
    a: PersonId
    b: PersonId
    kind: TieKind = TieKind.knows
    weight: Annotated[float, Field(strict=True, gt=0, le=1)] = 1.0
    ended: StrictBool = False

    @pydantic.model_validator(mode="before")
    @classmethod
    def _order_pair(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            a, b = data.get("a"), data.get("b")
            if isinstance(a, str) and isinstance(b, str) and b < a:
                data = {**data, "a": b, "b": a}
        return data

    @pydantic.model_validator(mode="after")
    def _distinct(self) -> Tie:
        if self.a == self.b:
            raise ValueError("a tie joins two different people")
        return self


class LifeEvent(_Record):
    """A dated life event on the timeline; ``date`` may be a year or a year-month."""

    event_id: Id
    date: ApproxDate | None = None
    kind: EventKind = EventKind.other
    people: tuple[PersonId, ...] = ()
    problem_area: ProblemAreaKind | None = None
    onset: StrictBool = False
    notes: Text = None


class ProblemArea(_Record):
    """An IPT problem area with its focus people; transitions carry old and new role."""

    area: ProblemAreaKind
    primary: StrictBool = False
    focus: tuple[PersonId, ...] = ()
    old_role: Text = None
    new_role: Text = None
    date: ApproxDate | None = None
    notes: Text = None


_RECORD_LISTS: dict[str, type[_Record]] = {
    "people": Person,
    "sessions": Session,
    "ratings": Rating,
    "removals": Removal,
    "ties": Tie,
    "events": LifeEvent,
    "problem_areas": ProblemArea,
}
#: Canonical order of each list: records at sessions are sorted by their key; people, events
#: and problem areas keep the order the clinician gave them.
_SORT_KEYS = {
    "sessions": lambda s: s.number,
    "ratings": lambda r: (r.session, r.person_id),
    "removals": lambda r: (r.session, r.person_id),
    "ties": lambda t: (t.session, t.a, t.b, t.kind),
}


# --- Error messages ---------------------------------------------------------------------------

_SINGULAR = {
    "people": "person", "sessions": "session", "ratings": "rating", "removals": "removal",
    "ties": "tie", "events": "event", "problem_areas": "problem area",
}
_SAFE_TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")
_SAFE_ID = re.compile(_ID_PATTERN)


def _describe_record(list_name: str, record: Any, index: int | None = None) -> str:
    """Name a record by its key, e.g. ``ratings[3] (session 6, person p4)``.

    Only ids and numbers are shown: never labels or other text a user typed.
    """

    def get(key: str) -> Any:
        value = record.get(key) if isinstance(record, Mapping) else getattr(record, key, None)
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if key in ("session", "number"):  # a session number given as text may be anything
            return None
        if isinstance(value, str) and _SAFE_ID.match(value):
            return value
        return None

    parts = []
    if list_name in ("ratings", "removals", "ties") and get("session") is not None:
        parts.append(f"session {get('session')}")
    if list_name in ("ratings", "removals", "people") and get("person_id") is not None:
        parts.append(f"person {get('person_id')}")
    if list_name == "sessions" and get("number") is not None:
        parts.append(f"session {get('number')}")
    if list_name == "ties" and get("a") is not None and get("b") is not None:
        parts.append(f"{get('a')}–{get('b')}")
        kind = get("kind")
        if kind in tuple(TieKind):
            parts.append(kind)
    if list_name == "events" and get("event_id") is not None:
        parts.append(f"event {get('event_id')}")
    if list_name == "problem_areas" and get("area") in tuple(ProblemAreaKind):
        parts.append(get("area"))
    head = f"{list_name}[{index}]" if index is not None else _SINGULAR.get(list_name, list_name)
    return f"{head} ({', '.join(parts)})" if parts else head


def _pydantic_problems(
    error: pydantic.ValidationError, record: str, known_fields: Iterable[str]
) -> list[Problem]:
    """Turn pydantic's errors into Problems, without input values or unknown keys."""
    known = set(known_fields)
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    errors = error.errors(include_input=False, include_url=False)
    # a dict key that fails validation is typed input like any value: never shown
    bad_keys = {tuple(err["loc"][:index]) for err in errors
                for index, part in enumerate(err["loc"]) if part == "[key]"}
    for err in errors:
        parts: list[str] = []
        for index, part in enumerate(err["loc"]):
            if isinstance(part, int):
                parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
            elif parts and ("[" in part or part in ("int", "float", "str", "bool", "none")):
                continue  # the member of a union that pydantic tried
            elif tuple(err["loc"][:index + 1]) in bad_keys:
                parts.append("<key>")
            elif part in known or (parts and _SAFE_TOKEN.match(part) and "[" not in part):
                parts.append(part)
            else:
                parts.append("<key>")
        field = ".".join(parts)
        if err["type"] == "extra_forbidden":
            message = "is not a field of this record"
        elif err["type"] == "missing":
            message = "is required"
        else:
            message = err["msg"].replace("Input should be", "must be").replace("Value error, ", "")
        if (field, message) in seen or (field, "") in seen:
            continue
        seen.add((field, message))
        problems.append(Problem(record, field, message))
    return problems


# --- Observation semantics ----------------------------------------------------------------------


@dataclass
class PersonState:
    """A person on the map: the session they entered at and each field's value and session."""

    entered_at: int
    values: dict[str, tuple[Any, int]]


@dataclass
class MapState:
    """Who and which ties are on the map after a session (mutated in place by :func:`walk`)."""

    people: dict[str, PersonState]
    ties: dict[tuple[str, str, str], tuple[float, int]]


def walk(
    client: Client, problems: list[Problem] | None = None
) -> Iterator[tuple[Session, MapState]]:
    """Resolve the observations session by session (DESIGN.md §3, the normative rules).

    Yields each session with the map as it stands after it. The map is mutated in place by the
    next step: copy what you keep. When ``problems`` is given, observations that cannot apply
    (a removal of someone not on the map, a tie to someone not on it, an entry without a ring,
    ending a tie that is not there) are reported into it and skipped.

    Rules, numbered as in DESIGN.md §3:
    1. each rating field carries forward on its own, with the session it was observed at;
    2. a person enters the map at their first rating (which must give a ring);
    3. a removal takes the person off; a later rating puts them back with nothing carried;
    5. ties carry forward per (pair, kind) until ended or until either person leaves;
    6. a ``complete`` session ends every person and tie not observed at it;
    7. every session, attended or not, has a map.
    """
    ratings: dict[int, list[Rating]] = defaultdict(list)
    removals: dict[int, list[Removal]] = defaultdict(list)
    ties: dict[int, list[Tie]] = defaultdict(list)
    for rating in client.ratings:
        ratings[rating.session].append(rating)
    for removal in client.removals:
        removals[removal.session].append(removal)
    for tie in client.ties:
        ties[tie.session].append(tie)

    def report(record: str, field: str, message: str) -> None:
        if problems is not None:
            problems.append(Problem(record, field, message))

    state = MapState({}, {})
    for session in sorted(client.sessions, key=lambda s: s.number):
        k = session.number
        if session.complete:  # rule 6
            observed = {r.person_id for r in ratings[k]}
            state.people = {pid: p for pid, p in state.people.items() if pid in observed}
            state.ties = {}
        for removal in removals[k]:  # rule 3
            if state.people.pop(removal.person_id, None) is None:
                report(_describe_record("removals", removal), "person_id",
                       f"person {removal.person_id} is not on the map at session {k}")
        for rating in ratings[k]:  # rules 1-2
            person = state.people.get(rating.person_id)
            if person is None:
                if rating.ring is None:
                    report(_describe_record("ratings", rating), "ring",
                           "is required when a person enters the map (their first rating, "
                           "or the first after a removal or a complete re-inventory)")
                    continue
                person = state.people[rating.person_id] = PersonState(k, {})
            for name, value in rating.values().items():
                person.values[name] = (value, k)
        on_map = state.people
        state.ties = {key: v for key, v in state.ties.items()  # rule 5
                      if key[0] in on_map and key[1] in on_map}
        for tie in ties[k]:
            key = (tie.a, tie.b, tie.kind)
            missing = [pid for pid in (tie.a, tie.b) if pid not in on_map]
            if missing:
                report(_describe_record("ties", tie), "a" if missing[0] == tie.a else "b",
                       f"person {missing[0]} is not on the map at session {k}")
            elif tie.ended:
                if state.ties.pop(key, None) is None:
                    report(_describe_record("ties", tie), "ended",
                           f"there is no {tie.kind} tie to end at session {k}")
            else:
                state.ties[key] = (tie.weight, k)
        yield session, state


# --- Client -------------------------------------------------------------------------------------


class Client(BaseModel):
    """One client's interpersonal inventory over the sessions of treatment.

    Build it in a notebook::

        >>> import ipt_graph as ig
        >>> client = ig.Client("C-001", rings=3)
        >>> _ = client.add_person("p1", label="Partner", role="partner")
        >>> _ = client.add_session(1, date="2026-01-05", phase="initial")
        >>> _ = client.rate(1, "p1", ring=1, support=5, conflict=4)
        >>> client.inventory().metrics()["n_people"]
        1

    Every building method validates the whole record with the change applied and raises
    :class:`~ipt_graph.errors.ValidationError` (naming every problem) without changing
    anything when the change is invalid.
    """

    model_config = ConfigDict(
        extra="forbid", hide_input_in_errors=True, allow_inf_nan=False, use_enum_values=True,
        validate_default=False,
    )

    client_id: Id
    label: Text = None
    rings: Annotated[int, Field(strict=True, ge=vocab.MIN_RINGS, le=vocab.MAX_RINGS)] = (
        vocab.DEFAULT_RINGS
    )
    ring_labels: tuple[Annotated[str, Field(max_length=40)], ...] | None = None
    planned_sessions: Annotated[int, Field(strict=True, ge=1, le=1000)] | None = None
    onset_date: ApproxDate | None = None
    notes: Text = None
    people: list[Person] = []
    sessions: list[Session] = []
    ratings: list[Rating] = []
    removals: list[Removal] = []
    ties: list[Tie] = []
    events: list[LifeEvent] = []
    problem_areas: list[ProblemArea] = []

    SCALAR_FIELDS: ClassVar[tuple[str, ...]] = (
        "client_id", "label", "rings", "ring_labels", "planned_sessions", "onset_date", "notes",
    )

    def __init__(self, client_id: str | None = None, /, **data: Any):
        if client_id is not None:
            data["client_id"] = client_id
        fields, problems, _ = _parse(data)
        if problems:
            raise ValidationError(problems)
        super().__init__(**fields)
        self._sort()
        problems = self.problems()
        if problems:
            raise ValidationError(problems)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | None = None) -> Client:
        """Validate a plain dict (as in a case file) and build the client.

        Every problem is reported at once in one :class:`ValidationError`: field problems of
        each record and the problems between records (references, ranges that depend on the
        client's rings, dates, the observation rules).
        """
        if not isinstance(data, Mapping):
            raise ValidationError([Problem("client", "", "must be an object")], source)
        fields, problems, positions = _parse(data)
        if not problems:
            client = cls.model_construct(**fields)
            problems = _cross_problems(client, client.rings, indexed=True)
            if not problems:
                client._sort()
                return client
        else:
            problems += _partial_problems(fields, data, positions)
        raise ValidationError(problems, source)

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready data, in canonical order (what a case file holds).

        Fields that are not set are left out; every list is always present.
        """
        return self.model_dump(mode="json", exclude_none=True)

    def __repr__(self) -> str:
        return (f"Client({self.client_id!r}, rings={self.rings}, people={len(self.people)}, "
                f"sessions={len(self.sessions)})")

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """Rich display in Jupyter (:func:`ipt_graph.notebook.client_html`)."""
        from .notebook import client_html

        return client_html(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Client) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    # --- lookups --------------------------------------------------------------------------

    def person(self, person_id: str) -> Person:
        """The person with this id."""
        for person in self.people:
            if person.person_id == person_id:
                return person
        raise NotFoundError(f"person {person_id!s} is not in client {self.client_id}"
                            if _SAFE_ID.match(str(person_id)) else "no such person")

    def session(self, number: int) -> Session:
        """The session with this number."""
        for session in self.sessions:
            if session.number == number:
                return session
        raise NotFoundError(f"session {number!r} is not in client {self.client_id}; "
                            f"sessions are {[s.number for s in self.sessions]}")

    def display_name(self, person_id: str, redact: bool = False) -> str:
        """How a person is shown to the clinician: see :func:`display_name`."""
        person = self.person(person_id)
        return display_name(person.person_id, person.label, person.role, redact)

    @property
    def ring_names(self) -> tuple[str, ...]:
        """Ring labels, innermost first: the client's own or the defaults."""
        return self.ring_labels or vocab.default_ring_labels(self.rings)

    @property
    def primary_problem_area(self) -> ProblemArea | None:
        """The primary problem area, or the only one when just one is recorded."""
        for area in self.problem_areas:
            if area.primary:
                return area
        return self.problem_areas[0] if len(self.problem_areas) == 1 else None

    # --- building -------------------------------------------------------------------------

    def add_person(
        self, person_id: str, *, label: str | None = None, role: str = "other",
        sector: str | None = None, gender: str | None = None, age_band: str | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> Person:
        """Add a person to the record. They are on the map from their first rating."""
        person = self._make("people", dict(
            person_id=person_id, label=label, role=role, sector=sector, gender=gender,
            age_band=age_band, attributes=dict(attributes or {})))
        self._apply(people=[*self.people, person])
        return person

    def update_person(self, person_id: str, **fields: Any) -> Person:
        """Change a person's ``label``, ``role``, ``sector``, ``gender``, ``age_band`` or
        ``attributes`` (None clears a field). Their ratings are untouched."""
        current = self.person(person_id)
        allowed = set(Person.model_fields) - {"person_id"}
        unknown = sorted(set(fields) - allowed)
        if unknown:
            record = _describe_record("people", {"person_id": person_id})
            raise ValidationError([Problem(record, name if _SAFE_TOKEN.match(name) else "<key>",
                                           "is not a field of a person; allowed: "
                                           + ", ".join(sorted(allowed))) for name in unknown])
        updated = self._make("people", current.model_dump() | fields)
        self._apply(people=[updated if p.person_id == person_id else p for p in self.people])
        return updated

    def add_session(
        self, number: int, *, date: str | dt.date | None = None, phase: str | None = None,
        attended: bool = True, complete: bool = False,
        measures: Mapping[str, Any] | None = None, notes: str | None = None,
    ) -> Session:
        """Add a session. ``measures`` maps an instrument to a total, a list of item values
        or ``{"total": ..., "items": [...]}``. A ``complete`` session is a full re-inventory:
        everyone not rated at it leaves the map (DESIGN.md §3 rule 6)."""
        session = self._make("sessions", dict(
            number=number, date=date, phase=phase, attended=attended, complete=complete,
            measures={name: _measure_input(value) for name, value in (measures or {}).items()},
            notes=notes))
        self._apply(sessions=[*self.sessions, session])
        return session

    def record_measure(
        self, session: int, instrument: str, *, total: float | None = None,
        items: Iterable[int] | None = None,
    ) -> Session:
        """Record (or replace) an instrument's total and/or items at a session."""
        current = self.session(session)
        measure = {"total": total, "items": None if items is None else tuple(items)}
        updated = self._make("sessions", current.model_dump() | {
            "measures": current.model_dump()["measures"] | {instrument: measure}})
        self._apply(sessions=[s if s.number != session else updated for s in self.sessions])
        return updated

    def rate(self, session: int, person_id: str, **fields: Any) -> Rating:
        """Observe a person at a session: any of ``ring``, ``support``, ``conflict``,
        ``status``, ``contact``, ``confidant``, ``desired_ring``, ``expectations_met``,
        ``dispute_stage`` and the text fields. Rating the same person twice at one session
        merges the fields; fields not given carry forward from earlier sessions."""
        unknown = sorted(set(fields) - set(RATING_FIELDS))
        if unknown:
            record = _describe_record("ratings", {"session": session, "person_id": person_id})
            raise ValidationError([Problem(record, name if _SAFE_TOKEN.match(name) else "<key>",
                                           "is not a rating field; allowed: "
                                           + ", ".join(RATING_FIELDS)) for name in unknown])
        existing = next((r for r in self.ratings
                         if r.session == session and r.person_id == person_id), None)
        base = existing.model_dump(exclude_none=True) if existing else {}
        rating = self._make("ratings", base | {"session": session, "person_id": person_id}
                            | {k: v for k, v in fields.items() if v is not None})
        self._apply(ratings=[r for r in self.ratings if r is not existing] + [rating])
        return rating

    def remove(self, session: int, person_id: str) -> Removal:
        """Take a person off the map from this session on (a later rating brings them back)."""
        removal = self._make("removals", dict(session=session, person_id=person_id))
        self._apply(removals=[*self.removals, removal])
        return removal

    def tie(self, session: int, a: str, b: str, *, kind: str = "knows",
            weight: float = 1.0) -> Tie:
        """Record that ``a`` and ``b`` know each other (or are close, or in conflict)."""
        tie = self._make("ties", dict(session=session, a=a, b=b, kind=kind, weight=weight))
        self._apply(ties=[*self.ties, tie])
        return tie

    def end_tie(self, session: int, a: str, b: str, *, kind: str = "knows") -> Tie:
        """Take a tie off the map from this session on."""
        tie = self._make("ties", dict(session=session, a=a, b=b, kind=kind, ended=True))
        self._apply(ties=[*self.ties, tie])
        return tie

    def add_event(
        self, event_id: str, *, date: str | None = None, kind: str = "other",
        people: Iterable[str] = (), problem_area: str | None = None, onset: bool = False,
        notes: str | None = None,
    ) -> LifeEvent:
        """Add a life event; ``date`` may be ``"2025"``, ``"2025-03"`` or ``"2025-03-14"``."""
        event = self._make("events", dict(
            event_id=event_id, date=date, kind=kind, people=tuple(people),
            problem_area=problem_area, onset=onset, notes=notes))
        self._apply(events=[*self.events, event])
        return event

    def add_problem_area(
        self, area: str, *, primary: bool = False, focus: Iterable[str] = (),
        old_role: str | None = None, new_role: str | None = None, date: str | None = None,
        notes: str | None = None,
    ) -> ProblemArea:
        """Tag a problem area with its focus people (for a transition: old and new role)."""
        record = self._make("problem_areas", dict(
            area=area, primary=primary, focus=tuple(focus), old_role=old_role,
            new_role=new_role, date=date, notes=notes))
        self._apply(problem_areas=[*self.problem_areas, record])
        return record

    def _make(self, list_name: str, data: dict[str, Any]) -> Any:
        record_type = _RECORD_LISTS[list_name]
        data = {k: v for k, v in data.items() if v is not None}
        try:
            return record_type.model_validate(data)
        except pydantic.ValidationError as error:
            raise ValidationError(_pydantic_problems(
                error, _describe_record(list_name, data), record_type.model_fields)) from None

    def _apply(self, **lists: list[Any]) -> None:
        candidate = self.model_copy(update=lists)
        candidate._sort()
        problems = candidate.problems()
        if problems:
            raise ValidationError(problems)
        for name in lists:
            setattr(self, name, getattr(candidate, name))

    def _sort(self) -> None:
        for name, key in _SORT_KEYS.items():
            setattr(self, name, sorted(getattr(self, name), key=key))

    # --- validation -----------------------------------------------------------------------

    def problems(self) -> list[Problem]:
        """Every problem between the records (field ranges are checked as records are made)."""
        return _cross_problems(self, self.rings, indexed=False)

    # --- views (they import upward lazily) ------------------------------------------------

    def inventory(self, session: int | None = None, observed_only: bool = False):
        """The resolved inventory at ``session`` (default: the latest session).

        See :class:`ipt_graph.inventory.Inventory`.
        """
        from .inventory import Inventory

        return Inventory.of(self, session, observed_only=observed_only)

    def inventories(self):
        """The inventory of every session, in order, resolved in one pass."""
        from .inventory import Inventory

        return Inventory.all_of(self)

    def metrics(self):
        """One row per session of every measure in :data:`ipt_graph.metrics.METRICS`."""
        from .metrics import client_metrics

        return client_metrics(self)

    def trajectories(self, threshold: float = vocab.TYPE_THRESHOLD):
        """One row per session x person on the map: ring, support, conflict, type, status.

        See :func:`ipt_graph.change.trajectories`.
        """
        from .change import trajectories

        return trajectories(self, threshold=threshold)

    def measures_table(self):
        """One row per session x instrument x item (``"total"`` for totals).

        See :func:`ipt_graph.outcomes.measures_table`.
        """
        from .outcomes import measures_table

        return measures_table(self)

    def outcomes(self, *, instruments=None, norms=None, bandings=None):
        """One row per instrument: start and end scores, reliable change, category, flags.

        See :func:`ipt_graph.outcomes.client_outcomes` for the options.
        """
        from .outcomes import client_outcomes

        return client_outcomes(self, instruments=instruments, norms=norms, bandings=bandings)


def display_name(person_id: str, label: str | None, role: str, redact: bool = False) -> str:
    """A person as every view shows them: the label, or ``"p1 (partner)"`` when redacted or
    unlabelled (codes and roles only, no free text).

    Examples
    --------
    >>> display_name("p1", "Partner (A.)", "partner"), display_name("p1", "A.", "partner", True)
    ('Partner (A.)', 'p1 (partner)')
    """
    if redact or not label:
        return f"{person_id} ({str(role).replace('_', ' ')})"
    return label


# --- Parsing and validation -----------------------------------------------------------------------


def _measure_input(value: Any) -> Any:
    """Accept a total, a list of items or a dict for a measure."""
    if isinstance(value, Measure | Mapping):
        return value
    if isinstance(value, list | tuple):
        return {"items": tuple(value)}
    return {"total": value}


def _parse(
    data: Mapping[str, Any],
) -> tuple[dict[str, Any], list[Problem], dict[str, list[int]]]:
    """Validate the client's own fields and every record, each on its own.

    Returns the valid values (invalid records are left out), the field problems and, for
    each list, the position in the input of every record kept (to name records by it).
    """
    positions: dict[str, list[int]] = {}
    problems: list[Problem] = []
    fields: dict[str, Any] = {}
    unknown = [key for key in data if key not in Client.model_fields]
    for _ in unknown:  # the key itself is not shown: a mistyped key may hold a name
        problems.append(Problem("client", "<key>", "is not a field of a client record; "
                                "allowed: " + ", ".join(Client.model_fields)))
    scalars = {key: data[key] for key in Client.SCALAR_FIELDS if key in data}
    try:
        fields.update(_ScalarClient.model_validate(scalars).model_dump(exclude_unset=True))
    except pydantic.ValidationError as error:
        problems += _pydantic_problems(error, "client", Client.model_fields)
        valid = {}
        for key, value in scalars.items():  # keep what is valid for the cross checks
            with contextlib.suppress(pydantic.ValidationError):
                valid |= _ScalarClient.model_validate({"client_id": "x", key: value}
                                                     ).model_dump(include={key})
        fields.update(valid)
        fields.setdefault("client_id", "invalid")
    for list_name, record_type in _RECORD_LISTS.items():
        raw = data.get(list_name, [])
        if not isinstance(raw, list | tuple):
            problems.append(Problem("client", list_name, "must be a list"))
            raw = []
        records = []
        kept = positions[list_name] = []
        for index, item in enumerate(raw):
            if isinstance(item, record_type):
                records.append(item)
                kept.append(index)
                continue
            try:
                if list_name == "sessions" and isinstance(item, Mapping) and isinstance(
                        item.get("measures"), Mapping):
                    item = {**item, "measures": {k: _measure_input(v)
                                                 for k, v in item["measures"].items()}}
                records.append(record_type.model_validate(item))
                kept.append(index)
            except pydantic.ValidationError as error:
                problems += _pydantic_problems(
                    error, _describe_record(list_name, item, index), record_type.model_fields)
        fields[list_name] = records
    return fields, problems, positions


#: The client's own fields, validated apart from its records (derived from Client, so the
#: two cannot drift apart).
_ScalarClient = pydantic.create_model(
    "_ScalarClient", __config__=Client.model_config,
    **{name: (Client.model_fields[name].annotation, Client.model_fields[name])
       for name in Client.SCALAR_FIELDS},
)


def _partial_problems(fields: dict[str, Any], data: Mapping[str, Any],
                      positions: Mapping[str, list[int]]) -> list[Problem]:
    """Cross-record problems among the records that were valid on their own.

    References are checked against every id present in the input, so a person whose record
    had a bad field does not also make every rating of theirs "unknown".
    """
    known_people = {str(p.get("person_id")) for p in data.get("people", [])
                    if isinstance(p, Mapping)} if isinstance(data.get("people"), list) else set()
    partial = Client.model_construct(**fields)
    rings = fields.get("rings", vocab.DEFAULT_RINGS)
    if "rings" in data and fields.get("rings") is None:
        rings = None
    return _cross_problems(partial, rings, extra_people=known_people, walk_rules=False,
                           indexed=True, positions=positions)


def _cross_problems(client: Client, rings: int | None, *, indexed: bool,
                    extra_people: Iterable[str] = (), walk_rules: bool = True,
                    positions: Mapping[str, list[int]] | None = None) -> list[Problem]:
    """Problems between records. ``indexed`` names records by their place in the lists (as
    loaded from a file; ``positions`` maps a place among the valid records back to the input,
    where invalid records were left out); otherwise by their key alone (building methods)."""
    problems: list[Problem] = []

    def _describe(list_name: str, record: Any, index: int | None = None) -> str:
        if indexed and index is not None and positions is not None:
            index = positions[list_name][index]
        return _describe_record(list_name, record, index if indexed else None)

    def add(record: str, field: str, message: str) -> None:
        problems.append(Problem(record, field, message))

    # ids unique
    def unique(list_name: str, key) -> None:
        seen: set[Any] = set()
        for index, record in enumerate(getattr(client, list_name)):
            k = key(record)
            if k in seen:
                add(_describe(list_name, record, index), "",
                    "appears twice (its key must be unique)")
            seen.add(k)

    unique("people", lambda p: p.person_id)
    unique("sessions", lambda s: s.number)
    unique("ratings", lambda r: (r.session, r.person_id))
    unique("removals", lambda r: (r.session, r.person_id))
    unique("ties", lambda t: (t.session, t.a, t.b, t.kind))
    unique("events", lambda e: e.event_id)
    unique("problem_areas", lambda a: a.area)

    people = {p.person_id for p in client.people} | set(extra_people)
    sessions = {s.number for s in client.sessions}

    def ref_person(list_name: str, record: Any, index: int, field: str, pid: str) -> None:
        if pid not in people:
            add(_describe(list_name, record, index), field,
                f"person {pid} is not in the record (add them with add_person)")

    def ref_session(list_name: str, record: Any, index: int) -> None:
        if record.session not in sessions:
            add(_describe(list_name, record, index), "session",
                f"session {record.session} is not in the record (add it with add_session)")

    rated = {(r.session, r.person_id) for r in client.ratings}
    for index, r in enumerate(client.ratings):
        ref_person("ratings", r, index, "person_id", r.person_id)
        ref_session("ratings", r, index)
        if not r.values():
            add(_describe("ratings", r, index), "", "observes nothing: give at least one field")
        for name in ("ring", "desired_ring"):
            value = getattr(r, name)
            if rings is not None and value is not None and value > rings:
                add(_describe("ratings", r, index), name,
                    f"must be 1..{rings} for this client, got {value}")
    for index, r in enumerate(client.removals):
        ref_person("removals", r, index, "person_id", r.person_id)
        ref_session("removals", r, index)
        if (r.session, r.person_id) in rated:
            add(_describe("removals", r, index), "",
                "the person is both rated and removed at this session")
    for index, t in enumerate(client.ties):
        ref_person("ties", t, index, "a", t.a)
        ref_person("ties", t, index, "b", t.b)
        ref_session("ties", t, index)
    for index, e in enumerate(client.events):
        for pid in e.people:
            ref_person("events", e, index, "people", pid)

    # sessions: dates never go backwards as numbers rise
    last: tuple[int, dt.date] | None = None
    for index, s in sorted(enumerate(client.sessions), key=lambda item: item[1].number):
        if s.date is not None:
            if last is not None and s.date < last[1]:
                add(_describe("sessions", s, index), "date",
                    f"is earlier than the date of session {last[0]}: dates may not go "
                    "backwards as session numbers rise")
            last = (s.number, s.date)
        for name, measure in s.measures.items():
            problems.extend(_measure_problems(_describe("sessions", s, index), name, measure))

    # problem areas
    primaries = [a for a in client.problem_areas if a.primary]
    if len(primaries) > 1:
        add("problem_areas", "primary", "at most one problem area can be primary")
    for index, a in enumerate(client.problem_areas):
        for pid in a.focus:
            ref_person("problem_areas", a, index, "focus", pid)
        if a.area != ProblemAreaKind.role_transition:
            for name in ("old_role", "new_role", "date"):
                if getattr(a, name) is not None:
                    add(_describe("problem_areas", a, index), name,
                        "is only recorded for a role_transition")
    disputed = {pid for a in client.problem_areas if a.area == ProblemAreaKind.role_dispute
                for pid in a.focus}
    for index, r in enumerate(client.ratings):
        if r.dispute_stage is not None and r.person_id not in disputed:
            add(_describe("ratings", r, index), "dispute_stage",
                "is only recorded for a focus person of a role_dispute problem area")

    if rings is not None and client.ring_labels is not None and len(client.ring_labels) != rings:
        add("client", "ring_labels", f"must give one label per ring ({rings}), "
                                     f"got {len(client.ring_labels)}")

    if walk_rules and not problems:
        for _ in walk(client, problems):
            pass
    return problems


def _measure_problems(record: str, name: str, measure: Measure) -> list[Problem]:
    """Range and consistency checks of a measure against its instrument (DOMAIN.md §6)."""
    spec = vocab.INSTRUMENTS.get(name)
    field = f"measures.{name}"
    out: list[Problem] = []
    if measure.total is None and measure.items is None:
        return [Problem(record, field, "give a total, items or both")]
    if spec is None:
        return out  # a user-defined instrument: any finite number
    if measure.items is not None:
        if spec.items == 0:
            return [Problem(record, f"{field}.items",
                            f"{spec.title} is proprietary: store the total only")]
        if len(measure.items) != spec.items:
            out.append(Problem(record, f"{field}.items",
                               f"must have {spec.items} items, got {len(measure.items)}"))
        for i, item in enumerate(measure.items, start=1):
            if not spec.item_min <= item <= spec.item_max:
                out.append(Problem(record, f"{field}.items[{i}]",
                                   f"must be {spec.item_min}..{spec.item_max}, got {item}"))
    if measure.total is not None:
        if not spec.total_min <= measure.total <= spec.total_max:
            out.append(Problem(record, f"{field}.total",
                               f"must be {spec.total_min:g}..{spec.total_max:g}, "
                               f"got {measure.total:g}"))
        elif measure.items is not None and not out:
            expected = _score(spec, measure.items)
            if not math.isclose(measure.total, expected, abs_tol=0.005):
                out.append(Problem(record, f"{field}.total",
                                   f"must equal the {spec.scoring} of the items "
                                   f"({expected:g}), got {measure.total:g}"))
    return out


def _score(spec: vocab.InstrumentSpec, items: tuple[int, ...]) -> float:
    total = sum(items)
    return total / len(items) if spec.scoring == "mean" else total


def measure_total(name: str, measure: Measure) -> float | None:
    """The total of a measure: as stored, or scored from its items."""
    if measure.total is not None:
        return measure.total
    spec = vocab.INSTRUMENTS.get(name)
    if spec is None or measure.items is None:
        return None
    return _score(spec, measure.items)
