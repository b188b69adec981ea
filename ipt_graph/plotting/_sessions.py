"""The session axis shared by the outcome chart and the measure trajectories.

The time axis of IPT is the session number with its date; phases are bands on it
(DOMAIN.md §3). Missed sessions are recorded, not omitted, and are drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import blended_transform_factory

from . import style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..model import Client

__all__ = ["draw_missed", "draw_phases", "phase_runs"]

#: Phase bands alternate between two light greys so neighbours stay apart in greyscale.
_PHASE_FILLS = ("#EFEFEF", "#F8F8F8")


def phase_runs(client: Client) -> list[tuple[str, float, float]]:
    """Runs of consecutive sessions in one phase: ``(phase, first - 0.5, last + 0.5)``."""
    runs: list[tuple[str, float, float]] = []
    for session in client.sessions:
        if session.phase is None:
            continue
        phase = str(session.phase)
        if runs and runs[-1][0] == phase:
            runs[-1] = (phase, runs[-1][1], session.number + 0.5)
        else:
            runs.append((phase, session.number - 0.5, session.number + 0.5))
    return runs


def draw_phases(ax: Axes, client: Client, label_y: float = 0.985) -> list:
    """Phase bands behind the data, named at ``label_y`` (axes fraction) inside the top."""
    transform = blended_transform_factory(ax.transData, ax.transAxes)
    texts = []
    for i, (phase, start, end) in enumerate(phase_runs(client)):
        ax.add_patch(Rectangle((start, 0), end - start, 1, transform=transform,
                               facecolor=_PHASE_FILLS[i % 2], edgecolor="none", zorder=0,
                               gid=f"phase:{phase}:{i}"))
        texts.append(ax.text((start + end) / 2, label_y, phase.replace("_", " "),
                             transform=transform, ha="center", va="top",
                             fontsize=style.MIN_FONTSIZE, color="#555555", zorder=1,
                             gid=f"phaselabel:{phase}:{i}"))
    return texts


def draw_missed(ax: Axes, client: Client) -> list[int]:
    """A dotted line and a cross at the bottom for every missed session; their numbers."""
    transform = blended_transform_factory(ax.transData, ax.transAxes)
    missed = [s.number for s in client.sessions if not s.attended]
    for number in missed:
        ax.add_line(Line2D([number, number], [0, 1], transform=transform, color=style.GREY,
                           linewidth=0.9, linestyle=":", zorder=0.5, gid=f"missed:{number}"))
        ax.plot([number], [0.03], transform=transform, marker="x", markersize=6,
                color="#555555", linestyle="none", zorder=5, gid=f"missedmark:{number}",
                clip_on=False)
    return missed


def missed_handle() -> Line2D:
    return Line2D([], [], color=style.GREY, linewidth=0.9, linestyle=":", marker="x",
                  markersize=6, markeredgecolor="#555555")


def session_axis(ax: Axes, client: Client) -> None:
    """Integer session ticks (every session when few, else every other) and the x label."""
    numbers = [s.number for s in client.sessions]
    if numbers:
        step = 1 if len(numbers) <= 16 else 2
        ax.set_xticks(numbers[::step])
        ax.set_xlim(numbers[0] - 0.6, numbers[-1] + 0.6)
    ax.set_xlabel("session", fontsize=style.LABEL_FONTSIZE)
    ax.tick_params(labelsize=style.LABEL_FONTSIZE)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
