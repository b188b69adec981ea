"""Many clients: tidy tables and vectorised measures (DESIGN.md §6).

A :class:`Cohort` holds the tidy tables of :mod:`ipt_graph.io.tables` and computes, on those
tables, the same measures as :func:`ipt_graph.metrics.inventory_metrics` for every client x
session, **vectorised**: no Python function is called per client, session, inventory or
group. The observation semantics of DESIGN.md §3 (the rules of :func:`ipt_graph.model.walk`)
are resolved for the whole cohort at once:

1. **Presence episodes.** For each (client, person) the ordered stream of events — rated,
   removed, dropped by a ``complete`` session at which they were not rated — is sorted by
   session (a drop or removal before a rating at the same session). A rating whose previous
   event is not a rating *enters* the map; the cumulative sum of entries numbers the
   episodes. An episode covers the sessions from its entry to the next removal or drop
   (or the client's last session). Expanding episodes over their sessions gives the
   *panel*: one row per person on the map per session, episode rows contiguous.
2. **Carrying forward per field.** Each rating lands on its panel row. For each field, a
   running maximum (:func:`numpy.maximum.accumulate`) of the row numbers where the field was
   observed gives, at every row, the last observation at or before it; it counts only if it
   lies in the same episode (so nothing is carried across a removal).
3. **Ties** carry per (pair, kind) from an observation to the first of: the next observation
   of that (pair, kind) (a re-observation restarts it, an ``ended`` one stops it), the next
   ``complete`` session, and the end of either person's episode (a person who returns does
   not bring the tie back). Expanded over their sessions, kinds are merged per pair (the
   strongest weight), as :meth:`ipt_graph.Inventory._pairs` does.
4. **Measures** are sums over panel rows and tie rows per session (:func:`numpy.bincount`).
   Burt's measures use closed forms of :func:`ipt_graph.metrics.burt`: with ``s_j`` the ego's
   strength to alter ``j``, ``w_jq`` the tie strengths, ``p_j = s_j / sum(s)``,
   ``T_j = s_j + sum_q w_jq`` and ``M_j = max(s_j, max_q w_jq)``, the effective size is
   ``n - sum_(j,q) w_jq p_q / M_j`` over directed ties, and the constraint is
   ``sum_j (p_j + i_j)^2`` with ``i_j = sum_q p_q w_qj / T_q`` accumulated over the ties.
   Components come from :func:`scipy.sparse.csgraph.connected_components` on the
   block-diagonal union graph of every inventory (living alters, ego left out).

:meth:`Cohort.change` compares two sessions of every client at once on the same arrays:
the measures' deltas from the metrics rows, people added, lost and kept from the panel, ties
per (pair, kind) from the tie rows before kinds are merged (Feld, Suitor & Hoegh 2007), and
each instrument's outcome category from a group-by first/last over the measures table with
numpy comparisons (Jacobson & Truax 1991; DOMAIN.md §6).

The Dask path (:func:`dask_metrics`) reads the aligned Parquet parts written by
:func:`ipt_graph.io.tables.write_parquet` (each part holds the same clients in every table)
and runs this pandas implementation once per part: results are identical by construction.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import vocab
from .errors import Problem, ValidationError
from .io import tables as _tables
from .metrics import METRIC_DTYPES, METRICS
from .model import RATING_FIELDS, TEXT_RATING_FIELDS, Client
from .progress import progress as _progress_bar

__all__ = [
    "Cohort",
    "cohort_metrics",
    "dask_metrics",
    "people_panel",
    "synthetic_tables",
]

_STATUS = tuple(str(s) for s in vocab.Status)
_CONTACT = tuple(str(c) for c in vocab.Contact)
_EXPECTATIONS = tuple(str(e) for e in vocab.ExpectationsMet)
_STAGES = tuple(str(d) for d in vocab.DisputeStage)
_SECTORS = tuple(str(s) for s in vocab.SECTORS)
_SNI = tuple(str(s) for s in vocab.SNI_ROLES)
_ROLES = tuple(str(r) for r in vocab.Role)
_KINDS = tuple(str(k) for k in vocab.TieKind)
_DECEASED = _STATUS.index(str(vocab.Status.deceased))
_REGULAR = np.array([str(c) in {str(r) for r in vocab.REGULAR_CONTACT} for c in _CONTACT])
_ROLE_SECTOR = np.array([_SECTORS.index(str(vocab.ROLE_SECTOR[vocab.Role(r)])) for r in _ROLES])
_ROLE_SNI = np.array([-1 if vocab.ROLE_SNI[vocab.Role(r)] is None
                      else _SNI.index(str(vocab.ROLE_SNI[vocab.Role(r)])) for r in _ROLES])
#: Rating fields held as codes into a vocabulary (-1 = not observed).
_CATEGORIES: dict[str, tuple[str, ...]] = {
    "status": _STATUS, "contact": _CONTACT, "expectations_met": _EXPECTATIONS,
    "dispute_stage": _STAGES,
}
_INT_FIELDS = ("ring", "support", "conflict", "desired_ring")
_TYPES = tuple(str(t) for t in vocab.RelationshipType)
_MAX_RINGS = vocab.MAX_RINGS


# --- Preparing the tables: integer codes --------------------------------------------------------


@dataclass
class _Prepared:
    """The tables as integer arrays: clients, sessions and people in sorted order."""

    client_ids: np.ndarray          # (C,) sorted client ids
    rings: np.ndarray               # (C,)
    sess_client: np.ndarray         # (S,) sessions sorted by client, number
    sess_number: np.ndarray         # (S,)
    sess_complete: np.ndarray       # (S,) bool
    client_end: np.ndarray          # (C,) one past the client's last session index
    people_client: np.ndarray       # (U,) people sorted by client, person_id
    people_id: np.ndarray           # (U,) person ids (object)
    people_role: np.ndarray         # (U,) role code (-1 unknown)
    people_sector: np.ndarray       # (U,) sector code
    people_sni: np.ndarray          # (U,) SNI role code (-1 none)
    people_gender: pd.Series        # (U,) as in the table
    people_age_band: pd.Series      # (U,)
    rating_u: np.ndarray            # (R,) person index of each rating row
    rating_s: np.ndarray            # (R,) session index
    rating_rated: np.ndarray        # (R,) bool: rated (True) or removed
    rating_values: dict[str, np.ndarray]   # field -> (R,) int64 value or code, -1 missing
    tie_a: np.ndarray               # (T,) person index, tie_a < tie_b
    tie_b: np.ndarray
    tie_s: np.ndarray
    tie_kind: np.ndarray
    tie_weight: np.ndarray
    tie_ended: np.ndarray

    @property
    def n_sessions(self) -> int:
        return len(self.sess_number)


def _codes(values: pd.Series, categories: Any) -> np.ndarray:
    """Position of each value among ``categories`` (-1 where missing or not among them)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(values.array) if isinstance(values.dtype, pd.StringDtype) else None
    if array is None or not (pa.types.is_large_string(array.type)
                             or pa.types.is_string(array.type)):
        return pd.Index(np.asarray(categories, dtype=object)).get_indexer(
            values.astype(object)).astype(np.int64)
    value_set = pa.array(np.asarray(categories, dtype=object), type=array.type)
    found = pc.index_in(array, value_set=value_set)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _bad_rows(problems: list[Problem], table: str, frame: pd.DataFrame, mask: np.ndarray,
              column: str, message: str) -> None:
    for position in np.flatnonzero(mask)[:20]:
        problems.append(Problem(_tables._describe_row(table, frame, int(position)), column,
                                message))


def _prepare(tables: Mapping[str, pd.DataFrame]) -> _Prepared:
    """Turn normalised tables into sorted integer arrays (references checked, vectorised)."""
    problems: list[Problem] = []
    clients, sessions, people = tables["clients"], tables["sessions"], tables["people"]
    ratings, ties = tables["ratings"], tables["ties"]

    client_index = pd.Index(clients["client_id"].dropna().unique()).sort_values()
    client_ids = client_index.to_numpy(dtype=object)
    c_code = _codes(clients["client_id"], client_ids)
    seen = np.zeros(len(client_ids), dtype=np.int64)
    np.add.at(seen, c_code[c_code >= 0], 1)
    twice = np.zeros(len(c_code), dtype=bool)
    twice[c_code >= 0] = seen[c_code[c_code >= 0]] > 1
    _bad_rows(problems, "clients", clients, twice, "client_id",
              "appears twice (its key must be unique)")
    rings = np.full(len(client_ids), vocab.DEFAULT_RINGS, dtype=np.int64)
    rings[c_code[c_code >= 0]] = clients["rings"].fillna(vocab.DEFAULT_RINGS).to_numpy(
        np.int64)[c_code >= 0]

    # sessions, sorted by client then number
    s_client = _codes(sessions["client_id"], client_ids).astype(np.int64)
    s_number = sessions["session"].to_numpy(dtype=np.float64, na_value=np.nan)
    _bad_rows(problems, "sessions", sessions, s_client < 0, "client_id",
              "is not in the clients table")
    _bad_rows(problems, "sessions", sessions, np.isnan(s_number), "session", "is required")
    span = int(np.nanmax(s_number)) + 2 if len(s_number) and not np.isnan(s_number).all() else 1
    s_number = np.nan_to_num(s_number, nan=-1).astype(np.int64)
    s_key = s_client * span + s_number
    order = np.argsort(s_key, kind="stable")
    s_key = s_key[order]
    duplicated = np.zeros(len(s_key), dtype=bool)
    duplicated[order[1:]] = s_key[1:] == s_key[:-1]
    _bad_rows(problems, "sessions", sessions, duplicated, "session",
              "appears twice (its key must be unique)")
    sess_client = s_client[order]
    sess_number = s_number[order]
    sess_complete = sessions["complete"].fillna(False).to_numpy(dtype=bool)[order]
    client_end = np.searchsorted(sess_client, np.arange(len(client_ids)), side="right")

    def session_index(frame: pd.DataFrame, table: str, client: np.ndarray) -> np.ndarray:
        number = frame["session"].to_numpy(dtype=np.float64, na_value=np.nan)
        key = client * span + np.nan_to_num(number, nan=-1).astype(np.int64)
        found = np.minimum(np.searchsorted(s_key, key), max(len(s_key) - 1, 0))
        unknown = (client < 0) | np.isnan(number) | (number >= span) | (number < 0)
        if len(s_key):
            unknown |= s_key[found] != key
        else:
            unknown |= True
        _bad_rows(problems, table, frame, unknown & (client >= 0), "session",
                  "is not in the sessions table for this client")
        return found

    # people, sorted by client then person_id
    p_client = _codes(people["client_id"], client_ids).astype(np.int64)
    _bad_rows(problems, "people", people, p_client < 0, "client_id",
              "is not in the clients table")
    person_ids = pd.Index(people["person_id"].dropna().unique()).sort_values().to_numpy(object)
    width = max(len(person_ids), 1)
    p_key = p_client * width + _codes(people["person_id"], person_ids)
    p_order = np.argsort(p_key, kind="stable")
    p_key = p_key[p_order]

    def person(frame: pd.DataFrame, table: str, column: str, client: np.ndarray) -> np.ndarray:
        code = _codes(frame[column], person_ids)
        key = client * width + code
        found = np.minimum(np.searchsorted(p_key, key), max(len(p_key) - 1, 0))
        unknown = code < 0
        unknown |= (p_key[found] != key) if len(p_key) else True
        _bad_rows(problems, table, frame, unknown & (client >= 0), column,
                  "is not in the people table for this client")
        return found

    role = _codes(people["role"], _ROLES)[p_order]
    sector = _codes(people["sector"], _SECTORS)[p_order]
    derived = _ROLE_SECTOR[np.maximum(role, 0)]
    sector = np.where(sector < 0, np.where(role >= 0, derived, _SECTORS.index("other")), sector)
    sni = np.where(role >= 0, _ROLE_SNI[np.maximum(role, 0)], -1)

    # ratings
    r_client = _codes(ratings["client_id"], client_ids).astype(np.int64)
    _bad_rows(problems, "ratings", ratings, r_client < 0, "client_id",
              "is not in the clients table")
    r_s = session_index(ratings, "ratings", r_client)
    r_u = person(ratings, "ratings", "person_id", r_client)
    key = r_u * max(len(sess_number), 1) + r_s
    order = np.argsort(key, kind="stable")
    twice = np.zeros(len(key), dtype=bool)
    twice[order[1:]] = key[order[1:]] == key[order[:-1]]
    _bad_rows(problems, "ratings", ratings, twice & (r_client >= 0), "person_id",
              "appears twice at this session (a person is rated or removed once a session)")
    event = ratings["event"].fillna("rated")
    _bad_rows(problems, "ratings", ratings, ~event.isin(["rated", "removed"]).to_numpy(),
              "event", "must be rated or removed")
    values: dict[str, np.ndarray] = {}
    for name in _INT_FIELDS:
        values[name] = ratings[name].fillna(-1).to_numpy(dtype=np.int64)
    for name, categories in _CATEGORIES.items():
        values[name] = _codes(ratings[name], categories)
        _bad_rows(problems, "ratings", ratings,
                  (values[name] < 0) & ratings[name].notna().to_numpy(), name,
                  "must be one of: " + ", ".join(categories))
    values["confidant"] = ratings["confidant"].astype("Int64").fillna(-1).to_numpy(np.int64)
    for name in TEXT_RATING_FIELDS:
        values[name] = np.where(ratings[f"has_{name}"].fillna(False).to_numpy(bool), 1, -1)

    # ties
    t_client = _codes(ties["client_id"], client_ids).astype(np.int64)
    _bad_rows(problems, "ties", ties, t_client < 0, "client_id", "is not in the clients table")
    t_s = session_index(ties, "ties", t_client)
    t_a = person(ties, "ties", "a", t_client)
    t_b = person(ties, "ties", "b", t_client)
    t_kind = _codes(ties["kind"].fillna("knows"), _KINDS)
    _bad_rows(problems, "ties", ties, t_kind < 0, "kind", "must be one of: " + ", ".join(_KINDS))
    if problems:
        raise ValidationError(problems)

    return _Prepared(
        client_ids=client_ids, rings=rings, sess_client=sess_client, sess_number=sess_number,
        sess_complete=sess_complete, client_end=client_end,
        people_client=p_client[p_order], people_id=people["person_id"].to_numpy(object)[p_order],
        people_role=role, people_sector=sector, people_sni=sni,
        people_gender=people["gender"].iloc[p_order].reset_index(drop=True),
        people_age_band=people["age_band"].iloc[p_order].reset_index(drop=True),
        rating_u=r_u, rating_s=r_s,
        rating_rated=(event != "removed").to_numpy(dtype=bool), rating_values=values,
        tie_a=np.minimum(t_a, t_b), tie_b=np.maximum(t_a, t_b), tie_s=t_s, tie_kind=t_kind,
        tie_weight=ties["weight"].fillna(1.0).to_numpy(np.float64),
        tie_ended=(ties["event"].fillna("observed") == "ended").to_numpy(dtype=bool),
    )


# --- Resolving the observations -------------------------------------------------------------------


def _expand(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges ``[start, start + length)``: the range of each element and the element."""
    owner = np.repeat(np.arange(len(lengths)), lengths)
    offsets = np.cumsum(lengths) - lengths
    return owner, starts[owner] + (np.arange(len(owner)) - offsets[owner])


@dataclass
class _Panel:
    """Everyone on the map at every session: one row per (session, person), episode-major."""

    sidx: np.ndarray        # (N,) session index of the row
    person: np.ndarray      # (N,) person index
    episode: np.ndarray     # (N,) episode of the row
    ep_start: np.ndarray    # (E,) session index of the entry
    ep_end: np.ndarray      # (E,) one past the last session index on the map
    ep_person: np.ndarray   # (E,)
    ep_offset: np.ndarray   # (E,) first panel row of the episode
    rating_row: np.ndarray  # (R,) panel row of each rating (-1 for removals)

    def resolve(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Carry a rating field forward within episodes (DESIGN.md §3 rule 1).

        Returns, per panel row, the panel row where the value in force was observed (-1 when
        never observed in this episode) and the value (-1 where none).
        """
        n = len(self.sidx)
        observed = (values >= 0) & (self.rating_row >= 0)
        rows = self.rating_row[observed]
        marker = np.full(n, -1, dtype=np.int64)
        marker[rows] = rows
        source = np.maximum.accumulate(marker) if n else marker
        source[source < self.ep_offset[self.episode]] = -1
        held = np.full(n, -1, dtype=np.int64)
        held[rows] = values[observed]
        value = np.where(source >= 0, held[np.maximum(source, 0)], -1) if n else held
        return source, value


def _resolve_people(prep: _Prepared) -> _Panel:
    """Presence episodes and the panel (rules 2, 3 and 6 of DESIGN.md §3)."""
    rated = prep.rating_rated
    r_index = np.flatnonzero(rated)
    rated_u, rated_s = prep.rating_u[rated], prep.rating_s[rated]
    removed_u, removed_s = prep.rating_u[~rated], prep.rating_s[~rated]

    # drops by complete sessions: every person ever rated in the client, unless rated there
    people_rated = np.flatnonzero(np.bincount(rated_u, minlength=len(prep.people_client)))
    owner_client = prep.people_client[people_rated]
    complete = np.flatnonzero(prep.sess_complete)
    first = np.searchsorted(owner_client, prep.sess_client[complete])
    count = np.searchsorted(owner_client, prep.sess_client[complete], side="right") - first
    which, position = _expand(first, count)
    drop_u, drop_s = people_rated[position], complete[which]

    # the event stream, by person then session; at one session: drop, removal, rating
    u = np.concatenate([rated_u, removed_u, drop_u])
    s = np.concatenate([rated_s, removed_s, drop_s])
    event = np.concatenate([np.full(len(rated_u), 2, np.int8), np.ones(len(removed_u), np.int8),
                            np.zeros(len(drop_u), np.int8)])
    source = np.concatenate([r_index, np.full(len(removed_u) + len(drop_u), -1)])
    order = np.lexsort((event, s, u))
    u, s, event, source = u[order], s[order], event[order], source[order]
    # a person rated at a complete session is observed there: not dropped
    observed = np.zeros(len(u), dtype=bool)
    observed[:-1] = (event[:-1] == 0) & (event[1:] == 2) & (u[1:] == u[:-1]) & (s[1:] == s[:-1])
    u, s, event, source = u[~observed], s[~observed], event[~observed], source[~observed]
    is_rating = event == 2

    same_prev = np.zeros(len(u), dtype=bool)
    same_prev[1:] = u[1:] == u[:-1]
    prev_rating = np.zeros(len(u), dtype=bool)
    prev_rating[1:] = is_rating[:-1]
    entry = is_rating & ~(prev_rating & same_prev)
    episode_of_event = np.cumsum(entry) - 1
    same_next = np.zeros(len(u), dtype=bool)
    same_next[:-1] = same_prev[1:]
    next_rating = np.zeros(len(u), dtype=bool)
    next_rating[:-1] = is_rating[1:]
    last = is_rating & ~(next_rating & same_next)
    next_s = np.empty(len(u), dtype=np.int64)
    next_s[:-1] = s[1:]
    end = np.where(same_next, next_s, prep.client_end[prep.people_client[u]] if len(u) else 0)

    ep_person, ep_start, ep_end = u[entry], s[entry], end[last]
    lengths = ep_end - ep_start
    episode, sidx = _expand(ep_start, lengths)
    ep_offset = np.cumsum(lengths) - lengths
    rating_row = np.full(len(prep.rating_u), -1, dtype=np.int64)
    events = np.flatnonzero(is_rating)
    ep = episode_of_event[events]
    rating_row[source[events]] = ep_offset[ep] + s[events] - ep_start[ep]
    return _Panel(sidx=sidx, person=ep_person[episode], episode=episode, ep_start=ep_start,
                  ep_end=ep_end, ep_person=ep_person, ep_offset=ep_offset,
                  rating_row=rating_row)


def _resolve_ties(prep: _Prepared, panel: _Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs on the map at every session, as panel rows, with their strongest weight.

    Ties carry per (pair, kind) until ended or re-observed, the next complete session, or
    either person's leaving (rules 5 and 6 of DESIGN.md §3).
    """
    row_a, row_b, strength, _, several_kinds = _tie_rows(prep, panel)
    # several kinds on one pair are one pair with the strongest weight
    if several_kinds:
        codes, _ = pd.factorize(row_a * len(panel.sidx) + row_b)
        first = np.full(codes.max() + 1 if len(codes) else 0, -1, dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes))[::-1]
        strongest = np.zeros(len(first))
        np.maximum.at(strongest, codes, strength)
        row_a, row_b, strength = row_a[first], row_b[first], strongest
    return row_a, row_b, strength


def _tie_rows(prep: _Prepared, panel: _Panel
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """Every (pair, kind) on the map at every session, as panel rows of ``a`` and ``b``.

    Returns the rows of ``a`` and ``b`` (``a < b``), the weight and the kind code of each
    (pair, kind) at each session, and whether any pair holds several kinds at once.
    """
    n_sessions = prep.n_sessions
    a, b, s, kind = prep.tie_a, prep.tie_b, prep.tie_s, prep.tie_kind
    order = np.lexsort((s, kind, b, a))
    a, b, s, kind = a[order], b[order], s[order], kind[order]
    weight, ended = prep.tie_weight[order], prep.tie_ended[order]
    empty = np.zeros(0, dtype=np.int64)
    if len(a) == 0 or len(panel.ep_person) == 0:
        return empty, empty, np.zeros(0), empty, False
    same_next = np.zeros(len(a), dtype=bool)
    same_next[:-1] = (a[1:] == a[:-1]) & (b[1:] == b[:-1]) & (kind[1:] == kind[:-1])
    next_s = np.empty(len(a), dtype=np.int64)
    next_s[:-1] = s[1:]
    client_end = prep.client_end[prep.sess_client[s]]
    end = np.where(same_next, next_s, client_end)

    # the next complete session strictly after each session, within the client
    marks = np.where(prep.sess_complete, np.arange(n_sessions), n_sessions)
    following = np.minimum.accumulate(marks[::-1])[::-1]
    after = np.append(following[1:], n_sessions)
    end = np.minimum(end, after[s])

    # the episode of each person at the tie's session: it must be on the map there
    ep_key = panel.ep_person * n_sessions + panel.ep_start
    ep_a = np.searchsorted(ep_key, a * n_sessions + s, side="right") - 1
    ep_b = np.searchsorted(ep_key, b * n_sessions + s, side="right") - 1
    on_map = (ep_a >= 0) & (ep_b >= 0)
    ep_a, ep_b = np.maximum(ep_a, 0), np.maximum(ep_b, 0)
    on_map &= (panel.ep_person[ep_a] == a) & (panel.ep_person[ep_b] == b)
    on_map &= (s < panel.ep_end[ep_a]) & (s < panel.ep_end[ep_b])
    end = np.minimum(end, np.minimum(panel.ep_end[ep_a], panel.ep_end[ep_b]))
    keep = on_map & ~ended & (end > s)
    index = np.flatnonzero(keep)

    owner, k = _expand(s[index], (end - s)[index])
    tie = index[owner]
    row_a = panel.ep_offset[ep_a[tie]] + k - panel.ep_start[ep_a[tie]]
    row_b = panel.ep_offset[ep_b[tie]] + k - panel.ep_start[ep_b[tie]]
    # ties are sorted by pair then kind: another kind of the same pair follows directly
    several = bool(((a[1:] == a[:-1]) & (b[1:] == b[:-1]) & (kind[1:] != kind[:-1])).any())
    return row_a, row_b, weight[tie], kind[tie], several


# --- Measures -----------------------------------------------------------------------------------


def _sum(groups: np.ndarray, weights: np.ndarray | None, size: int) -> np.ndarray:
    return np.bincount(groups, weights=weights, minlength=size)


def _burt(sidx: np.ndarray, living: np.ndarray, ego: np.ndarray, row_a: np.ndarray,
          row_b: np.ndarray, weight: np.ndarray, n_living: np.ndarray, n_sessions: int
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Burt's effective size, efficiency and constraint of every inventory (closed forms of
    :func:`ipt_graph.metrics.burt`, summed over alters and ties)."""
    n = len(sidx)
    total = _sum(sidx[living], ego[living], n_sessions)
    share = np.zeros(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        share[living] = ego[living] / total[sidx[living]]
    strength = ego + _sum(row_a, weight, n) + _sum(row_b, weight, n)
    strongest = np.zeros(n)
    np.maximum.at(strongest, row_a, weight)
    np.maximum.at(strongest, row_b, weight)
    strongest = np.maximum(strongest, ego)
    redundancy = weight * (share[row_b] / strongest[row_a] + share[row_a] / strongest[row_b])
    indirect = (_sum(row_b, weight * share[row_a] / strength[row_a], n)
                + _sum(row_a, weight * share[row_b] / strength[row_b], n))
    with np.errstate(invalid="ignore", divide="ignore"):
        effective = (n_living - _sum(sidx[row_a], redundancy, n_sessions)).astype(float)
        constraint = _sum(sidx[living], ((share + indirect) ** 2)[living],
                          n_sessions).astype(float)
        none = n_living == 0
        effective[none] = np.nan
        constraint[none] = np.nan
        return effective, effective / n_living, constraint


def _components(sidx: np.ndarray, living: np.ndarray, row_a: np.ndarray, row_b: np.ndarray,
                n_sessions: int) -> tuple[np.ndarray, np.ndarray]:
    """Connected components and isolates of the living alters, ego left out, per inventory."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    rows = np.flatnonzero(living)
    compact = np.full(len(sidx), -1, dtype=np.int64)
    compact[rows] = np.arange(len(rows))
    graph = csr_matrix((np.ones(len(row_a), dtype=np.int8), (compact[row_a], compact[row_b])),
                       shape=(len(rows), len(rows)))
    count, labels = connected_components(graph, directed=False)
    component_session = np.zeros(count, dtype=np.int64)
    component_session[labels] = sidx[rows]
    degree = _sum(row_a, None, len(sidx)) + _sum(row_b, None, len(sidx))
    isolates = _sum(sidx[living & (degree == 0)], None, n_sessions)
    return _sum(component_session, None, n_sessions), isolates


def _ring_strength(ring: np.ndarray, rings: np.ndarray) -> np.ndarray:
    """Closeness ``(rings - ring + 1) / rings``; NaN without a ring."""
    with np.errstate(invalid="ignore"):
        return np.where(ring >= 1, (rings - ring + 1) / rings, np.nan)


def _metrics_frame(prep: _Prepared, threshold: float) -> pd.DataFrame:
    panel = _resolve_people(prep)
    n_sessions = prep.n_sessions
    sidx, person = panel.sidx, panel.person
    session_number = prep.sess_number
    row_session = session_number[sidx]
    rings = prep.rings[prep.sess_client]
    out: dict[str, np.ndarray] = {}

    # resolve every field; count carried values and the oldest one as we go
    resolved: dict[str, np.ndarray] = {}
    carried = np.zeros(n_sessions, dtype=np.int64)
    oldest_row = np.full(len(sidx), np.iinfo(np.int64).max, dtype=np.int64)
    for name in RATING_FIELDS:
        source, value = panel.resolve(prep.rating_values[name])
        known = source >= 0
        observed_at = session_number[sidx[np.maximum(source, 0)]] if len(sidx) else source
        carried += _sum(sidx[known & (observed_at < row_session)], None, n_sessions).astype(
            np.int64)
        oldest_row = np.where(known, np.minimum(oldest_row, observed_at), oldest_row)
        if name in ("ring", "support", "conflict", "status", "contact", "confidant",
                    "desired_ring"):
            resolved[name] = value
    oldest = np.full(n_sessions, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(oldest, sidx, oldest_row)
    staleness = np.where(oldest == np.iinfo(np.int64).max, 0, session_number - oldest)

    ring, support, conflict = resolved["ring"], resolved["support"], resolved["conflict"]
    status, contact, confidant = resolved["status"], resolved["contact"], resolved["confidant"]
    desired = resolved["desired_ring"]
    living = status != _DECEASED

    out["n_people"] = _sum(sidx, None, n_sessions)
    has_ring = ring >= 1
    per_ring = _sum(sidx[has_ring] * _MAX_RINGS + ring[has_ring] - 1, None,
                    n_sessions * _MAX_RINGS).reshape(n_sessions, _MAX_RINGS).astype(float)
    per_ring[np.arange(1, _MAX_RINGS + 1)[None, :] > rings[:, None]] = np.nan
    for k in range(_MAX_RINGS):
        out[f"n_ring_{k + 1}"] = per_ring[:, k]
    out["n_deceased"] = _sum(sidx[~living], None, n_sessions)
    out["n_confidants"] = _sum(sidx[living & (confidant == 1)], None, n_sessions)
    for name, value in (("support", support), ("conflict", conflict)):
        known = value >= 0
        total = _sum(sidx[known], value[known].astype(float), n_sessions)
        count = _sum(sidx[known], None, n_sessions)
        out[f"{name}_sum"] = total
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{name}_mean"] = np.where(count > 0, total / count, np.nan)
    both = (support >= 0) & (conflict >= 0)
    positive, negative = support > threshold, conflict > threshold
    kinds = {"supportive": positive & ~negative, "aversive": ~positive & negative,
             "ambivalent": positive & negative, "indifferent": ~positive & ~negative}
    for kind in _TYPES:
        out[f"n_{kind}"] = _sum(sidx[both & kinds[kind]], None, n_sessions)
    with_gap = has_ring & (desired >= 1)
    gap = _sum(sidx[with_gap], (ring - desired)[with_gap].astype(float), n_sessions)
    count = _sum(sidx[with_gap], None, n_sessions)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["desired_ring_gap"] = np.where(count > 0, gap / count, np.nan)

    # structure among the living
    row_a, row_b, weight = _resolve_ties(prep, panel)
    alive = living[row_a] & living[row_b]
    row_a, row_b, weight = row_a[alive], row_b[alive], weight[alive]
    pair_session = sidx[row_a]
    n_living = _sum(sidx[living], None, n_sessions)
    ties = _sum(pair_session, None, n_sessions)
    out["n_ties"] = ties
    with np.errstate(invalid="ignore", divide="ignore"):
        out["density"] = np.where(n_living >= 2, ties / (n_living * (n_living - 1) / 2), np.nan)
        out["density_with_ego"] = np.where(
            n_living >= 1, (ties + n_living) / (n_living * (n_living + 1) / 2), np.nan)
    ones = np.ones(len(sidx))
    (out["effective_size"], out["efficiency"], out["constraint"]) = _burt(
        sidx, living, ones, row_a, row_b, np.ones(len(row_a)), n_living, n_sessions)
    closeness = _ring_strength(ring, prep.rings[prep.people_client[person]])
    (out["effective_size_weighted"], out["efficiency_weighted"],
     out["constraint_weighted"]) = _burt(sidx, living, closeness, row_a, row_b, weight,
                                         n_living, n_sessions)
    out["n_components"], out["n_isolates"] = _components(sidx, living, row_a, row_b,
                                                         n_sessions)

    sector = prep.people_sector[person]
    per_sector = _sum(sidx * len(_SECTORS) + sector, None,
                      n_sessions * len(_SECTORS)).reshape(n_sessions, len(_SECTORS))
    n_people = out["n_people"]
    out["n_sectors"] = (per_sector > 0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = per_sector / n_people[:, None]
        blau = np.where(n_people > 0, 1.0 - (shares ** 2).sum(axis=1), np.nan)
    out["blau_sectors"] = blau
    out["iqv_sectors"] = blau / (1.0 - 1.0 / len(_SECTORS))
    within = _sum(pair_session[sector[row_a] == sector[row_b]], None, n_sessions)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["ei_sectors"] = np.where(ties > 0, (ties - 2 * within) / ties, np.nan)

    # SNI-derived: living people in regular contact who hold one of the SNI's roles
    sni = prep.people_sni[person]
    regular = living & (contact >= 0) & _REGULAR[np.maximum(contact, 0)] & (sni >= 0)
    per_role = _sum(sidx[regular] * len(_SNI) + sni[regular], None,
                    n_sessions * len(_SNI)).reshape(n_sessions, len(_SNI))
    out["sni_diversity"] = (per_role > 0).sum(axis=1)
    out["sni_high_contact"] = _sum(sidx[regular], None, n_sessions)
    out["n_carried"] = carried
    out["max_staleness"] = staleness

    frame = pd.DataFrame({
        "client_id": pd.array(prep.client_ids[prep.sess_client], dtype="string"),
        "session": session_number.astype(np.int64),
        **{name: out[name].astype(METRIC_DTYPES[name]) for name in METRICS},
    })
    return frame


def cohort_metrics(tables: Mapping[str, pd.DataFrame],
                   threshold: float = vocab.TYPE_THRESHOLD) -> pd.DataFrame:
    """Every measure of :data:`ipt_graph.metrics.METRICS` for every client x session, vectorised.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Tidy tables (:mod:`ipt_graph.io.tables`).
    threshold : float
        A support or conflict rating above it counts as present when typing relationships
        (DOMAIN.md §4).

    Returns
    -------
    DataFrame
        ``client_id, session, *METRICS`` with :data:`ipt_graph.metrics.METRIC_DTYPES`, one row
        per session of every client (attended or not), sorted by ``client_id, session``. Equal
        to ``pd.concat([client.metrics() for client in clients])`` sorted the same way.

    Raises
    ------
    ValidationError
        References that do not resolve (a rating of a person or at a session that is not in
        the tables), named by table, row and column.
    """
    return _metrics_frame(_prepare(_tables.normalize_tables(tables)), threshold)


def people_panel(tables: Mapping[str, pd.DataFrame],
                 threshold: float = vocab.TYPE_THRESHOLD) -> pd.DataFrame:
    """The resolved people of every inventory: one row per client x session x person on the map.

    Columns: ``client_id, session, person_id, role, sector, sni_role, gender, age_band,
    entered_at``, every rating field that is not free text, ``closeness``, ``type`` and
    ``<field>_observed_at`` for every rating field (free text included: the session the value
    in force was observed at). Types as in :attr:`ipt_graph.Inventory.people`. Rows are sorted
    by client, session, then the order the people entered the map (as
    :attr:`ipt_graph.Inventory.people` lists them).
    """
    prep = _prepare(_tables.normalize_tables(tables))
    panel = _resolve_people(prep)
    order = np.lexsort((panel.person, panel.ep_start[panel.episode], panel.sidx))
    sidx, person = panel.sidx[order], panel.person[order]
    session_number = prep.sess_number
    columns: dict[str, Any] = {
        "client_id": pd.array(prep.client_ids[prep.sess_client[sidx]], dtype="string"),
        "session": session_number[sidx].astype(np.int64),
        "person_id": pd.array(prep.people_id[person], dtype="string"),
    }
    role = prep.people_role[person]
    columns["role"] = _decode(role, _ROLES)
    columns["sector"] = _decode(prep.people_sector[person], _SECTORS)
    columns["sni_role"] = _decode(prep.people_sni[person], _SNI)
    columns["gender"] = pd.array(prep.people_gender.to_numpy(object)[person], dtype="string")
    columns["age_band"] = pd.array(prep.people_age_band.to_numpy(object)[person],
                                   dtype="string")
    columns["entered_at"] = pd.array(session_number[panel.ep_start[panel.episode[order]]],
                                     dtype="Int64")
    observed: dict[str, Any] = {}
    values: dict[str, np.ndarray] = {}
    for name in RATING_FIELDS:
        source, value = panel.resolve(prep.rating_values[name])
        source, value = source[order], value[order]
        at = pd.array(session_number[panel.sidx[np.maximum(source, 0)]] if len(source)
                      else source, dtype="Int64")
        at[source < 0] = pd.NA
        observed[f"{name}_observed_at"] = at
        values[name] = value
        if name in TEXT_RATING_FIELDS:
            continue
        if name in _CATEGORIES:
            columns[name] = _decode(value, _CATEGORIES[name])
        elif name == "confidant":
            flag = pd.array(value == 1, dtype="boolean")
            flag[value < 0] = pd.NA
            columns[name] = flag
        else:
            number = pd.array(value, dtype="Int64")
            number[value < 0] = pd.NA
            columns[name] = number
    ring = values["ring"]
    columns["closeness"] = _ring_strength(ring, prep.rings[prep.people_client[person]])
    support, conflict = values["support"], values["conflict"]
    positive, negative = support > threshold, conflict > threshold
    kind = np.where(positive, np.where(negative, 2, 0), np.where(negative, 1, 3))
    kind[(support < 0) | (conflict < 0)] = -1
    columns["type"] = _decode(kind, _TYPES)
    columns.update(observed)
    return pd.DataFrame(columns)


def _decode(codes: np.ndarray, categories: tuple[str, ...]) -> Any:
    """Vocabulary codes back to tokens (-1 is missing), as a ``string`` array."""
    return pd.Categorical.from_codes(codes, categories=list(categories)).astype("string")


# --- Change between two sessions, outcomes per client -------------------------------------------

#: The words ``start`` and ``end`` of :meth:`Cohort.change` accept, besides a session number.
_SESSION_CHOICES: tuple[str, ...] = ("first", "last", "baseline")
#: The instruments whose outcome :meth:`Cohort.change` reports by default (DOMAIN.md §6).
_PRIMARY_OUTCOMES: tuple[str, ...] = ("phq9", "gad7")
_CHURN_COLUMNS = {
    "people_added": "Int64", "people_lost": "Int64", "people_kept": "Int64",
    "person_stability": "float64",
    "ties_added": "Int64", "ties_lost": "Int64", "ties_kept": "Int64",
    "tie_stability": "float64",
}


def _session_numbers(prep: _Prepared, sessions: pd.DataFrame, which: Any, name: str
                     ) -> np.ndarray:
    """The session index (into the sorted sessions) ``which`` names for every client; -1 where
    the client has no such session."""
    n_clients = len(prep.client_ids)
    first = np.concatenate([[0], prep.client_end])[:-1].astype(np.int64)
    has = prep.client_end > first
    if isinstance(which, str):
        if which == "first":
            return np.where(has, first, -1)
        if which == "last":
            return np.where(has, prep.client_end - 1, -1)
        if which == "baseline":
            # the end of the initial phase (change.baseline_session), else the first session
            initial = sessions[sessions["phase"].eq(str(vocab.Phase.initial)).fillna(False)
                               .to_numpy(bool)]
            last_initial = initial.groupby("client_id", observed=True)["session"].max()
            number = np.full(n_clients, -1, dtype=np.int64)
            code = _codes(pd.Series(last_initial.index, dtype="string"), prep.client_ids)
            number[code[code >= 0]] = last_initial.to_numpy(np.int64)[code >= 0]
            found = _session_lookup(prep, number)
            return np.where(found >= 0, found, np.where(has, first, -1))
    elif isinstance(which, int | np.integer) and not isinstance(which, bool | np.bool_):
        return _session_lookup(prep, np.full(n_clients, int(which), dtype=np.int64))
    raise ValueError(f"{name} must be one of {', '.join(_SESSION_CHOICES)} or a session "
                     f"number, got {which!r}")


def _session_lookup(prep: _Prepared, numbers: np.ndarray) -> np.ndarray:
    """The session index of session ``numbers[c]`` of each client ``c``; -1 where absent."""
    if prep.n_sessions == 0:
        return np.full(len(numbers), -1, dtype=np.int64)
    span = int(prep.sess_number.max()) + 2
    numbers = np.where((numbers >= 0) & (numbers < span), numbers, -1)
    key = prep.sess_client * span + prep.sess_number
    wanted = np.arange(len(numbers)) * span + numbers
    found = np.minimum(np.searchsorted(key, wanted), len(key) - 1)
    return np.where((numbers >= 0) & (key[found] == wanted), found, -1)


def _churn(prep: _Prepared, panel: _Panel, start: np.ndarray, end: np.ndarray
           ) -> dict[str, np.ndarray]:
    """People and (pair, kind) ties added, lost and kept per client, with Jaccard stability
    (Feld, Suitor & Hoegh 2007); NaN where either session is missing."""
    n_clients = len(prep.client_ids)
    n_people = len(prep.people_client)
    both = (start >= 0) & (end >= 0)
    out: dict[str, np.ndarray] = {}

    def sets(client_of: np.ndarray, at_start: np.ndarray, at_end: np.ndarray, word: str
             ) -> None:
        counts = {"added": at_end & ~at_start, "lost": at_start & ~at_end,
                  "kept": at_start & at_end}
        for kind, mask in counts.items():
            out[f"{word}_{kind}"] = np.bincount(client_of[mask], minlength=n_clients
                                                ).astype(float)
        either = out[f"{word}_added"] + out[f"{word}_lost"] + out[f"{word}_kept"]
        with np.errstate(invalid="ignore", divide="ignore"):
            stability = np.where(either > 0, out[f"{word}_kept"] / either, np.nan)
        out["person_stability" if word == "people" else "tie_stability"] = stability

    # people: who is on the map at each of the two sessions
    row_client = prep.sess_client[panel.sidx]
    on_start = np.zeros(n_people, dtype=bool)
    on_end = np.zeros(n_people, dtype=bool)
    on_start[panel.person[panel.sidx == start[row_client]]] = True
    on_end[panel.person[panel.sidx == end[row_client]]] = True
    sets(prep.people_client, on_start, on_end, "people")

    # ties, per (pair, kind) as ipt_graph.compare counts them
    row_a, row_b, _, kind, _ = _tie_rows(prep, panel)
    tie_session = panel.sidx[row_a]
    tie_client = prep.sess_client[tie_session]
    key = (panel.person[row_a] * n_people + panel.person[row_b]) * len(_KINDS) + kind
    keys_start = np.unique(key[tie_session == start[tie_client]])
    keys_end = np.unique(key[tie_session == end[tie_client]])
    keys = np.union1d(keys_start, keys_end)
    owner = prep.people_client[keys // len(_KINDS) // n_people] if len(keys) else keys
    sets(owner, np.isin(keys, keys_start), np.isin(keys, keys_end), "ties")
    for name in _CHURN_COLUMNS:
        out[name] = np.where(both, out[name], np.nan)
    return out


def _outcome_scores(measures: pd.DataFrame, spec: Any) -> pd.DataFrame:
    """One instrument's totals per client x session: the stored total, or the total scored
    from the items when only items were stored (as :func:`ipt_graph.outcomes.client_outcomes`
    does), sorted by client and session."""
    rows = measures[measures["instrument"].eq(spec.name).fillna(False).to_numpy(bool)]
    is_total = rows["item"].eq("total").fillna(False).to_numpy(bool)
    totals = rows.loc[is_total, ["client_id", "session", "value"]]
    items = rows.loc[~is_total & rows["value"].notna().to_numpy(bool)]
    if len(items):
        scored = items.groupby(["client_id", "session"], observed=True)["value"].agg(
            ["sum", "count"]).reset_index()
        scored["value"] = (scored["sum"] / scored["count"] if spec.scoring == "mean"
                           else scored["sum"])
        scored = scored[["client_id", "session", "value"]]
        have = pd.MultiIndex.from_frame(totals[["client_id", "session"]])
        missing = ~pd.MultiIndex.from_frame(scored[["client_id", "session"]]).isin(have)
        totals = pd.concat([totals, scored[missing]], ignore_index=True)
    totals = totals[totals["value"].notna()]
    low, high = spec.range
    outside = ((totals["value"] < low) | (totals["value"] > high)).to_numpy(bool)
    if outside.any():
        first = totals[outside].iloc[0]
        raise ValueError(f"score at session {int(first['session'])} must be {low:g}..{high:g} "
                         f"for {spec.title}, got {float(first['value']):g} (client "
                         f"{first['client_id']})")
    return totals.sort_values(["client_id", "session"], kind="stable").reset_index(drop=True)


def _at_caseness(spec: Any, score: np.ndarray) -> np.ndarray:
    """Instrument.at_caseness over an array (False where the score is NaN)."""
    with np.errstate(invalid="ignore"):
        return score <= spec.caseness if spec.higher_is_better else score >= spec.caseness


def _outcome_categories(spec: Any, start: np.ndarray, end: np.ndarray,
                        norm: tuple[float, float] | None) -> np.ndarray:
    """:func:`ipt_graph.outcomes.outcome_category` over arrays of start and end scores.

    Returns an object array of category names, None where a score is missing or reliable
    change cannot be judged (no published threshold and no ``norm``). The same comparisons
    as :func:`~ipt_graph.outcomes.reliable_change` (Jacobson & Truax 1991), in numpy.
    """
    from .outcomes import JT_CRITICAL, OutcomeCategory, _s_diff

    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    out = np.full(len(start), None, dtype=object)
    if norm is None and spec.reliable_change is None:
        return out
    change = end - start
    with np.errstate(invalid="ignore"):
        if norm is not None:
            reliable = np.abs(change / _s_diff(*norm)) > JT_CRITICAL
        else:
            reliable = np.abs(change) >= float(spec.reliable_change)
        improvement = change if spec.higher_is_better else -change
        improved = reliable & (improvement > 0)
        worsened = reliable & (improvement < 0)
    known = ~(np.isnan(start) | np.isnan(end))
    category = np.full(len(start), str(OutcomeCategory.unchanged), dtype=object)
    if spec.caseness is not None:
        recovered = improved & ~_at_caseness(spec, end)
        category[improved] = np.where(recovered[improved], str(OutcomeCategory.recovered),
                                      str(OutcomeCategory.improved))
        category[~_at_caseness(spec, start)] = str(OutcomeCategory.not_at_caseness)
    else:
        category[improved] = str(OutcomeCategory.improved)
    category[worsened] = str(OutcomeCategory.deteriorated)
    out[known] = category[known]
    return out


def _outcome_columns(tables: Mapping[str, pd.DataFrame], client_ids: np.ndarray,
                     names: Iterable[Any], instruments: Mapping[str, Any] | None,
                     norms: Mapping[str, tuple[float, float]] | None) -> dict[str, Any]:
    """``<name>_n_sessions, _first_session, _last_session, _first_score, _last_score,
    _category`` per instrument, and ``joint_recovery`` with PHQ-9 and GAD-7, per client."""
    from .outcomes import get_instrument

    norms = norms or {}
    measures = tables["measures"]
    index = pd.Index(client_ids)
    out: dict[str, Any] = {}
    scores: dict[str, pd.DataFrame] = {}
    for given in names:
        spec = get_instrument(given, instruments)
        totals = _outcome_scores(measures, spec)
        scores[spec.name] = totals
        grouped = totals.groupby("client_id", observed=True, sort=False)
        first = grouped.first().reindex(index)
        last = grouped.last().reindex(index)
        count = grouped.size().reindex(index)
        n = count.to_numpy(dtype=float, na_value=np.nan)
        start = first["value"].to_numpy(dtype=float, na_value=np.nan)
        end = last["value"].to_numpy(dtype=float, na_value=np.nan)
        # with one session there is no change to judge (client_outcomes)
        judged = np.where(n >= 2, end, np.nan)
        category = _outcome_categories(spec, start, judged, norms.get(spec.name))
        prefix = spec.name
        out[f"{prefix}_n_sessions"] = pd.array(count.fillna(0).to_numpy(np.int64),
                                               dtype="Int64")
        out[f"{prefix}_first_session"] = pd.array(first["session"].to_numpy(), dtype="Int64")
        out[f"{prefix}_last_session"] = pd.array(last["session"].to_numpy(), dtype="Int64")
        out[f"{prefix}_first_score"] = start
        out[f"{prefix}_last_score"] = end
        out[f"{prefix}_category"] = pd.array(category, dtype="string")
    if {"phq9", "gad7"} <= set(scores):
        out["joint_recovery"] = _joint_recovery(scores, index, instruments)
    return out


def _joint_recovery(scores: Mapping[str, pd.DataFrame], index: pd.Index,
                    instruments: Mapping[str, Any] | None) -> Any:
    """NHS Talking Therapies' joint recovery per client, from the first and last sessions at
    which both PHQ-9 and GAD-7 were recorded (:func:`ipt_graph.outcomes.joint_recovery`)."""
    from .outcomes import get_instrument

    phq9, gad7 = get_instrument("phq9", instruments), get_instrument("gad7", instruments)
    both = scores["phq9"].merge(scores["gad7"], on=["client_id", "session"],
                                suffixes=("_phq9", "_gad7"))
    grouped = both.groupby("client_id", observed=True, sort=False)
    first, last = grouped.first().reindex(index), grouped.last().reindex(index)
    count = grouped.size().reindex(index).to_numpy(dtype=float, na_value=np.nan)

    def column(frame: pd.DataFrame, name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=float, na_value=np.nan)

    at_start = (_at_caseness(phq9, column(first, "value_phq9"))
                | _at_caseness(gad7, column(first, "value_gad7")))
    recovered = (~_at_caseness(phq9, column(last, "value_phq9"))
                 & ~_at_caseness(gad7, column(last, "value_gad7")))
    result = pd.array(recovered, dtype="boolean")
    result[~((count >= 2) & at_start)] = pd.NA
    return result


def _change_frame(tables: Mapping[str, pd.DataFrame], start: Any, end: Any, threshold: float,
                  outcomes: Iterable[Any], instruments: Mapping[str, Any] | None,
                  norms: Mapping[str, tuple[float, float]] | None) -> pd.DataFrame:
    prep = _prepare(tables)
    s0 = _session_numbers(prep, tables["sessions"], start, "start")
    s1 = _session_numbers(prep, tables["sessions"], end, "end")
    both = (s0 >= 0) & (s1 >= 0)
    metrics = _metrics_frame(prep, threshold)  # one row per session index, in order
    panel = _resolve_people(prep)

    def at(index: np.ndarray, name: str) -> np.ndarray:
        values = metrics[name].to_numpy(dtype=float)
        return np.where(index >= 0, values[np.maximum(index, 0)] if len(values) else np.nan,
                        np.nan)

    def whole(values: np.ndarray) -> Any:
        array = pd.array(np.nan_to_num(values).astype(np.int64), dtype="Int64")
        array[np.isnan(values)] = pd.NA
        return array

    columns: dict[str, Any] = {
        "client_id": pd.array(prep.client_ids, dtype="string"),
        "start_session": whole(np.where(s0 >= 0, prep.sess_number[np.maximum(s0, 0)]
                                        if prep.n_sessions else 0, np.nan)),
        "end_session": whole(np.where(s1 >= 0, prep.sess_number[np.maximum(s1, 0)]
                                      if prep.n_sessions else 0, np.nan)),
        "n_people_start": whole(at(s0, "n_people")),
        "n_people_end": whole(at(s1, "n_people")),
    }
    for name, values in _churn(prep, panel, s0, s1).items():
        columns[name] = whole(values) if _CHURN_COLUMNS[name] == "Int64" else values
    for name in METRICS:
        delta = np.where(both, at(s1, name) - at(s0, name), np.nan)
        integer = np.dtype(METRIC_DTYPES[name]).kind == "i"
        columns[f"{name}_delta"] = whole(delta) if integer else delta
    columns.update(_outcome_columns(tables, prep.client_ids, outcomes, instruments, norms))
    return pd.DataFrame(columns)


# --- The cohort -----------------------------------------------------------------------------------


class Cohort:
    """Many clients as tidy tables, with vectorised measures.

    Build one with :meth:`from_clients`, :meth:`from_folder` (case files) or
    :meth:`from_tables` (a dict of tables, a CSV folder, a Parquet folder or an Excel file).

    Examples
    --------
    >>> import ipt_graph as ig
    >>> client = ig.Client("C-1")
    >>> _ = client.add_person("p1", role="partner")
    >>> _ = client.add_session(1)
    >>> _ = client.add_session(2, attended=False)
    >>> _ = client.rate(1, "p1", ring=1, support=5, conflict=4)
    >>> cohort = Cohort.from_clients([client])
    >>> cohort.metrics()[["client_id", "session", "n_people", "n_carried"]]
      client_id  session  n_people  n_carried
    0       C-1        1         1          0
    1       C-1        2         1          3
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame]):
        self._tables = _tables.normalize_tables(tables)

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def from_clients(cls, clients: Iterable[Client], include_text: bool = False, *,
                     progress: bool | None = None) -> Cohort:
        """A cohort of these clients (free text kept only with ``include_text=True``).

        ``progress`` shows a bar over the clients (see :func:`ipt_graph.progress.progress`:
        by default only in a notebook or on a terminal).
        """
        return cls(_tables.tables_from_clients(clients, include_text=include_text,
                                               progress=progress))

    @classmethod
    def from_folder(cls, path: str | os.PathLike[str], include_text: bool = False, *,
                    progress: bool | None = None) -> Cohort:
        """A cohort of the case files ``*.json`` in a folder, in file-name order.

        ``progress`` shows a bar over the files as they load (see
        :func:`ipt_graph.progress.progress`: by default only in a notebook or on a
        terminal; the bar counts files and never names them).
        """
        from .io.casefile import load

        folder = Path(path)
        files = sorted(folder.glob("*.json"))
        loading = _progress_bar(files, total=len(files), desc="case files", unit="file",
                                enabled=progress)
        return cls.from_clients((load(file) for file in loading), include_text=include_text,
                                progress=False)

    @classmethod
    def from_tables(cls, source: str | os.PathLike[str] | Mapping[str, pd.DataFrame],
                    validate: bool = False) -> Cohort:
        """A cohort of tidy tables: a dict, a CSV folder, a Parquet folder or an Excel file.

        Columns and types are checked on reading; ``validate=True`` also builds and validates
        every client (:func:`ipt_graph.io.tables.clients_from_tables`), which is slower.
        """
        tables = _tables.read_tables(source)
        if validate:
            _tables.clients_from_tables(tables)
        return cls(tables)

    # --- views ----------------------------------------------------------------------------

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The tidy tables (a new dict; the frames are shared, do not change them)."""
        return dict(self._tables)

    def __len__(self) -> int:
        return len(self._tables["clients"])

    def __repr__(self) -> str:
        return (f"Cohort(clients={len(self)}, sessions={len(self._tables['sessions'])}, "
                f"ratings={len(self._tables['ratings'])})")

    def clients(self) -> Iterator[Client]:
        """The clients, built and validated one by one from the tables."""
        return _tables.iter_clients(self._tables)

    def to_csv(self, folder: str | os.PathLike[str], include_text: bool = False, *,
               raw: bool = False) -> list[Path]:
        """Write the tables as CSV (see :func:`ipt_graph.io.tables.write_csv`, also for
        ``raw``)."""
        return _tables.write_csv(self._writable(include_text), folder, raw=raw)

    def to_excel(self, path: str | os.PathLike[str], include_text: bool = False, *,
                 raw: bool = False) -> Path:
        """Write the tables to an Excel workbook (see :func:`ipt_graph.io.tables.write_excel`,
        also for ``raw``)."""
        return _tables.write_excel(self._writable(include_text), path, raw=raw)

    def to_parquet(self, folder: str | os.PathLike[str], include_text: bool = False,
                   rows_per_file: int = 500_000) -> list[Path]:
        """Write aligned Parquet parts (see :func:`ipt_graph.io.tables.write_parquet`)."""
        return _tables.write_parquet(self._writable(include_text), folder,
                                     rows_per_file=rows_per_file)

    def _writable(self, include_text: bool) -> dict[str, pd.DataFrame]:
        if include_text:
            return self._tables
        text = {table: [c.name for c in columns if c.text]
                for table, columns in _tables.SCHEMA.items()}
        return {table: frame.drop(columns=[c for c in text[table] if c in frame.columns])
                for table, frame in self._tables.items()}

    # --- measures -------------------------------------------------------------------------

    def metrics(self, threshold: float = vocab.TYPE_THRESHOLD) -> pd.DataFrame:
        """Every measure for every client x session, vectorised (see :func:`cohort_metrics`)."""
        return _metrics_frame(_prepare(self._tables), threshold)

    def people_panel(self, threshold: float = vocab.TYPE_THRESHOLD) -> pd.DataFrame:
        """Everyone on the map at every session (see :func:`people_panel`)."""
        return people_panel(self._tables, threshold)

    def change(self, start: str | int = "first", end: str | int = "last", *,
               threshold: float = vocab.TYPE_THRESHOLD,
               outcomes: Iterable[Any] = _PRIMARY_OUTCOMES,
               instruments: Mapping[str, Any] | None = None,
               norms: Mapping[str, tuple[float, float]] | None = None) -> pd.DataFrame:
        """The change of every client between two sessions, and their outcome: one row each.

        The network part is :func:`ipt_graph.compare` of the two inventories, for the whole
        cohort at once (vectorised over the tables, no Python loop over clients); the outcome
        part is :func:`ipt_graph.outcomes.client_outcomes`' category per instrument, in
        numpy.

        Parameters
        ----------
        start, end : {"first", "last", "baseline"} or int
            The sessions to compare, the same rule for every client: ``"first"`` and
            ``"last"`` are the client's first and last sessions (attended or not: every
            session has an inventory); ``"baseline"`` is the end of the initial phase, the
            last session whose phase is ``initial``, else the first session
            (:func:`ipt_graph.change.baseline_session`); an int is that session number.
        threshold : float
            A support or conflict rating above it counts as present when typing
            relationships (DOMAIN.md §4), as in :meth:`metrics`.
        outcomes : iterable of str or Instrument
            The instruments to report (default PHQ-9 and GAD-7); ``()`` for none.
        instruments : mapping, optional
            Where to look the names up (default: the built-ins; see
            :func:`ipt_graph.outcomes.registry`).
        norms : mapping of instrument name to ``(sd, reliability)``, optional
            Judge reliable change with Jacobson & Truax's index for these instruments
            instead of the published threshold.

        Returns
        -------
        DataFrame
            One row per client of the clients table, sorted by ``client_id``. A client
            without the ``start`` or ``end`` session (``start=12`` for a client who stopped at
            session 8) keeps its row, with ``start_session`` or ``end_session`` missing and
            every network column missing; its outcome columns are still filled.

            * ``client_id``, ``start_session``, ``end_session`` (Int64);
            * ``n_people_start``, ``n_people_end``: people on the map at each;
            * ``people_added``, ``people_lost``, ``people_kept`` and ``person_stability``;
              ``ties_added``, ``ties_lost``, ``ties_kept`` and ``tie_stability``, ties
              counted per (pair, kind) as :func:`ipt_graph.compare` does; stability is the
              Jaccard index ``|kept| / |either|``, NaN when both maps are empty;
            * ``<metric>_delta`` for every measure of :data:`ipt_graph.metrics.METRICS`:
              end minus start (Int64 for counts, float64 otherwise; NaN where either is);
            * per instrument (``phq9_...``): ``n_sessions`` (sessions with a score),
              ``first_session`` and ``last_session``, the **first and last sessions at
              which the instrument was recorded** (DOMAIN.md §6: these are not
              ``start_session``/``end_session``), ``first_score`` and ``last_score``, and
              ``category`` (:func:`ipt_graph.outcomes.outcome_category`: recovered,
              improved, unchanged, deteriorated or not_at_caseness; missing with fewer than
              two scores, or without a published threshold or ``norms``);
            * ``joint_recovery`` when both PHQ-9 and GAD-7 are reported: NHS Talking
              Therapies' recovery from the first and last sessions with both recorded.

        Raises
        ------
        ValueError
            ``start`` or ``end`` is not one of the words or an int; a score is outside its
            instrument's range.

        Notes
        -----
        People are kept when on both maps, added when on the end map only and lost when on
        the start map only; a person who left and came back between the two sessions is
        kept. ``start`` may be later than ``end``: "start" is then the later map, as with
        ``compare(a, b)``.

        References
        ----------
        Feld, S. L., Suitor, J. J. & Hoegh, J. G. (2007). Describing changes in personal
        networks over time. *Field Methods* 19(2), 218-236.
        Jacobson, N. S. & Truax, P. (1991). Clinical significance: a statistical approach to
        defining meaningful change in psychotherapy research. *J Consult Clin Psychol*
        59(1), 12-19.

        Examples
        --------
        >>> import ipt_graph as ig
        >>> client = ig.Client("C-1")
        >>> for pid in ("p1", "p2"):
        ...     _ = client.add_person(pid, role="friend")
        >>> _ = client.add_session(1, phase="initial", measures={"phq9": 16})
        >>> _ = client.add_session(2, phase="middle", measures={"phq9": 8})
        >>> _ = client.rate(1, "p1", ring=2, support=4, conflict=1)
        >>> _ = client.rate(2, "p2", ring=1, support=5, conflict=1)
        >>> row = Cohort.from_clients([client]).change().iloc[0]
        >>> int(row["people_added"]), int(row["people_kept"]), int(row["n_people_delta"])
        (1, 1, 1)
        >>> row["phq9_category"]
        'recovered'
        """
        return _change_frame(self._tables, start, end, threshold, tuple(outcomes),
                             instruments, norms)

    def outcomes(self, names: Iterable[Any] = _PRIMARY_OUTCOMES, *,
                 instruments: Mapping[str, Any] | None = None,
                 norms: Mapping[str, tuple[float, float]] | None = None) -> pd.DataFrame:
        """The outcome columns of :meth:`change` alone, one row per client (no network
        measures): ``client_id`` and, per instrument, ``n_sessions``, ``first_session``,
        ``last_session``, ``first_score``, ``last_score`` and ``category``, plus
        ``joint_recovery`` with PHQ-9 and GAD-7. "First" and "last" are the first and last
        sessions at which that instrument was recorded (DOMAIN.md §6).
        """
        client_ids = pd.Index(self._tables["clients"]["client_id"].dropna().unique()
                              ).sort_values().to_numpy(dtype=object)
        columns = _outcome_columns(self._tables, client_ids, tuple(names), instruments, norms)
        return pd.DataFrame({"client_id": pd.array(client_ids, dtype="string"), **columns})

    # --- figures (matplotlib is imported only when one is drawn) --------------------------

    def plot_jacobson(self, instrument: Any = "phq9", **kwargs: Any):
        """Start against end score per client with the outcome categories
        (:func:`ipt_graph.plotting.plot_jacobson`); returns the Axes."""
        from .plotting.cohort import plot_jacobson

        return plot_jacobson(self, instrument, **kwargs)

    def plot_trajectories(self, names: Iterable[str] | None = None, **kwargs: Any):
        """Mean measures per session with a confidence band
        (:func:`ipt_graph.plotting.plot_cohort_trajectories`); returns the Axes."""
        from .plotting.cohort import plot_cohort_trajectories

        return plot_cohort_trajectories(self, names, **kwargs)

    @staticmethod
    def metrics_dask(folder: str | os.PathLike[str], client: Any = None,
                     threshold: float = vocab.TYPE_THRESHOLD) -> pd.DataFrame:
        """:func:`dask_metrics` of a Parquet folder, computed to one pandas DataFrame.

        ``client`` is a :class:`distributed.Client` to run on (default: Dask's current
        scheduler). The result equals :meth:`metrics` of the same tables, row for row.
        """
        frame = dask_metrics(folder, threshold)
        result = client.compute(frame).result() if client is not None else frame.compute()
        return result.reset_index(drop=True)


# --- Dask -----------------------------------------------------------------------------------


def _part_metrics(part: tuple[str, str], threshold: float) -> pd.DataFrame:
    folder, name = part
    return cohort_metrics(_tables.read_parquet_part(folder, name), threshold)


def _metrics_meta() -> pd.DataFrame:
    return pd.DataFrame({"client_id": pd.array([], dtype="string"),
                         "session": np.zeros(0, dtype=np.int64),
                         **{name: np.zeros(0, dtype=METRIC_DTYPES[name]) for name in METRICS}})


def dask_metrics(folder: str | os.PathLike[str], threshold: float = vocab.TYPE_THRESHOLD):
    """The cohort measures of an aligned Parquet folder as a Dask DataFrame.

    Each part written by :func:`ipt_graph.io.tables.write_parquet` holds the same clients in
    every table, so each is one partition: its tables are read with pyarrow and measured by
    :func:`cohort_metrics`, the same pandas implementation as :meth:`Cohort.metrics`. The
    partitions follow the parts' client order, so the result is sorted by client and session.

    Needs the ``dask`` extra. Compute with ``.compute()`` (or a distributed client).
    """
    import dask.dataframe as dd

    source = Path(folder).resolve()
    parts = [(str(source), name) for name in _tables.parquet_parts(source)]
    return dd.from_map(_part_metrics, parts, threshold=threshold, meta=_metrics_meta(),
                       enforce_metadata=False)


# --- Synthetic tables ---------------------------------------------------------------------------


def synthetic_tables(n_clients: int, sessions: int = 4, seed: int = 0, *, start: int = 1
                     ) -> dict[str, pd.DataFrame]:
    """Valid tidy tables of ``n_clients`` synthetic clients, drawn directly as arrays.

    A vectorised generator for benchmarks and scale tests (no :class:`Client` objects):
    2-6 rings, 0-40 people with any role, sessions ``1..sessions`` (some missed, some complete
    re-inventories), first ratings with a ring, partial re-ratings, removals and returns,
    deceased people, ties of every kind at any density, re-observed and ended ties, a PHQ-9
    total per attended session. The draws follow the rules of :func:`ipt_graph.model.walk`
    (loops run over the sessions only), so the tables load with
    :func:`ipt_graph.io.tables.clients_from_tables`.

    Parameters
    ----------
    n_clients : int
    sessions : int
        Sessions per client, numbered from 1.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    start : int
        Number of the first client: ids are ``T-0000001``... (zero-padded, so they sort in
        number order); give consecutive ranges to draw a large cohort in chunks.

    Returns
    -------
    dict of str to DataFrame
        The tables of :mod:`ipt_graph.io.tables` (no free text).

    Examples
    --------
    >>> tables = synthetic_tables(3, sessions=2, seed=1)
    >>> tables["sessions"]["session"].tolist()
    [1, 2, 1, 2, 1, 2]
    """
    if n_clients < 0 or sessions < 1:
        raise ValueError(f"need n_clients >= 0 and sessions >= 1, got {n_clients}, {sessions}")
    rng = np.random.default_rng(seed)
    client = np.arange(n_clients)
    ids = np.array([f"T-{k:07d}" for k in range(start, start + n_clients)], dtype=object)
    rings = rng.integers(vocab.MIN_RINGS, vocab.MAX_RINGS + 1, n_clients)
    roll = rng.random(n_clients)
    n_people = np.where(roll < 0.08, 0, np.where(roll < 0.55, rng.integers(1, 13, n_clients),
                                                  rng.integers(1, 41, n_clients)))
    density = np.where(rng.random(n_clients) < 0.15, 0.0, rng.random(n_clients) * 0.5)

    # people
    owner, local = _expand(np.zeros(n_clients, dtype=np.int64), n_people)
    n_total = len(owner)
    person_id = np.array([f"p{k}" for k in range(1, 41)], dtype=object)[local]
    role = rng.integers(0, len(_ROLES), n_total)
    genders = np.array([None, *(str(g) for g in vocab.Gender)], dtype=object)
    bands = np.array([None, *(str(a) for a in vocab.AgeBand)], dtype=object)
    people = {
        "client_id": ids[owner], "person_id": person_id,
        "role": np.array(_ROLES, dtype=object)[role],
        "sector": np.array(_SECTORS, dtype=object)[_ROLE_SECTOR[role]],
        "sector_set": np.zeros(n_total, dtype=bool),
        "sni_role": np.array([*_SNI, None], dtype=object)[_ROLE_SNI[role]],
        "gender": genders[rng.integers(0, len(genders), n_total)],
        "age_band": bands[rng.integers(0, len(bands), n_total)],
    }
    person_rings = rings[owner]

    # sessions
    number = np.tile(np.arange(1, sessions + 1), n_clients)
    session_client = np.repeat(client, sessions)
    first_day = np.datetime64("2024-01-01") + rng.integers(0, 700, n_clients)
    attended = (number == 1) | (rng.random(len(number)) > 0.1)
    complete = attended & (number > 1) & (rng.random(len(number)) < 0.1)
    session_table = {
        "client_id": ids[session_client], "session": number,
        "date": np.datetime_as_string(first_day[session_client] + 7 * (number - 1),
                                      unit="D").astype(object),
        "phase": np.where(number <= 3, "initial", "middle").astype(object),
        "attended": attended, "complete": complete,
    }
    n_scores = int(attended.sum())
    measures = {
        "client_id": ids[session_client[attended]], "session": number[attended],
        "instrument": np.full(n_scores, "phq9", dtype=object),
        "item": np.full(n_scores, "total", dtype=object),
        "value": rng.integers(0, 28, n_scores).astype(float),
    }

    living_status = np.array(["active", "active", "estranged", "lost_contact", "moved_away"],
                             dtype=object)
    contacts = np.array(_CONTACT, dtype=object)
    born_dead = rng.random(n_total) < 0.05
    present = np.zeros(n_total, dtype=bool)
    dead = np.zeros(n_total, dtype=bool)
    rating_parts: list[dict[str, np.ndarray]] = []
    tie_parts: list[dict[str, np.ndarray]] = []
    tie_state = np.zeros((0, 3), dtype=np.int64)  # (person a, person b, kind) on the map
    for k in range(1, sessions + 1):
        at = client * sessions + (k - 1)
        is_attended, is_complete = attended[at][owner], complete[at][owner]
        before = present.copy()
        draw = rng.random(n_total)
        # a complete session: whoever is not re-rated leaves; otherwise a few removals
        kept = before & is_attended & is_complete & (draw < 0.75)
        removed = before & is_attended & ~is_complete & (draw < 0.04)
        rerated = kept | (before & is_attended & ~is_complete & ~removed
                          & (rng.random(n_total) < 0.4))
        entering = ~before & is_attended & (rng.random(n_total) < (0.9 if k == 1 else 0.2))
        present = (before & ~(is_attended & is_complete) & ~removed) | kept | entering
        dead |= entering & born_dead

        full = entering | (rerated & (rng.random(n_total) < 0.3))
        who = np.flatnonzero(full | rerated)
        n_rated = len(who)
        is_full = full[who]
        # fields: ring, support, conflict, status, contact, confidant
        fields = rng.random((n_rated, 6)) < 0.35
        fields[~fields.any(axis=1), 2] = True
        fields[is_full, :3] = True
        fields[is_full, 3:] = rng.random((int(is_full.sum()), 3)) < 0.6
        dies = fields[:, 3] & ~is_full & ~dead[who] & (rng.random(n_rated) < 0.05)
        dead[who[dies]] = True
        status = np.where(dead[who], "deceased",
                          living_status[rng.integers(0, len(living_status), n_rated)])
        fields[:, 3] |= dead[who] & is_full
        rating_parts.append({
            "person": who, "session": np.full(n_rated, k), "removed": np.zeros(n_rated, bool),
            "ring": np.where(fields[:, 0], rng.integers(0, 6, n_rated) % person_rings[who] + 1,
                             0),
            "support": np.where(fields[:, 1], rng.integers(1, 7, n_rated), 0),
            "conflict": np.where(fields[:, 2], rng.integers(1, 7, n_rated), 0),
            "status": np.where(fields[:, 3], status, None),
            "contact": np.where(fields[:, 4], contacts[rng.integers(0, len(contacts), n_rated)],
                                None),
            "confidant": np.where(fields[:, 5], rng.random(n_rated) < 0.4, None),
            "desired_ring": np.where(is_full & (rng.random(n_rated) < 0.3),
                                     rng.integers(0, 6, n_rated) % person_rings[who] + 1, 0),
        })
        gone = np.flatnonzero(removed)
        rating_parts.append({"person": gone, "session": np.full(len(gone), k),
                             "removed": np.ones(len(gone), bool)})

        # ties: a complete session ends them all, leaving ends a person's ties; some end
        if len(tie_state):
            tie_state = tie_state[present[tie_state[:, 0]] & present[tie_state[:, 1]]
                                  & ~is_complete[tie_state[:, 0]]]
        ending = (rng.random(len(tie_state)) < 0.05) & is_attended[tie_state[:, 0]]
        ended, tie_state = tie_state[ending], tie_state[~ending]
        on_map = np.flatnonzero(present & is_attended)
        counts = np.bincount(owner[on_map], minlength=n_clients)
        offsets = np.cumsum(counts) - counts
        draws = rng.poisson(counts * (counts - 1) / 2 * density * (1.0 if k == 1 else 0.15))
        which = np.repeat(client, draws)
        a = on_map[offsets[which] + (rng.random(len(which)) * counts[which]).astype(np.int64)]
        b = on_map[offsets[which] + (rng.random(len(which)) * counts[which]).astype(np.int64)]
        a, b = a[a != b], b[a != b]
        kind = np.where(rng.random(len(a)) < 0.8, 0, rng.integers(1, len(_KINDS), len(a)))
        new = np.unique(np.stack([np.minimum(a, b), np.maximum(a, b), kind], axis=1), axis=0)
        if len(ended):
            new = new[~np.isin(_tie_key(new, n_total), _tie_key(ended, n_total))]
        weight = np.where(rng.random(len(new)) < 0.6, 1.0,
                          np.round(rng.uniform(0.1, 1.0, len(new)), 2))
        for rows, event, strength in ((ended, "ended", np.ones(len(ended))),
                                      (new, "observed", weight)):
            tie_parts.append({"a": rows[:, 0], "b": rows[:, 1], "kind": rows[:, 2],
                              "session": np.full(len(rows), k), "weight": strength,
                              "event": np.full(len(rows), event, dtype=object)})
        tie_state = np.unique(np.concatenate([tie_state, new]), axis=0)

    rating = {name: np.concatenate([part[name] for part in rating_parts])
              for name in ("person", "session", "removed")}
    for name in ("ring", "support", "conflict", "desired_ring"):
        rating[name] = np.concatenate([part.get(name, np.zeros(len(part["person"]), int))
                                       for part in rating_parts])
    for name in ("status", "contact", "confidant"):
        rating[name] = np.concatenate([part.get(name, np.full(len(part["person"]), None))
                                       for part in rating_parts])
    order = np.lexsort((rating["session"], owner[rating["person"]]))
    rating = {name: values[order] for name, values in rating.items()}
    ratings = {
        "client_id": ids[owner[rating["person"]]], "session": rating["session"],
        "person_id": person_id[rating["person"]],
        "event": np.where(rating["removed"], "removed", "rated").astype(object),
        **{name: pd.arrays.IntegerArray(rating[name].astype(np.int64), rating[name] == 0)
           for name in ("ring", "support", "conflict")},
        "status": rating["status"], "contact": rating["contact"],
        "confidant": rating["confidant"],
        "desired_ring": pd.arrays.IntegerArray(rating["desired_ring"].astype(np.int64),
                                               rating["desired_ring"] == 0),
        **{f"has_{name}": np.zeros(len(rating["person"]), dtype=bool)
           for name in TEXT_RATING_FIELDS},
    }
    tie = {name: np.concatenate([part[name] for part in tie_parts])
           for name in ("a", "b", "kind", "session", "weight", "event")}
    order = np.lexsort((tie["session"], owner[tie["a"]]))
    tie = {name: values[order] for name, values in tie.items()}
    name_a, name_b = person_id[tie["a"]], person_id[tie["b"]]
    swap = name_b < name_a
    ties = {"client_id": ids[owner[tie["a"]]], "session": tie["session"],
            "a": np.where(swap, name_b, name_a), "b": np.where(swap, name_a, name_b),
            "kind": np.array(_KINDS, dtype=object)[tie["kind"]], "weight": tie["weight"],
            "event": tie["event"]}
    areas = np.array([str(a) for a in vocab.ProblemAreaKind], dtype=object)
    problem_areas = {"client_id": ids, "area": areas[rng.integers(0, len(areas), n_clients)],
                     "primary": np.ones(n_clients, dtype=bool)}
    clients = {"client_id": ids, "rings": rings, "planned_sessions": np.full(n_clients, 16),
               "primary_problem_area": problem_areas["area"]}
    raw = {"clients": clients, "people": people, "sessions": session_table,
           "ratings": ratings, "ties": ties, "measures": measures,
           "problem_areas": problem_areas}
    return {table: pd.DataFrame({
        column.name: pd.array(columns[column.name], dtype=column.dtype)
        if column.name in columns else pd.array([None] * len(columns["client_id"]),
                                                dtype=column.dtype)
        for column in _tables.SCHEMA[table] if not column.text})
        for table, columns in raw.items()} | {
        "events": _tables.empty_tables()["events"]}


def _tie_key(rows: np.ndarray, n_people: int) -> np.ndarray:
    return (rows[:, 0] * n_people + rows[:, 1]) * len(_KINDS) + rows[:, 2]
