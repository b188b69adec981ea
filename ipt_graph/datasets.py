"""Bundled example clients and seeded synthetic generators.

Two kinds of data, both synthetic (never real people):

* **Examples**: four hand-written case files in the repository's ``data/examples/``, one per
  IPT problem area, each telling a short clinical story over 12-16 sessions
  (:func:`example_names`, :func:`load_example`). :func:`write_examples` regenerates them
  from :func:`_build_examples`, which builds them with the clinician's building API.
* **Synthetic clients**: :func:`synthetic_client` and :func:`synthetic_cohort` draw varied,
  always valid records from a seed, for tests, benchmarks and tutorials. They exercise every
  rule of the observation semantics (DESIGN.md §3): entering, leaving and returning, deceased
  people, ended ties, complete re-inventories, missed sessions, partial re-ratings.

Labels are synthetic by construction ("Person 3", "Sister (B.)"): no realistic names.
"""

from __future__ import annotations

import datetime as dt
import operator
import random
from pathlib import Path
from typing import Any

from . import vocab
from .errors import NotFoundError
from .model import Client
from .vocab import Contact, ExpectationsMet, Gender, ProblemAreaKind, Role, Status

__all__ = [
    "example_names",
    "examples_folder",
    "load_example",
    "synthetic_client",
    "synthetic_cohort",
    "write_examples",
]

# --- Bundled examples -------------------------------------------------------------------------


def examples_folder() -> Path:
    """The folder holding the bundled example case files (the repository's ``data/examples``).

    The package is installed in editable mode from the repository, so the folder sits next to
    the package directory.
    """
    return Path(__file__).resolve().parent.parent / "data" / "examples"


def example_names() -> list[str]:
    """Names of the bundled example clients, sorted.

    Returns
    -------
    list of str
        One name per case file in :func:`examples_folder`, without the ``.json`` suffix:
        ``grief``, ``interpersonal_deficits``, ``role_dispute``, ``role_transition``.

    Examples
    --------
    >>> example_names()
    ['grief', 'interpersonal_deficits', 'role_dispute', 'role_transition']
    """
    folder = examples_folder()
    if not folder.is_dir():
        return []
    return sorted(path.stem for path in folder.glob("*.json"))


def load_example(name: str) -> Client:
    """Load a bundled example client by name.

    Parameters
    ----------
    name : str
        One of :func:`example_names` (a ``.json`` suffix is accepted too).

    Returns
    -------
    Client
        The validated client.

    Raises
    ------
    NotFoundError
        ``name`` is not a bundled example; the message lists the names there are.

    Examples
    --------
    >>> client = load_example("grief")
    >>> client.primary_problem_area.area
    'grief'
    """
    from .io.casefile import load

    names = example_names()
    stem = name[:-5] if isinstance(name, str) and name.endswith(".json") else name
    if stem not in names:
        shown = repr(name) if isinstance(name, str) and len(name) <= 60 else "that name"
        raise NotFoundError(f"no bundled example named {shown}; the examples are: "
                            f"{', '.join(names) if names else '(none found)'}")
    return load(examples_folder() / f"{stem}.json")


def write_examples(folder: str | Path | None = None) -> list[Path]:
    """Write the four example case files (built by :func:`_build_examples`) to ``folder``.

    Parameters
    ----------
    folder : str or Path, optional
        Where to write; default :func:`examples_folder`. Created when missing.

    Returns
    -------
    list of Path
        The files written, one per example, in name order.
    """
    from .io.casefile import save

    target = examples_folder() if folder is None else Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    return [save(client, target / f"{name}.json")
            for name, client in sorted(_build_examples().items())]


# --- Synthetic clients --------------------------------------------------------------------------

_ROLES: tuple[str, ...] = tuple(Role)
_GENDERS: tuple[str, ...] = tuple(Gender)
_AGE_BANDS: tuple[str, ...] = tuple(vocab.AgeBand)
_CONTACTS: tuple[str, ...] = tuple(Contact)
_EXPECTATIONS: tuple[str, ...] = tuple(ExpectationsMet)
_STAGES: tuple[str, ...] = tuple(vocab.DisputeStage)
_AREAS: tuple[str, ...] = tuple(ProblemAreaKind)
_EVENT_KINDS: tuple[str, ...] = tuple(vocab.EventKind)
_LIVING_STATUSES = (Status.active, Status.active, Status.active, Status.estranged,
                    Status.lost_contact, Status.moved_away)
_PARTIAL_FIELDS = ("ring", "support", "conflict", "conflict", "support", "contact",
                   "confidant", "desired_ring", "status", "expectations_met")


def synthetic_client(seed: int, *, client_id: str | None = None) -> Client:
    """A varied, valid, reproducible synthetic client drawn from ``seed``.

    Parameters
    ----------
    seed : int
        Seed of a :class:`random.Random`: the same seed gives an equal client on every run
        and every platform.
    client_id : str, optional
        The client's id; default ``"SYN-<seed>"``.

    Returns
    -------
    Client
        A client with 2-6 rings, 1-16 sessions numbered from 1 (dates never go backwards,
        some sessions missed, some complete re-inventories) and 0-40 people labelled
        ``"Person <k>"`` with any role, rated at several sessions (partially after their
        entry), some deceased, removed, returning, and tied to each other at any density,
        some ties ended. Attended sessions carry PHQ-9 items, some clients GAD-7 too.

    Raises
    ------
    TypeError
        ``seed`` is not an integer.

    Notes
    -----
    The record is drawn as plain lists that follow the observation rules of DESIGN.md §3
    (a person enters with a ring; removals, ties and ended ties only of people and ties on
    the map) and is validated once with :meth:`Client.from_dict`. The numbers are random,
    not clinically calibrated: use the bundled examples (:func:`load_example`) for stories.

    Examples
    --------
    >>> synthetic_client(7) == synthetic_client(7)
    True
    >>> synthetic_client(7).client_id
    'SYN-7'
    """
    seed = operator.index(seed)
    rng = random.Random(seed)
    return Client.from_dict(_synthetic_record(rng, client_id or f"SYN-{seed}"))


def synthetic_cohort(n_clients: int, seed: int) -> list[Client]:
    """``n_clients`` varied synthetic clients with ids ``"S-0001"``, ``"S-0002"``...

    Parameters
    ----------
    n_clients : int
        How many clients (0 or more).
    seed : int
        Seed of the whole cohort: each client's own seed is drawn from it, so the same
        ``seed`` gives the same cohort and a longer cohort starts with the shorter one.

    Returns
    -------
    list of Client

    Raises
    ------
    ValueError
        ``n_clients`` is negative.

    Examples
    --------
    >>> [client.client_id for client in synthetic_cohort(3, seed=1)]
    ['S-0001', 'S-0002', 'S-0003']
    """
    n_clients = operator.index(n_clients)
    if n_clients < 0:
        raise ValueError(f"n_clients must be 0 or more, got {n_clients}")
    master = random.Random(operator.index(seed))
    seeds = [master.getrandbits(63) for _ in range(n_clients)]
    return [synthetic_client(s, client_id=f"S-{i:04d}") for i, s in enumerate(seeds, start=1)]


def _spread(total: int, n_items: int, item_max: int, rng: random.Random) -> list[int]:
    """Random item values in 0..item_max summing to ``total``."""
    items = [0] * n_items
    open_items = list(range(n_items))
    for _ in range(total):
        index = rng.choice(open_items)
        items[index] += 1
        if items[index] == item_max:
            open_items.remove(index)
    return items


def _approx(day: dt.date, rng: random.Random) -> str:
    """A date as precise as a clinician would know it: year, year-month or full."""
    precision = rng.random()
    if precision < 0.2:
        return f"{day.year:04d}"
    if precision < 0.8:
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def _synthetic_record(rng: random.Random, client_id: str) -> dict[str, Any]:
    """The plain record of a synthetic client (see :func:`synthetic_client`)."""
    rings = rng.randint(vocab.MIN_RINGS, vocab.MAX_RINGS)
    n_sessions = rng.randint(1, 16)
    roll = rng.random()
    n_people = 0 if roll < 0.1 else rng.randint(1, 12) if roll < 0.55 else rng.randint(1, 40)
    roll = rng.random()
    tie_density = (0.0 if roll < 0.15 else 0.85 + 0.15 * rng.random() if roll < 0.3
                   else 0.6 * rng.random())
    p_dead = rng.choice((0.0, 0.0, 0.1, 0.25))
    p_missed = rng.choice((0.0, 0.1, 0.2))
    p_complete = rng.choice((0.0, 0.0, 0.1, 0.25))
    p_remove = rng.choice((0.0, 0.03, 0.08))
    p_return = rng.choice((0.2, 0.5))
    p_end_tie = rng.choice((0.0, 0.03, 0.1))

    # people ------------------------------------------------------------------------------
    person_ids = [f"p{k}" for k in range(1, n_people + 1)]
    people = []
    for k, pid in enumerate(person_ids, start=1):
        person: dict[str, Any] = {"person_id": pid, "label": f"Person {k}",
                                  "role": rng.choice(_ROLES)}
        if rng.random() < 0.7:
            person["gender"] = rng.choice(_GENDERS)
        if rng.random() < 0.6:
            person["age_band"] = rng.choice(_AGE_BANDS)
        people.append(person)
    dead = {pid for pid in person_ids if rng.random() < p_dead}
    died_at: dict[str, int] = {}  # people who die during treatment: the session it is noted

    # problem areas ---------------------------------------------------------------------------
    problem_areas: list[dict[str, Any]] = []
    areas = rng.sample(_AREAS, k=2) if rng.random() < 0.2 else [rng.choice(_AREAS)]
    if rng.random() < 0.1:
        areas = []
    for index, area in enumerate(areas):
        record: dict[str, Any] = {"area": area, "primary": index == 0}
        if area == ProblemAreaKind.grief and person_ids:
            if not dead:
                dead.add(rng.choice(person_ids))
            record["focus"] = sorted(dead, key=person_ids.index)[:2]
        elif area == ProblemAreaKind.role_dispute and person_ids:
            record["focus"] = rng.sample(person_ids, k=min(len(person_ids), rng.randint(1, 2)))
        elif area == ProblemAreaKind.role_transition:
            record.update(old_role="old role", new_role="new role")
            if rng.random() < 0.7:
                record["date"] = f"{rng.randint(2020, 2024):04d}-{rng.randint(1, 12):02d}"
            if person_ids and rng.random() < 0.5:
                record["focus"] = [rng.choice(person_ids)]
        problem_areas.append(record)
    disputed = {pid for record in problem_areas if record["area"] == ProblemAreaKind.role_dispute
                for pid in record.get("focus", ())}

    # sessions --------------------------------------------------------------------------------
    first_day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 900))
    termination = 3 if rng.random() < 0.5 else 2
    with_phase = rng.random() < 0.9
    with_gad7 = rng.random() < 0.3
    phq_level = rng.uniform(0, 27)
    phq_slope = rng.uniform(-1.6, 0.6)
    gad_level = rng.uniform(0, 21)
    gad_slope = rng.uniform(-1.2, 0.5)
    sessions: list[dict[str, Any]] = []
    attended: list[int] = []
    day = first_day
    for number in range(1, n_sessions + 1):
        if number > 1:
            day += dt.timedelta(days=rng.choice((7, 7, 7, 7, 14, 0, 3, 10)))
        session: dict[str, Any] = {"number": number, "date": day.isoformat()}
        if with_phase:
            if number <= 3:
                session["phase"] = "initial"
            elif n_sessions >= 8 and number > n_sessions - termination:
                session["phase"] = "termination"
            else:
                session["phase"] = "middle"
        if number > 1 and rng.random() < p_missed:
            session["attended"] = False
        else:
            attended.append(number)
            if number > 1 and rng.random() < p_complete:
                session["complete"] = True
            phq = round(phq_level + phq_slope * (number - 1) + rng.gauss(0, 1.5))
            measures = {"phq9": _measure(min(27, max(0, phq)), 9, rng)}
            if with_gad7:
                gad = round(gad_level + gad_slope * (number - 1) + rng.gauss(0, 1.2))
                measures["gad7"] = _measure(min(21, max(0, gad)), 7, rng)
            session["measures"] = measures
        sessions.append(session)

    # when each person is first rated: most at the initial inventory, some later, a few never
    entry: dict[int, list[str]] = {}
    for pid in person_ids:
        if rng.random() < 0.05:
            continue  # in the record, never on a map (DESIGN.md §3 rule 2)
        wanted = 1 if rng.random() < 0.6 else rng.randint(1, n_sessions)
        at = next((k for k in attended if k >= wanted), None)
        if at is not None:
            entry.setdefault(at, []).append(pid)

    # observations, session by session, following the rules of model.walk --------------------
    ratings: list[dict[str, Any]] = []
    removals: list[dict[str, Any]] = []
    ties: list[dict[str, Any]] = []
    on_map: list[str] = []  # in order of entry, so draws are reproducible
    off_map: list[str] = []  # removed or dropped, may return
    tied: set[tuple[str, str, str]] = set()
    last_session = attended[-1]

    def full_rating(number: int, pid: str) -> dict[str, Any]:
        rating: dict[str, Any] = {
            "session": number, "person_id": pid, "ring": rng.randint(1, rings),
            "support": rng.randint(1, 6), "conflict": rng.randint(1, 6),
        }
        if pid in dead:
            rating["status"] = Status.deceased
            if rng.random() < 0.5:
                rating["contact"] = Contact.never
        else:
            if rng.random() < 0.3:
                rating["status"] = Status.active
            if rng.random() < 0.7:
                rating["contact"] = rng.choice(_CONTACTS)
            if rng.random() < 0.5:
                rating["confidant"] = rng.random() < 0.4
        if rng.random() < 0.3:
            rating["desired_ring"] = rng.randint(1, rings)
        if rng.random() < 0.3:
            rating["expectations_met"] = rng.choice(_EXPECTATIONS)
        if pid in disputed and rng.random() < 0.7:
            rating["dispute_stage"] = rng.choice(_STAGES)
        return rating

    def partial_rating(number: int, pid: str) -> dict[str, Any]:
        rating: dict[str, Any] = {"session": number, "person_id": pid}
        for name in rng.sample(_PARTIAL_FIELDS, k=rng.randint(1, 3)):
            if name == "ring":
                rating["ring"] = rng.randint(1, rings)
            elif name == "desired_ring":
                rating["desired_ring"] = rng.randint(1, rings)
            elif name in ("support", "conflict"):
                rating[name] = rng.randint(1, 6)
            elif name == "contact":
                rating["contact"] = Contact.never if pid in dead else rng.choice(_CONTACTS)
            elif name == "confidant":
                rating["confidant"] = False if pid in dead else rng.random() < 0.4
            elif name == "expectations_met":
                rating["expectations_met"] = rng.choice(_EXPECTATIONS)
            elif pid not in dead:  # status: a living person's situation changes, or they die
                if rng.random() < 0.08:
                    dead.add(pid)
                    died_at[pid] = number
                    rating["status"] = Status.deceased
                else:
                    rating["status"] = rng.choice(_LIVING_STATUSES)
        if pid in disputed and rng.random() < 0.5:
            rating["dispute_stage"] = rng.choice(_STAGES)
        if len(rating) == 2:  # every field drawn was skipped: observe the conflict
            rating["conflict"] = rng.randint(1, 6)
        return rating

    def add_tie(number: int, a: str, b: str, kind: str, observed: dict) -> None:
        a, b = (a, b) if a < b else (b, a)
        if (a, b, kind) in observed:
            return
        weight = 1.0 if rng.random() < 0.6 else round(rng.uniform(0.1, 1.0), 2)
        observed[(a, b, kind)] = {"session": number, "a": a, "b": b, "kind": kind,
                                  "weight": weight}
        tied.add((a, b, kind))

    for number in attended:
        session = sessions[number - 1]
        rated: dict[str, dict[str, Any]] = {}
        observed: dict[tuple[str, str, str], dict[str, Any]] = {}
        removed_now: set[str] = set()
        old_ties = sorted(tied)
        # an inventory session: the first ones, the middle and the last re-rate more people
        p_rerate = 0.6 if number in (attended[0], last_session) or number <= 3 else 0.2
        if number == n_sessions // 2 + 1:
            p_rerate = 0.5
        if session.get("complete"):  # rule 6: whoever is not rated now leaves
            kept = [pid for pid in on_map if rng.random() < 0.75]
            off_map += [pid for pid in on_map if pid not in kept]
            on_map = kept
            tied.clear()
            for pid in kept:
                if rng.random() < 0.5:
                    rated[pid] = full_rating(number, pid)
                else:
                    rated[pid] = partial_rating(number, pid)
        elif number > attended[0]:
            for pid in list(on_map):
                if rng.random() < p_remove:
                    on_map.remove(pid)
                    off_map.append(pid)
                    removed_now.add(pid)
                    removals.append({"session": number, "person_id": pid})
            tied = {key for key in tied if key[0] in on_map and key[1] in on_map}
        # re-ratings of people already on the map
        for pid in on_map:
            if pid not in rated and rng.random() < p_rerate:
                rated[pid] = partial_rating(number, pid)
        # entrants: first ratings, and people returning after a removal or a complete session
        newcomers = list(entry.get(number, ()))
        newcomers += [pid for pid in off_map
                      if pid not in removed_now and rng.random() < p_return]
        for pid in newcomers:
            if pid in off_map:
                off_map.remove(pid)
            on_map.append(pid)
            rated[pid] = full_rating(number, pid)
        ratings.extend(rated.values())

        # ties: re-observe old ties after a complete session; end some; tie the newcomers
        if session.get("complete"):
            for a, b, kind in old_ties:
                if a in on_map and b in on_map and rng.random() < 0.8:
                    add_tie(number, a, b, kind, observed)
        elif p_end_tie:
            for key in sorted(tied):
                if rng.random() < p_end_tie:
                    a, b, kind = key
                    tied.discard(key)
                    ties.append({"session": number, "a": a, "b": b, "kind": kind,
                                 "ended": True})
                    observed[key] = {}  # no re-observation of this key at this session
        if tie_density:
            joined = set(newcomers)
            for i, a in enumerate(on_map):
                for b in on_map[i + 1:]:
                    if (a in joined or b in joined) and rng.random() < tie_density:
                        add_tie(number, a, b, "knows", observed)
                        if rng.random() < 0.15:
                            add_tie(number, a, b, rng.choice(("close", "conflict")), observed)
            if len(on_map) >= 2 and rng.random() < 0.3:  # a tie noticed later, or re-made
                a, b = rng.sample(on_map, k=2)
                add_tie(number, a, b, "knows", observed)
        ties.extend(record for record in observed.values() if record)

    # life events -----------------------------------------------------------------------------
    events: list[dict[str, Any]] = []
    onset_day = first_day - dt.timedelta(days=rng.randint(30, 720))
    record_onset = rng.random() < 0.8
    if record_onset:
        events.append({"event_id": "e1", "date": onset_day.strftime("%Y-%m"),
                       "kind": "symptom_onset", "onset": True})
    for pid in sorted(dead, key=person_ids.index):
        if rng.random() < 0.7:
            if pid in died_at:  # noted at a session: died in the week before it
                death_day = dt.date.fromisoformat(sessions[died_at[pid] - 1]["date"])
            else:
                death_day = onset_day - dt.timedelta(days=rng.randint(0, 1500))
            event = {"event_id": f"e{len(events) + 1}", "date": _approx(death_day, rng),
                     "kind": "death", "people": [pid]}
            if any(record["area"] == ProblemAreaKind.grief for record in problem_areas):
                event["problem_area"] = ProblemAreaKind.grief
            events.append(event)
    for _ in range(rng.randint(0, 3)):
        day = first_day - dt.timedelta(days=rng.randint(-60, 2000))
        event = {"event_id": f"e{len(events) + 1}", "date": _approx(day, rng),
                 "kind": rng.choice(_EVENT_KINDS)}
        if person_ids and rng.random() < 0.6:
            event["people"] = rng.sample(person_ids, k=min(len(person_ids), rng.randint(1, 2)))
        events.append(event)

    record: dict[str, Any] = {
        "client_id": client_id, "rings": rings,
        "planned_sessions": max(n_sessions, rng.choice((12, 16))),
        "notes": "Synthetic client drawn by ipt_graph.datasets.synthetic_client.",
        "people": people, "sessions": sessions, "ratings": ratings, "removals": removals,
        "ties": ties, "events": events, "problem_areas": problem_areas,
    }
    if record_onset or rng.random() < 0.5:
        record["onset_date"] = onset_day.strftime("%Y-%m")
    if rng.random() < 0.1:
        record["ring_labels"] = [f"ring {k}" for k in range(1, rings + 1)]
    return record


def _measure(total: int, n_items: int, rng: random.Random) -> dict[str, Any]:
    return {"total": total, "items": _spread(total, n_items, 3, rng)}


# --- The four bundled examples --------------------------------------------------------------------

#: Order in which extra points land on PHQ-9 items (0-based): sleep, tiredness, anhedonia, mood,
#: concentration, self-worth, appetite, psychomotor; item 9 (self-harm) is set explicitly.
_PHQ_ORDER = (2, 3, 0, 1, 6, 5, 4, 7)


def _items(total: int, n_items: int, order: tuple[int, ...] | None = None,
           fixed: dict[int, int] | None = None) -> dict[str, Any]:
    """Deterministic item values (0-3) summing to ``total``, spread evenly.

    ``fixed`` pins some items (0-based index -> value); the rest share what is left, the
    first items of ``order`` taking the remainder.
    """
    fixed = fixed or {}
    free = [i for i in (order or range(n_items)) if i not in fixed]
    base, extra = divmod(total - sum(fixed.values()), len(free))
    items = [0] * n_items
    for rank, index in enumerate(free):
        items[index] = base + (1 if rank < extra else 0)
    for index, value in fixed.items():
        items[index] = value
    if max(items) > 3 or min(items) < 0:
        raise ValueError(f"cannot spread a total of {total} over {n_items} items of 0..3")
    return {"total": total, "items": items}


def _phq9(total: int, item9: int = 0) -> dict[str, Any]:
    return _items(total, 9, _PHQ_ORDER, {8: item9})


def _schedule(client: Client, first_day: str, n_sessions: int, termination: int,
              measures: list[dict[str, Any] | None], complete: tuple[int, ...] = ()) -> None:
    """Weekly sessions 1..n: initial phase 1-3, termination the last ``termination``;
    ``measures[k - 1]`` is None for a missed session; ``complete`` lists the sessions that
    are complete re-inventories."""
    start = dt.date.fromisoformat(first_day)
    for number in range(1, n_sessions + 1):
        phase = ("initial" if number <= 3 else
                 "termination" if number > n_sessions - termination else "middle")
        taken = measures[number - 1]
        client.add_session(number, date=start + dt.timedelta(weeks=number - 1), phase=phase,
                           attended=taken is not None, complete=number in complete,
                           measures=taken or {})


def _grief() -> Client:
    client = Client(
        "EX-GRIEF", label="Synthetic client G", rings=3, planned_sessions=14,
        onset_date="2025-05",
        notes=("Synthetic example. A woman in her fifties whose mother (M.) died in March 2025 "
               "after a long illness through which she nursed her; low mood, guilt and "
               "withdrawal from her sister and friends began two months later. The first "
               "anniversary of the death, in mid-treatment, brought a sharp worsening with "
               "passive thoughts of death, after which she mourned more openly, repaired the "
               "relationship with her sister and joined a bereavement group."),
    )
    for pid, label, role, gender, age in (
        ("p1", "Mother (M.)", "parent", "female", "75_84"),
        ("p2", "Sister (B.)", "sibling", "female", "45_54"),
        ("p3", "Partner (A.)", "partner", "male", "55_64"),
        ("p4", "Son (C.)", "child", "male", "25_34"),
        ("p5", "Friend (D.)", "friend", "female", "55_64"),
        ("p6", "Friend (E.)", "friend", "female", "45_54"),
        ("p7", "Aunt (F.)", "other_relative", "female", "75_84"),
        ("p8", "Colleague (G.)", "colleague", "male", "35_44"),
        ("p9", "GP (H.)", "doctor", None, None),
        ("p10", "Bereavement group member (J.)", "group_member", "female", "65_74"),
    ):
        client.add_person(pid, label=label, role=role, gender=gender, age_band=age)
    phq = [15, 15, 14, 14, 16, 19, 22, 19, 16, 13, 11, 9, 8, 7]
    item9 = {6: 1, 7: 1, 8: 1}  # passive thoughts of death around the anniversary
    _schedule(client, "2026-01-26", 14, 3,
              [{"phq9": _phq9(total, item9.get(k, 0))} for k, total in enumerate(phq, 1)])
    client.add_event("e1", date="2025-03", kind="death", people=["p1"], problem_area="grief",
                     notes="Mother died after a long illness; the client was her main carer.")
    client.add_event("e2", date="2025-05", kind="symptom_onset", onset=True,
                     problem_area="grief", notes="Low mood, poor sleep and guilt began.")
    client.add_event("e3", date="2025-09", kind="conflict", people=["p2"],
                     notes="Argument with her sister over clearing their mother's flat.")
    client.add_event("e4", date="2026-03", kind="other", people=["p1"], problem_area="grief",
                     notes="First anniversary of the death.")
    client.add_problem_area("grief", primary=True, focus=["p1"],
                            notes="Complicated bereavement: avoidance of reminders and guilt.")

    # initial inventory: the loss and the closest family first, then the wider circle
    client.rate(1, "p1", ring=1, support=5, conflict=2, status="deceased", contact="never",
                satisfying="Daily phone calls; she was the one to turn to.",
                unsatisfying="Could be critical; the last months were hard.")
    client.rate(1, "p2", ring=2, support=3, conflict=4, contact="monthly", confidant=False,
                expectations_met="not_met")
    client.rate(1, "p3", ring=1, support=4, conflict=2, contact="daily", confidant=True,
                expectations_met="partly")
    client.rate(1, "p4", ring=1, support=4, conflict=1, contact="fortnightly", confidant=False)
    client.rate(2, "p5", ring=2, support=4, conflict=1, contact="monthly", confidant=False)
    client.rate(2, "p6", ring=3, support=3, conflict=1, contact="less_often")
    client.rate(2, "p7", ring=3, support=2, conflict=1, contact="less_often")
    client.rate(2, "p8", ring=3, support=2, conflict=2, contact="weekly")
    client.rate(2, "p9", ring=3, support=3, conflict=1, contact="monthly")
    for a, b, kind, weight in (
        ("p1", "p2", "close", 1.0), ("p1", "p3", "knows", 1.0), ("p1", "p4", "close", 1.0),
        ("p1", "p7", "knows", 1.0), ("p2", "p3", "knows", 1.0), ("p2", "p4", "knows", 1.0),
        ("p2", "p7", "knows", 1.0), ("p3", "p4", "close", 1.0), ("p5", "p6", "knows", 1.0),
        ("p2", "p3", "conflict", 0.5),
    ):
        client.tie(2, a, b, kind=kind, weight=weight)
    client.rate(3, "p2", desired_ring=1, desired_change="Talk about Mum without arguing.")
    client.rate(3, "p5", desired_ring=1)
    # the anniversary: anger at the mother resurfaces; the sister reaches out
    client.rate(7, "p1", conflict=3)
    client.rate(7, "p2", support=4, conflict=3, contact="fortnightly")
    client.rate(7, "p3", support=5)
    client.rate(7, "p5", support=4, contact="fortnightly")
    client.rate(8, "p10", ring=3, support=3, conflict=1, contact="weekly")
    client.rate(10, "p2", ring=1, support=5, conflict=2, contact="weekly", confidant=True,
                expectations_met="partly")
    client.rate(10, "p5", ring=2, support=5, contact="weekly", confidant=True)
    client.rate(10, "p10", ring=2, support=4)
    client.end_tie(11, "p2", "p3", kind="conflict")
    client.remove(12, "p8")  # moved to another team; no longer part of her week
    # the closing inventory
    client.rate(14, "p1", ring=1, support=5, conflict=1)
    client.rate(14, "p2", ring=1, support=5, conflict=2, expectations_met="met")
    client.rate(14, "p3", ring=1, support=5, conflict=1, expectations_met="met")
    client.rate(14, "p4", ring=1, support=4, conflict=1, contact="weekly")
    client.rate(14, "p5", ring=2, support=5, conflict=1)
    client.rate(14, "p6", ring=3, support=3, conflict=1, contact="monthly")
    client.rate(14, "p10", ring=2, support=4, conflict=1, confidant=True)
    client.tie(14, "p5", "p10", kind="knows")
    return client


def _role_dispute() -> Client:
    client = Client(
        "EX-DISPUTE", label="Synthetic client D", rings=3, planned_sessions=16,
        onset_date="2025-06",
        notes=("Synthetic example. A man in his thirties in a non-reciprocal dispute with his "
               "partner (A.) over the share of childcare since she returned to full-time work; "
               "arguments had reached an impasse, with talk of separating, and his mood fell "
               "from June 2025. In treatment they moved to renegotiation through a weekly "
               "planning conversation; conflict eased and he began to confide in her again."),
    )
    for pid, label, role, gender, age in (
        ("p1", "Partner (A.)", "partner", "female", "35_44"),
        ("p2", "Daughter (B.)", "child", "female", "0_11"),
        ("p3", "Mother-in-law (C.)", "parent_in_law", "female", "65_74"),
        ("p4", "Father (D.)", "parent", "male", "65_74"),
        ("p5", "Brother (E.)", "sibling", "male", "35_44"),
        ("p6", "Friend (F.)", "friend", "male", "35_44"),
        ("p7", "Colleague (G.)", "colleague", "female", "25_34"),
        ("p8", "Manager (H.)", "manager", "male", "45_54"),
        ("p9", "Neighbour (J.)", "neighbour", None, None),
    ):
        client.add_person(pid, label=label, role=role, gender=gender, age_band=age)
    phq = [16, 17, 15, 15, 14, 13, 12, 11, None, 10, 9, 8, 8, 7, 6, 6]
    gad = [12, 12, 11, 10, 10, 9, 8, 8, None, 7, 6, 6, 5, 5, 5, 4]
    _schedule(client, "2025-09-01", 16, 3, [
        None if p is None else {"phq9": _phq9(p), "gad7": _items(g, 7)}
        for p, g in zip(phq, gad, strict=True)])
    client.add_event("e1", date="2025-03", kind="job_start", people=["p1"],
                     problem_area="role_dispute",
                     notes="Partner returned to full-time work.")
    client.add_event("e2", date="2025-05", kind="conflict", people=["p1", "p3"],
                     problem_area="role_dispute",
                     notes="Row over childcare in which his mother-in-law took sides.")
    client.add_event("e3", date="2025-06", kind="symptom_onset", onset=True,
                     problem_area="role_dispute", notes="Low mood, irritability, poor sleep.")
    client.add_problem_area("role_dispute", primary=True, focus=["p1"],
                            notes="Non-reciprocal expectations about childcare and time.")

    client.rate(1, "p1", ring=1, support=2, conflict=6, contact="daily", confidant=False,
                desired_ring=1, expectations_met="not_met", dispute_stage="impasse",
                expectations="That she would plan the week with him instead of announcing it.")
    client.rate(1, "p2", ring=1, support=2, conflict=1, contact="daily")
    client.rate(1, "p3", ring=2, support=2, conflict=4, contact="weekly")
    client.rate(1, "p4", ring=2, support=4, conflict=2, contact="monthly")
    client.rate(2, "p5", ring=2, support=4, conflict=1, contact="fortnightly", confidant=True)
    client.rate(2, "p6", ring=2, support=5, conflict=1, contact="weekly", confidant=True)
    client.rate(2, "p7", ring=3, support=3, conflict=1, contact="daily")
    client.rate(2, "p8", ring=3, support=2, conflict=3, contact="daily")
    client.rate(2, "p9", ring=3, support=2, conflict=1, contact="weekly")
    for a, b, kind, weight in (
        ("p1", "p2", "close", 1.0), ("p1", "p3", "close", 1.0), ("p2", "p3", "knows", 1.0),
        ("p1", "p4", "knows", 1.0), ("p4", "p5", "close", 1.0), ("p5", "p6", "knows", 1.0),
        ("p7", "p8", "knows", 1.0), ("p1", "p9", "knows", 0.5), ("p1", "p4", "conflict", 0.5),
    ):
        client.tie(2, a, b, kind=kind, weight=weight)
    client.rate(3, "p3", desired_ring=3)
    client.rate(5, "p1", conflict=6, dispute_stage="impasse")
    client.rate(8, "p1", support=3, conflict=4, dispute_stage="renegotiation",
                expectations_met="partly")
    # session 9 was missed: nothing observed
    client.rate(10, "p3", conflict=3)
    client.rate(12, "p1", support=4, conflict=3, confidant=True)
    client.rate(12, "p8", conflict=2)
    client.end_tie(12, "p1", "p4", kind="conflict")
    client.rate(16, "p1", ring=1, support=4, conflict=2, dispute_stage="renegotiation",
                expectations_met="met")
    client.rate(16, "p2", ring=1, support=2, conflict=1)
    client.rate(16, "p3", ring=2, support=3, conflict=2)
    client.rate(16, "p4", ring=2, support=4, conflict=1)
    client.rate(16, "p5", ring=2, support=4, conflict=1)
    client.rate(16, "p6", ring=2, support=5, conflict=1)
    return client


def _role_transition() -> Client:
    client = Client(
        "EX-TRANSITION", label="Synthetic client T", rings=3, planned_sessions=12,
        onset_date="2025-07",
        notes=("Synthetic example. A woman in her late twenties who migrated for work in April "
               "2025, leaving her post as a nurse near her family and friends for a job as a "
               "care assistant abroad. Contact with home thinned and the new colleagues were "
               "not yet close; low mood began that summer. Treatment mourned the old role and "
               "built the new one (a language class, a faith group, a closer colleague): mood "
               "improved but stayed in the moderate range at the end; anxiety was mild "
               "throughout."),
    )
    for pid, label, role, gender, age in (
        ("p1", "Mother (M.)", "parent", "female", "55_64"),
        ("p2", "Father (F.)", "parent", "male", "55_64"),
        ("p3", "Sister (S.)", "sibling", "female", "25_34"),
        ("p4", "Friend from home (K.)", "friend", "female", "25_34"),
        ("p5", "Former colleague (L.)", "colleague", "female", "35_44"),
        ("p6", "Former manager (N.)", "manager", "male", "45_54"),
        ("p7", "Flatmate (P.)", "other", "female", "18_24"),
        ("p8", "Colleague (R.)", "colleague", "female", "25_34"),
        ("p9", "Language class peer (T.)", "classmate", "male", "25_34"),
        ("p10", "Faith group member (V.)", "faith_member", "female", "35_44"),
        ("p11", "Manager (W.)", "manager", "male", "45_54"),
    ):
        client.add_person(pid, label=label, role=role, gender=gender, age_band=age)
    phq = [21, 20, 20, 19, 18, 18, 17, 16, 15, 15, 14, 13]
    gad = [6, 6, 7, 6, 6, 5, 5, 5, 5, 4, 5, 5]
    # session 7 is a complete re-inventory: the old-role colleagues are no longer on the map
    _schedule(client, "2025-10-06", 12, 2, [
        {"phq9": _phq9(p), "gad7": _items(g, 7)} for p, g in zip(phq, gad, strict=True)],
        complete=(7,))
    client.add_event("e1", date="2025-04", kind="migration", problem_area="role_transition",
                     notes="Moved abroad for work, alone.")
    client.add_event("e2", date="2025-05", kind="job_start", people=["p8", "p11"],
                     problem_area="role_transition", notes="Started as a care assistant.")
    client.add_event("e3", date="2025-07", kind="symptom_onset", onset=True,
                     problem_area="role_transition",
                     notes="Low mood, loss of interest, tearful after calls home.")
    client.add_problem_area("role_transition", primary=True, focus=["p1", "p4", "p8"],
                            old_role="Nurse living near her family and friends",
                            new_role="Care assistant in a new country, living alone",
                            date="2025-04",
                            notes="Loss of status, of daily contact with home, of language.")

    client.rate(1, "p1", ring=1, support=5, conflict=2, contact="monthly", confidant=True)
    client.rate(1, "p2", ring=2, support=3, conflict=2, contact="monthly")
    client.rate(1, "p3", ring=1, support=5, conflict=1, contact="fortnightly", confidant=True)
    client.rate(1, "p4", ring=1, support=5, conflict=1, contact="fortnightly", confidant=True)
    client.rate(2, "p5", ring=2, support=4, conflict=1, contact="monthly")
    client.rate(2, "p6", ring=3, support=3, conflict=1, contact="less_often")
    client.rate(2, "p7", ring=3, support=2, conflict=2, contact="daily", desired_ring=2)
    client.rate(2, "p8", ring=3, support=2, conflict=1, contact="daily", desired_ring=2)
    client.rate(2, "p11", ring=3, support=2, conflict=3, contact="daily")
    for a, b, kind in (("p1", "p2", "close"), ("p1", "p3", "close"), ("p2", "p3", "close"),
                       ("p3", "p4", "knows"), ("p4", "p5", "knows"), ("p5", "p6", "knows"),
                       ("p8", "p11", "knows")):
        client.tie(2, a, b, kind=kind)
    client.rate(3, "p4", contact="monthly")
    client.rate(3, "p1", desired_ring=1)
    client.rate(4, "p6", status="lost_contact", contact="never")
    client.rate(6, "p9", ring=3, support=3, conflict=1, contact="weekly")
    # complete re-inventory at session 7: everyone still in her life is rated again
    for pid, ring, support, conflict, contact in (
        ("p1", 1, 5, 1, "weekly"), ("p2", 2, 3, 2, "monthly"), ("p3", 1, 5, 1, "weekly"),
        ("p4", 2, 4, 1, "monthly"), ("p7", 3, 3, 1, "daily"), ("p8", 2, 4, 1, "daily"),
        ("p9", 3, 3, 1, "weekly"), ("p11", 3, 2, 2, "daily"),
    ):
        client.rate(7, pid, ring=ring, support=support, conflict=conflict, contact=contact)
    client.rate(7, "p4", confidant=False)
    for a, b, kind in (("p1", "p2", "close"), ("p1", "p3", "close"), ("p2", "p3", "close"),
                       ("p3", "p4", "knows"), ("p8", "p11", "knows")):
        client.tie(7, a, b, kind=kind)
    client.rate(8, "p10", ring=3, support=3, conflict=1, contact="weekly")
    client.tie(8, "p9", "p10", kind="knows")
    client.rate(10, "p9", ring=2, support=4)
    client.rate(10, "p8", confidant=True)
    client.rate(10, "p10", support=4)
    client.rate(12, "p1", ring=1, support=5, conflict=1)
    client.rate(12, "p7", ring=2, support=3, conflict=1)
    client.rate(12, "p8", ring=2, support=5, conflict=1, expectations_met="met")
    client.rate(12, "p10", ring=2, support=4, conflict=1)
    return client


def _interpersonal_deficits() -> Client:
    client = Client(
        "EX-DEFICITS", label="Synthetic client I", rings=3, planned_sessions=15,
        onset_date="2025-01",
        notes=("Synthetic example. A man in his early twenties living with his father, with "
               "few relationships and no one to confide in since leaving college in 2024; "
               "long-standing loneliness and low self-esteem, mood worse since January 2025. "
               "Treatment used small steps (renewing contact with a cousin, volunteering, a "
               "climbing club): the network grew and he began to confide in two people, but "
               "depressive symptoms changed little and his anxiety in company rose."),
    )
    for pid, label, role, gender, age in (
        ("p1", "Father (F.)", "parent", "male", "55_64"),
        ("p2", "Cousin (C.)", "other_relative", "male", "25_34"),
        ("p3", "GP (D.)", "doctor", None, None),
        ("p4", "Former classmate (E.)", "classmate", "male", "18_24"),
        ("p5", "Volunteer (G.)", "volunteer_peer", "female", "25_34"),
        ("p6", "Volunteer (H.)", "volunteer_peer", "male", "45_54"),
        ("p7", "Climbing club member (J.)", "group_member", "male", "18_24"),
        ("p8", "Neighbour (K.)", "neighbour", "female", "65_74"),
    ):
        client.add_person(pid, label=label, role=role, gender=gender, age_band=age)
    phq = [14, 15, 14, 13, 14, 13, 12, 13, 12, 12, 11, 12, 11, 11, 10]
    rses = {1: 11, 8: 13, 15: 15}
    # social anxiety rose as he began to join groups: GAD-7 below caseness at the start, a
    # reliable worsening (+5, threshold 4) by the end, so "deteriorated" occurs
    gad7 = {1: 6, 8: 9, 15: 11}
    _schedule(client, "2025-11-03", 15, 3, [
        {"phq9": _phq9(p)} | ({"rses": _items(rses[k], 10), "gad7": _items(gad7[k], 7)}
                              if k in rses else {})
        for k, p in enumerate(phq, start=1)])
    client.add_event("e1", date="2024-06", kind="study_end", people=["p4"],
                     notes="Left college; lost daily contact with classmates.")
    client.add_event("e2", date="2025-01", kind="symptom_onset", onset=True,
                     problem_area="interpersonal_deficits",
                     notes="Mood worse; stopped going out at weekends.")
    client.add_event("e3", date="2025-12", kind="other", people=["p5", "p6"],
                     problem_area="interpersonal_deficits",
                     notes="Started volunteering at a food bank.")
    client.add_problem_area("interpersonal_deficits", primary=True,
                            notes="Few and distant relationships; no confidant.")

    client.rate(1, "p1", ring=2, support=3, conflict=3, contact="daily", confidant=False,
                desired_ring=1)
    client.rate(1, "p2", ring=3, support=3, conflict=1, contact="less_often", confidant=False)
    client.rate(1, "p3", ring=3, support=3, conflict=1, contact="monthly")
    client.rate(2, "p4", ring=3, support=2, conflict=2, contact="never",
                status="lost_contact")
    client.tie(2, "p1", "p2", kind="knows")
    client.rate(3, "p2", desired_ring=2)
    client.rate(6, "p2", ring=2, support=4, contact="fortnightly")
    client.rate(7, "p5", ring=3, support=3, conflict=1, contact="weekly")
    client.rate(9, "p6", ring=3, support=3, conflict=1, contact="weekly")
    client.tie(9, "p5", "p6", kind="knows")
    client.remove(10, "p4")  # no contact for over a year; he no longer counts him
    client.rate(10, "p7", ring=3, support=3, conflict=1, contact="weekly")
    client.tie(10, "p2", "p7", kind="knows")  # the cousin brought him to the club
    client.rate(11, "p8", ring=3, support=2, conflict=1, contact="weekly")
    client.tie(11, "p1", "p8", kind="knows")
    client.rate(12, "p2", ring=2, support=5, contact="weekly", confidant=True)
    client.rate(14, "p5", ring=2, support=4, confidant=True)
    client.tie(14, "p5", "p7", kind="knows")
    client.rate(15, "p1", ring=2, support=3, conflict=2)
    client.rate(15, "p2", ring=2, support=5, conflict=1)
    client.rate(15, "p5", ring=2, support=4, conflict=1)
    client.rate(15, "p6", ring=3, support=3, conflict=1)
    client.rate(15, "p7", ring=3, support=4, conflict=1)
    return client


def _build_examples() -> dict[str, Client]:
    """The four example clients, built with the clinician's building API.

    One per problem area; PHQ-9 outcomes (NHS Talking Therapies: caseness >= 10, reliable
    change >= 6) differ: the dispute recovers (16 -> 6), the transition improves without
    recovering (21 -> 13), the deficits case is unchanged (14 -> 10), and the grief case
    deteriorates reliably at the anniversary (15 -> 22) before recovering (-> 7).
    """
    return {
        "grief": _grief(),
        "role_dispute": _role_dispute(),
        "role_transition": _role_transition(),
        "interpersonal_deficits": _interpersonal_deficits(),
    }


if __name__ == "__main__":  # python -m ipt_graph.datasets rewrites data/examples/
    for written in write_examples():
        print(written)
