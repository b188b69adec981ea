"""Figures of a client's record: the only part of ipt_graph that imports matplotlib.

Axes-level functions draw on ``ax`` (pyplot's current axes when None), return it, and never
touch pyplot's state when an ``ax`` is given:

* :func:`plot_circle` - the closeness circle of one inventory;
* :func:`plot_network` - the same inventory as a network;
* :func:`plot_quadrant` - support x conflict with the four relationship types;
* :func:`plot_outcomes` - a symptom measure over the sessions;
* :func:`plot_timeline` - the life chart: events, onset, sessions, symptoms;
* :func:`plot_metrics` - measures of :data:`ipt_graph.METRICS` over the sessions;
* :func:`plot_jacobson` - a cohort's start against end scores by outcome category;
* :func:`plot_cohort_trajectories` - a cohort's mean measures per session with a band.

:func:`plot_circles` is figure-level: it builds and returns its own
:class:`matplotlib.figure.Figure` (pyplot is not used).

One palette and one marker set (:mod:`ipt_graph.plotting.style`), one stable layout per
client (:mod:`ipt_graph.plotting.layout`) and one label placer
(:mod:`ipt_graph.plotting.labels`) serve every figure.
"""

from .circle import plot_circle
from .circles import plot_circles
from .cohort import plot_cohort_trajectories, plot_jacobson
from .layout import angles, circle_layout, network_positions, person_numbers
from .metrics import plot_metrics
from .network import plot_network
from .outcomes import plot_outcomes
from .quadrant import plot_quadrant
from .style import OKABE_ITO, TYPE_STYLES, FontWarning
from .timeline import plot_timeline

__all__ = [
    "OKABE_ITO",
    "TYPE_STYLES",
    "FontWarning",
    "angles",
    "circle_layout",
    "network_positions",
    "person_numbers",
    "plot_circle",
    "plot_circles",
    "plot_cohort_trajectories",
    "plot_jacobson",
    "plot_metrics",
    "plot_network",
    "plot_outcomes",
    "plot_quadrant",
    "plot_timeline",
]
