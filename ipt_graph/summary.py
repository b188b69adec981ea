"""A plain-text summary of one client, for the terminal (``ipt-graph summary``)."""

from __future__ import annotations

from itertools import groupby

import pandas as pd

from .change import baseline_session, compare
from .metrics import METRIC_DTYPES
from .model import Client
from .outcomes import item9_flags
from .vocab import INSTRUMENTS

__all__ = ["summarize"]

#: The measures shown in a summary, first session next to the latest.
SUMMARY_METRICS = (
    "n_people", "n_ring_1", "n_confidants", "support_mean", "conflict_mean", "n_ambivalent",
    "density", "effective_size", "constraint", "sni_diversity", "desired_ring_gap",
)


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1-3, 5"``."""
    parts = []
    for _, run in groupby(enumerate(numbers), key=lambda item: item[1] - item[0]):
        values = [value for _, value in run]
        parts.append(str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}")
    return ", ".join(parts)


def _format(value: float, name: str) -> str:
    if pd.isna(value):
        return "–"
    is_count = METRIC_DTYPES[name] == "int64" or name.startswith("n_ring_")
    return f"{value:.0f}" if is_count else f"{value:.2f}"


def summarize(client: Client, redact: bool = False) -> str:
    """A short plain-text summary: sessions, phases, problem areas, symptoms and measures."""
    lines = [f"Client {client.client_id}"]
    sessions = client.sessions
    if client.problem_areas:
        for area in client.problem_areas:
            focus = ", ".join(client.display_name(pid, redact) for pid in area.focus)
            primary = " (primary)" if area.primary else ""
            line = f"  {area.area.replace('_', ' ')}{primary}"
            if focus:
                line += f"; focus: {focus}"
            if area.old_role and area.new_role and not redact:
                line += f"; {area.old_role} → {area.new_role}"
            lines.append(line)
    if not sessions:
        lines.append("  no sessions yet")
        return "\n".join(lines)
    attended = [s.number for s in sessions if s.attended]
    missed = [s.number for s in sessions if not s.attended]
    dates = [s.date for s in sessions if s.date is not None]
    line = f"  {client.rings} rings; {len(sessions)} sessions, {len(attended)} attended"
    if missed:
        line += f", missed: {_ranges(missed)}"
    if dates:
        line += f"; {dates[0].isoformat()} to {dates[-1].isoformat()}"
    lines.append(line)
    phases = [(s.phase, s.number) for s in sessions if s.phase]
    if phases:
        spans = [f"{phase} {_ranges([n for _, n in group])}"
                 for phase, group in groupby(phases, key=lambda item: item[0])]
        lines.append("  phases: " + "; ".join(spans))

    flags = item9_flags(client)
    flagged = [int(n) for n in flags.loc[flags["flag"].fillna(False), "session"]]
    if flagged:
        lines.append(f"  SAFETY: PHQ-9 item 9 (thoughts of self-harm) above 0 at session "
                     f"{_ranges(flagged)}")
    outcomes = client.outcomes()
    for row in outcomes.itertuples():
        title = INSTRUMENTS[row.instrument].title if row.instrument in INSTRUMENTS else (
            row.instrument)
        line = f"  {title}: {row.start_score:g} (session {row.start_session})"
        if row.end_session != row.start_session:
            line += f" → {row.end_score:g} (session {row.end_session})"
        if not pd.isna(row.category):
            line += f": {str(row.category).replace('_', ' ')}"
        lines.append(line)

    first, last = baseline_session(client), client.sessions[-1].number
    if first != last:
        lines.append(f"  change from the baseline (session {first}) to session {last}:")
        change = compare(client.inventory(first), client.inventory(last))
        lines.extend(f"    - {sentence}" for sentence in change.summary(redact=redact)[1:])

    table = client.metrics().set_index("session")
    shown = list(dict.fromkeys([baseline_session(client), table.index[-1]]))
    lines.append(f"  {'measures':<22}" + "".join(f"{f'session {n}':>12}" for n in shown))
    for name in SUMMARY_METRICS:
        cells = "".join(f"{_format(table.at[n, name], name):>12}" for n in shown)
        lines.append(f"    {name:<20}{cells}")
    return "\n".join(lines)
