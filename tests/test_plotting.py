"""Figures, tested by reading the drawn artists back (and two seeded image comparisons).

Every person marker is a one-point PathCollection with ``gid="person:<id>"``, every label a
Text with ``gid="label:<id>"`` (see the Notes of each ``plot_*`` docstring). Geometry is read
in display pixels after the figure is drawn on an Agg canvas, the way it will be printed.
Only synthetic people.
"""

from __future__ import annotations

import io
import itertools
import math
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.markers import MarkerStyle
from matplotlib.text import Text
from matplotlib.transforms import Affine2D

import ipt_graph as ig
from ipt_graph import vocab
from ipt_graph.errors import NotFoundError
from ipt_graph.plotting import (
    TYPE_STYLES,
    angles,
    circle_layout,
    plot_circle,
    plot_circles,
    plot_metrics,
    plot_network,
    plot_outcomes,
    plot_quadrant,
    plot_timeline,
    style,
)
from ipt_graph.plotting.layout import EMPTY_SECTOR_DEGREES, ring_radius

BASELINE = Path(__file__).parent / "baseline"
A4_LANDSCAPE = (11.69, 8.27)


# --- helpers ---------------------------------------------------------------------------------


def new_axes(figsize=(8.27, 5.8), dpi=100):
    """An Axes on a Figure with an Agg canvas, never through pyplot."""
    figure = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(figure)
    return figure.add_subplot()


def drawn(ax):
    """Draw the figure and return its renderer."""
    figure = ax.get_figure(root=True)
    figure.canvas.draw()
    return figure.canvas.get_renderer()


def by_gid(ax, prefix: str) -> dict[str, object]:
    """Artists of ``ax`` whose gid starts with ``prefix``, keyed by the rest of the gid."""
    found = {}
    for artist in ax.findobj(lambda a: str(a.get_gid()).startswith(prefix)):
        found[str(artist.get_gid())[len(prefix):]] = artist
    return found


def centre(ax, collection: PathCollection) -> np.ndarray:
    return ax.transData.transform(collection.get_offsets()[0])


def marker_box(ax, collection: PathCollection) -> np.ndarray:
    """Display box of a one-point scatter marker: its path, scaled as scatter scales it."""
    dpi = ax.get_figure(root=True).dpi
    size = math.sqrt(collection.get_sizes()[0]) * dpi / 72
    path = collection.get_paths()[0]
    extents = path.get_extents(Affine2D().scale(size)).extents
    width = np.max(collection.get_linewidths()) * dpi / 72 / 2
    x, y = centre(ax, collection)
    return np.array([x + extents[0] - width, y + extents[1] - width,
                     x + extents[2] + width, y + extents[3] + width])


def overlap(a: np.ndarray, b: np.ndarray, tolerance: float = 0.5) -> bool:
    return bool(a[0] < b[2] - tolerance and b[0] < a[2] - tolerance
                and a[1] < b[3] - tolerance and b[1] < a[3] - tolerance)


def angle_of(ax, collection: PathCollection) -> float:
    x, y = collection.get_offsets()[0]
    return math.degrees(math.atan2(y, x)) % 360.0


def png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def small_client() -> ig.Client:
    """Four people of four types, a deceased mother, an estranged friend, a disputed partner
    at the impasse stage, a desired ring, two ties, measures with item 9, a missed session."""
    client = ig.Client("C-PLOT", rings=3, onset_date="2025-11")
    client.add_person("p1", label="Partner (A.)", role="partner")
    client.add_person("p2", label="Sister (B.)", role="sibling")
    client.add_person("p3", label="Mother (M.)", role="parent")
    client.add_person("p4", label="Friend (D.)", role="friend")
    client.add_person("p5", label="Manager (H.)", role="manager")
    client.add_person("p6", label="Neighbour (J.)", role="neighbour")
    client.add_session(1, date="2026-01-05", phase="initial",
                       measures={"phq9": [2, 3, 2, 2, 1, 2, 2, 2, 1]})
    client.add_session(2, date="2026-01-12", phase="initial", attended=False)
    client.add_session(3, date="2026-01-19", phase="middle", measures={"phq9": {"total": 12}})
    client.add_session(4, date="2026-01-26", phase="termination",
                       measures={"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0]})
    client.rate(1, "p1", ring=1, support=4, conflict=5, desired_ring=1)    # ambivalent
    client.rate(1, "p2", ring=2, support=5, conflict=1, desired_ring=1)    # supportive
    client.rate(1, "p3", ring=1, support=5, conflict=1, status="deceased")
    client.rate(1, "p4", ring=3, support=1, conflict=1, status="estranged")  # indifferent
    client.rate(1, "p5", ring=3, support=1, conflict=4)                    # aversive
    client.tie(1, "p1", "p2")
    client.tie(1, "p1", "p3", kind="conflict")
    client.add_problem_area("role_dispute", primary=True, focus=["p1"])
    client.rate(1, "p1", dispute_stage="impasse")
    client.rate(3, "p1", ring=2, conflict=2)           # moves out a ring
    client.rate(3, "p6", ring=3, support=3, conflict=1)  # arrives
    client.remove(3, "p5")                              # leaves
    client.add_event("e1", date="2025-10", kind="death", people=["p3"], problem_area="grief")
    client.add_event("e2", date="2025-11-14", kind="symptom_onset", onset=True)
    return client


def crowded_client(n: int = 40, ring: int = 3, rings: int = 3, long: bool = True) -> ig.Client:
    """``n`` people in one ring, with long labels: the hardest case for labels."""
    client = ig.Client("C-CROWD", rings=rings)
    client.add_session(1)
    roles = ("friend", "sibling", "colleague", "neighbour", "other")
    for i in range(n):
        label = f"Synthetic-Person Longname-Doublebarrel {i}" if long else f"P{i}"
        client.add_person(f"p{i}", label=label, role=roles[i % len(roles)])
        client.rate(1, f"p{i}", ring=ring, support=1 + i % 6, conflict=1 + (i * 5) % 6)
    return client


# --- the closeness circle -------------------------------------------------------------------


@pytest.mark.parametrize("rings", [2, 3, 6])
def test_every_ring_is_drawn_with_its_radius_and_label(rings):
    client = ig.Client("C-1", rings=rings)
    client.add_person("p1", role="partner")
    client.add_session(1)
    client.rate(1, "p1", ring=1, support=3, conflict=1)  # the other rings stay empty
    ax = new_axes()
    plot_circle(client.inventory(), ax=ax)
    drawn(ax)
    circles = by_gid(ax, "ring:")
    assert sorted(int(k) for k in circles) == list(range(1, rings + 1))
    radii = [circles[str(k)].get_radius() for k in range(1, rings + 1)]
    assert radii == pytest.approx([ring_radius(k, rings) for k in range(1, rings + 1)])
    assert radii == sorted(radii) and radii[-1] == pytest.approx(rings)
    # equal widths from the client's disc to the edge
    assert np.diff([ring_radius(0, rings), *radii]) == pytest.approx([radii[0] - ring_radius(
        0, rings)] * rings)
    ring_labels = by_gid(ax, "ringlabel:")
    assert [ring_labels[str(k)].get_text() for k in range(1, rings + 1)] == list(
        client.ring_names)
    # the person sits inside their ring's band
    x, y = by_gid(ax, "person:")["p1"].get_offsets()[0]
    assert ring_radius(0, rings) < math.hypot(x, y) < ring_radius(1, rings)


def test_sectors_are_slices_with_labels():
    ax = new_axes()
    client = small_client()
    plot_circle(client.inventory(1), ax=ax)
    lines = by_gid(ax, "sector:")
    titles = {k: t.get_text() for k, t in by_gid(ax, "sectorlabel:").items()}
    assert set(lines) == set(titles) == {str(s) for s in vocab.SECTORS}
    assert titles["work_school"] == "work / school"
    layout = circle_layout(client)
    for sector, line in lines.items():  # each slice boundary is a radius at its start angle
        (x0, x1), (y0, y1) = line.get_xdata(), line.get_ydata()
        assert math.degrees(math.atan2(y1 - y0, x1 - x0)) % 360 == pytest.approx(
            layout.sectors[sector][0] % 360)


def test_colours_and_shapes_encode_the_type():
    ax = new_axes()
    inventory = small_client().inventory(1)
    plot_circle(inventory, ax=ax)
    markers = by_gid(ax, "person:")
    types = dict(zip(inventory.people["person_id"], inventory.people["type"], strict=True))
    assert {types[p] for p in ("p1", "p2", "p4", "p5")} == set(TYPE_STYLES)
    for pid in ("p1", "p2", "p5"):  # living, in touch: filled with the type's colour
        kind = TYPE_STYLES[types[pid]]
        assert tuple(markers[pid].get_facecolor()[0]) == pytest.approx(to_rgba(kind.colour))
    for pid in ("p1", "p2", "p3", "p4", "p5"):  # and the shape is the type's marker
        marker = MarkerStyle(TYPE_STYLES[types[pid]].marker)
        expected = marker.get_path().transformed(marker.get_transform())
        assert markers[pid].get_paths()[0].vertices == pytest.approx(expected.vertices)
    # one marker set, four different shapes; one palette, four different colours
    assert len({s.marker for s in TYPE_STYLES.values()}) == 4
    assert len({s.colour for s in TYPE_STYLES.values()}) == 4
    assert set(s.colour for s in TYPE_STYLES.values()) - {style.GREY} <= set(
        style.OKABE_ITO.values())


def test_legend_names_the_types_and_what_is_drawn():
    ax = new_axes()
    plot_circle(small_client().inventory(1), ax=ax)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    for name in ("supportive", "ambivalent", "aversive", "indifferent", "problem-area focus"):
        assert name in texts
    assert any(t.startswith("deceased") for t in texts)
    assert any(t.startswith("estranged") for t in texts)
    assert any(t.startswith("desired ring") for t in texts)


def test_deceased_out_of_touch_and_focus_people_are_drawn_distinctly():
    ax = new_axes()
    plot_circle(small_client().inventory(1), ax=ax)
    markers = by_gid(ax, "person:")
    # deceased (p3): still on the map, hollow, crossed, a dagger after the name
    assert "p3" in markers and "p3" in by_gid(ax, "deceased:")
    assert tuple(markers["p3"].get_facecolor()[0]) == pytest.approx(to_rgba("white"))
    assert by_gid(ax, "label:")["p3"].get_text().endswith("\u2020")
    # estranged (p4): faded and dashed
    assert markers["p4"].get_facecolor()[0][3] < 0.5
    assert markers["p4"].get_linestyle()[0][1] is not None
    # focus of the role dispute (p1): a halo, a bold label, the stage written
    assert set(by_gid(ax, "halo:")) == {"p1"}
    label = by_gid(ax, "label:")["p1"]
    assert "impasse" in label.get_text() and label.get_fontweight() == "bold"
    # an ordinary person has none of that
    assert "p2" not in by_gid(ax, "deceased:") and "p2" not in by_gid(ax, "halo:")
    assert markers["p2"].get_facecolor()[0][3] == 1.0
    # and the deceased, out-of-touch and focus markers all differ from one another
    looks = {pid: (tuple(np.round(markers[pid].get_facecolor()[0], 3)),
                   pid in by_gid(ax, "halo:"), pid in by_gid(ax, "deceased:"))
             for pid in ("p1", "p3", "p4")}
    assert len(set(looks.values())) == 3


def test_desired_ring_is_a_ghost_and_ties_are_light_lines():
    ax = new_axes()
    client = small_client()
    plot_circle(client.inventory(1), ax=ax)
    ghosts = by_gid(ax, "desired:")
    assert set(ghosts) == {"p2"}  # p1 is already in their desired ring
    x, y = ghosts["p2"].get_offsets()[0]
    assert ring_radius(0, 3) < math.hypot(x, y) < ring_radius(1, 3)
    assert angle_of(ax, ghosts["p2"]) == pytest.approx(angles(client)["p2"])
    ties = by_gid(ax, "tie:")
    assert set(ties) == {"p1:p2:knows", "p1:p3:conflict"}
    assert all(t.get_alpha() < 1 and t.get_linewidth() < 1 for t in ties.values())
    ax = new_axes()
    plot_circle(client.inventory(1), ax=ax, ties=False, desired=False)
    assert not by_gid(ax, "tie:") and not by_gid(ax, "desired:")


def test_a_persons_angle_is_the_same_in_every_session():
    client = small_client()
    expected = angles(client)
    seen: dict[str, set[float]] = {}
    for session in (1, 2, 3, 4):
        ax = new_axes()
        plot_circle(client.inventory(session), ax=ax)
        for pid, marker in by_gid(ax, "person:").items():
            seen.setdefault(pid, set()).add(round(angle_of(ax, marker), 9))
    assert set(seen) == set(expected)
    for pid, values in seen.items():
        assert len(values) == 1
        assert values.pop() == pytest.approx(expected[pid] % 360)


def test_layout_comes_from_the_whole_record_by_sector():
    client = small_client()
    layout = circle_layout(client)
    # everyone ever on the map, in sector order, each sector a slice clockwise from the top
    assert set(layout.order) == {"p1", "p2", "p3", "p4", "p5", "p6"}
    starts = [layout.sectors[str(s)][0] for s in vocab.SECTORS]
    assert starts[0] == 90.0 and starts == sorted(starts, reverse=True)
    widths = {s: start - end for s, (start, end) in layout.sectors.items()}
    assert sum(widths.values()) == pytest.approx(360.0)
    assert widths["professional"] == pytest.approx(EMPTY_SECTOR_DEGREES)  # nobody there
    assert widths["family"] > widths["friends"]  # three family members, one friend
    for pid, angle in layout.angles.items():  # each person inside their own slice
        start, end = layout.sectors[str(client.person(pid).resolved_sector)]
        assert (start - angle) % 360 < start - end
    # deterministic: the same record always gives the same layout
    assert circle_layout(small_client()) == layout


def test_everyone_is_named_and_the_small_circle_uses_names():
    ax = new_axes()
    inventory = small_client().inventory(3)
    plot_circle(inventory, ax=ax)
    labels = by_gid(ax, "label:")
    assert set(labels) == set(inventory.person_ids)
    assert labels["p2"].get_text() == "Sister (B.)"
    assert all(t.get_fontsize() >= style.MIN_FONTSIZE for t in labels.values())
    assert not by_gid(ax, "key:")


@pytest.mark.parametrize("ring", [1, 3])
def test_forty_long_labels_in_one_ring_never_overlap(ring):
    ax = new_axes(figsize=A4_LANDSCAPE)
    inventory = crowded_client(ring=ring).inventory()
    plot_circle(inventory, ax=ax)
    renderer = drawn(ax)
    figure_box = ax.get_figure(root=True).bbox.extents
    labels = by_gid(ax, "label:")
    assert set(labels) == set(inventory.person_ids)  # every person labelled...
    keys = by_gid(ax, "key:")
    for pid, label in labels.items():
        if label.get_text().isdigit():  # ...or numbered, with the name in the key
            assert keys[pid].get_text().endswith(inventory.client.person(pid).label)
    boxes = {pid: label.get_window_extent(renderer).extents for pid, label in labels.items()}
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        assert not overlap(box_a, box_b), (a, b)
    markers = [c for c in ax.collections if isinstance(c, PathCollection) and c.get_gid()]
    marker_boxes = [marker_box(ax, c) for c in markers]
    for pid, box in boxes.items():
        for marker, other in zip(markers, marker_boxes, strict=True):
            assert not overlap(box, other), (pid, marker.get_gid())
    texts = [t for t in ax.findobj(Text) if t.get_text() and t.get_visible()]
    for text in texts:  # nothing below 7 pt, nothing clipped by the figure's edge
        assert text.get_fontsize() >= style.MIN_FONTSIZE, text.get_gid()
        x0, y0, x1, y1 = text.get_window_extent(renderer).extents
        assert x0 >= figure_box[0] - 0.5 and y0 >= figure_box[1] - 0.5
        assert x1 <= figure_box[2] + 0.5 and y1 <= figure_box[3] + 0.5, text.get_text()
    key_boxes = [k.get_window_extent(renderer).extents for k in keys.values()]
    for a, b in itertools.combinations(key_boxes, 2):
        assert not overlap(a, b)


def test_short_labels_in_a_crowded_ring_stay_names():
    ax = new_axes(figsize=A4_LANDSCAPE)
    plot_circle(crowded_client(n=24, ring=3, long=False).inventory(), ax=ax)
    texts = [t.get_text() for t in by_gid(ax, "label:").values()]
    assert all(t.startswith("P") for t in texts)


def test_labels_modes_and_redaction():
    client = small_client()
    ax = new_axes()
    plot_circle(client.inventory(1), ax=ax, labels="numbers")
    numbers = {pid: t.get_text() for pid, t in by_gid(ax, "label:").items()}
    layout = circle_layout(client)
    assert numbers == {pid: str(layout.number(pid)) for pid in numbers}
    assert by_gid(ax, "key:")["p2"].get_text() == f"{layout.number('p2')}  Sister (B.)"
    for redact, expected in ((True, "p2 (sibling)"), ("code", "p2"), ("role", "sibling")):
        ax = new_axes()
        plot_circle(client.inventory(1), ax=ax, redact=redact)
        texts = [t.get_text() for t in ax.findobj(Text)]
        assert by_gid(ax, "label:")["p2"].get_text() == expected
        assert not any("Sister" in t or "Partner" in t for t in texts)
    with pytest.raises(ValueError, match="redact must be one of"):
        plot_circle(client.inventory(1), ax=new_axes(), redact="names")
    with pytest.raises(ValueError, match="labels must be one of"):
        plot_circle(client.inventory(1), ax=new_axes(), labels="some")


def test_labels_in_any_script_render_without_missing_glyphs():
    """Latin with accents, Arabic (shaped, right to left), CJK and Hangul: needs a CJK font
    (Debian's fonts-noto-cjk, installed by .ci/run). A missing glyph warns: an error here."""
    client = ig.Client("C-UNI", rings=3)
    labels = ["José Ñúñez-Çağlar", "ليلى حسن", "王小明", "김민수", "Zoë Østergård"]
    client.add_session(1)
    for i, label in enumerate(labels):
        client.add_person(f"p{i}", label=label, role="friend")
        client.rate(1, f"p{i}", ring=1 + i % 3, support=4, conflict=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = new_axes()
        plot_circle(client.inventory(), ax=ax)
        png(ax.get_figure(root=True))
    assert {t.get_text() for t in by_gid(ax, "label:").values()} == set(labels)
    assert style.shapes_complex_text()  # matplotlib >= 3.11 joins and orders Arabic itself


def test_a_missing_font_warns_once(monkeypatch):
    monkeypatch.setattr(style, "font_families", lambda: ("DejaVu Sans",))
    monkeypatch.setattr(style, "_warned", set())
    client = ig.Client("C-CJK")
    client.add_person("p1", label="王小明", role="friend")
    client.add_session(1)
    client.rate(1, "p1", ring=1, support=3, conflict=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            plot_circle(client.inventory(), ax=new_axes())
    ours = [w for w in caught if issubclass(w.category, style.FontWarning)]
    assert len(ours) == 1
    assert "fonts-noto-cjk" in str(ours[0].message) and "王" not in str(ours[0].message)


# --- axes, pyplot ------------------------------------------------------------------------------


def _all_axes_level_plots(client):
    inventory = client.inventory(1)
    return {
        "circle": lambda ax: plot_circle(inventory, ax=ax),
        "network": lambda ax: plot_network(inventory, ax=ax),
        "quadrant": lambda ax: plot_quadrant(client, ax=ax),
        "outcomes": lambda ax: plot_outcomes(client, "phq9", ax=ax),
        "timeline": lambda ax: plot_timeline(client, ax=ax),
        "metrics": lambda ax: plot_metrics(client, ax=ax),
    }


def test_ax_is_honoured_returned_and_pyplot_left_alone():
    import matplotlib.pyplot as plt

    plt.close("all")
    client = small_client()
    for name, plot in _all_axes_level_plots(client).items():
        ax = new_axes()
        assert plot(ax) is ax, name
        assert plt.get_fignums() == [], name
    figure = plot_circles(client, [1, 3])
    assert isinstance(figure, Figure) and plt.get_fignums() == []


def test_without_ax_the_current_axes_is_used():
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(8, 6))
    ax = plot_circle(small_client().inventory(1))
    assert ax is plt.gca() and ax.get_figure(root=True) is figure
    plt.close(figure)


# --- circles side by side ------------------------------------------------------------------------


def test_circles_side_by_side_mark_the_change_from_compare():
    client = small_client()
    figure = plot_circles(client, sessions=[1, 3])
    first, second, panel = figure.axes
    change = ig.compare(client.inventory(1), client.inventory(3))
    moved = {p.person_id for p in change.people if p.membership == "kept"
             and p.ring_before != p.ring_after}
    assert set(by_gid(second, "moved:")) == moved == {"p1"}
    assert set(by_gid(second, "arrived:")) == set(change.added) == {"p6"}
    assert set(by_gid(second, "left:")) == set(change.lost) == {"p5"}
    assert not by_gid(first, "moved:") and not by_gid(first, "arrived:")
    # the same person at the same angle in both circles, the same ring radii
    for pid in set(by_gid(first, "person:")) & set(by_gid(second, "person:")):
        assert angle_of(first, by_gid(first, "person:")[pid]) == pytest.approx(
            angle_of(second, by_gid(second, "person:")[pid]))
    assert [c.get_radius() for c in by_gid(first, "ring:").values()] == [
        c.get_radius() for c in by_gid(second, "ring:").values()]
    # the arrow starts where p1 was (ring 1) and the one who left is drawn where they were
    was = by_gid(second, "was:")["p1"].get_offsets()[0]
    assert math.hypot(*was) < ring_radius(1, 3)
    assert angle_of(second, by_gid(second, "left:")["p5"]) == pytest.approx(
        angles(client)["p5"])
    # one legend for all, beside the circles
    assert panel.get_legend() is not None and first.get_legend() is None
    png(figure)


def test_circles_number_consistently_when_any_circle_needs_numbers():
    client = crowded_client(n=30, ring=1)
    client.add_session(2)
    client.rate(2, "p0", ring=3)
    figure = plot_circles(client, sessions=[1, 2])
    texts = [[t.get_text() for t in by_gid(ax, "label:").values()] for ax in figure.axes[:2]]
    assert all(t.isdigit() for panel in texts for t in panel)
    assert by_gid(figure.axes[2], "key:")


# --- network, quadrant ------------------------------------------------------------------------


def test_network_edges_encode_strength_and_type_and_positions_are_stable():
    client = small_client()
    positions = {}
    for session in (1, 3):
        ax = new_axes()
        plot_network(client.inventory(session), ax=ax)
        for pid, marker in by_gid(ax, "person:").items():
            positions.setdefault(pid, set()).add(tuple(np.round(marker.get_offsets()[0], 9)))
        if session == 1:
            edges = by_gid(ax, "edge:")
            ego = {k[len("ego:"):]: v for k, v in edges.items() if k.startswith("ego:")}
            # ring 1 is wider than ring 3; the colour is the person's type
            assert ego["p1"].get_linewidth() > ego["p5"].get_linewidth()
            assert to_rgba(ego["p5"].get_color()) == pytest.approx(
                to_rgba(TYPE_STYLES["aversive"].colour))
            assert to_rgba(edges["p1:p3"].get_color()) == pytest.approx(
                to_rgba(style.TIE_COLOURS["conflict"]))
    assert all(len(seen) == 1 for seen in positions.values())
    ax1, ax2 = new_axes(), new_axes()
    plot_network(client.inventory(1), ax=ax1, seed=3)
    plot_network(client.inventory(1), ax=ax2, seed=3)
    assert [m.get_offsets()[0].tolist() for m in by_gid(ax1, "person:").values()] == [
        m.get_offsets()[0].tolist() for m in by_gid(ax2, "person:").values()]


@pytest.mark.parametrize("threshold", [1.5, 2.5])
def test_quadrant_regions_sit_at_the_threshold(threshold):
    ax = new_axes()
    plot_quadrant(small_client(), ax=ax, threshold=threshold)
    assert list(by_gid(ax, "threshold:support")[""].get_xdata()) == [threshold, threshold]
    assert list(by_gid(ax, "threshold:conflict")[""].get_ydata()) == [threshold, threshold]
    regions = by_gid(ax, "region:")
    assert set(regions) == set(TYPE_STYLES)
    ambivalent = regions["ambivalent"]
    assert ambivalent.get_x() == threshold and ambivalent.get_y() == threshold
    assert to_rgba(ambivalent.get_facecolor())[:3] == pytest.approx(
        to_rgba(TYPE_STYLES["ambivalent"].colour)[:3])


def test_quadrant_dodges_shared_points_and_draws_paths():
    client = ig.Client("C-Q")
    for pid in ("p1", "p2", "p3"):
        client.add_person(pid, role="friend")
    client.add_session(1)
    client.add_session(2)
    for pid in ("p1", "p2", "p3"):  # all three on the same grid point
        client.rate(1, pid, ring=2, support=4, conflict=1)
    client.rate(2, "p1", conflict=3)
    client.rate(2, "p1", support=5)
    ax = new_axes()
    plot_quadrant(client, ax=ax)
    markers = by_gid(ax, "person:")
    points = [tuple(m.get_offsets()[0]) for m in markers.values()]
    assert len(set(points)) == 3  # dodged apart...
    for x, y in points[1:]:
        assert abs(x - 4) < 0.45 and abs(y - 1) < 0.45  # ...around their grid point
    assert tuple(markers["p1"].get_offsets()[0]) == pytest.approx((5, 3))
    paths = by_gid(ax, "path:")
    assert set(paths) == {"p1:0"} and "p1" in by_gid(ax, "start:")
    # from an inventory: that session only, no paths
    ax = new_axes()
    plot_quadrant(client.inventory(1), ax=ax)
    assert not by_gid(ax, "path:")


# --- outcomes, timeline, metrics ------------------------------------------------------------------


def test_outcome_chart_shows_bands_thresholds_phases_missed_sessions_and_item9():
    client = small_client()
    ax = new_axes()
    plot_outcomes(client, "phq9", ax=ax)
    score = by_gid(ax, "score")[""]
    assert list(score.get_xdata()) == [1, 3, 4] and list(score.get_ydata()) == [17, 12, 8]
    assert set(by_gid(ax, "band:")) == {b.name for b in vocab.INSTRUMENTS["phq9"].bands[
        "kroenke2001"]}
    assert list(by_gid(ax, "caseness")[""].get_ydata()) == [10, 10]
    band = by_gid(ax, "reliable_change")[""]  # ± 6 points around the start score
    assert band.get_y() == pytest.approx(11) and band.get_height() == pytest.approx(12)
    assert band.get_x() == 1
    assert set(by_gid(ax, "missed:")) == {"2"}
    assert set(by_gid(ax, "item9:")) == {"1"}  # item 9 = 1 at session 1; unknown at 3
    phases = {k.split(":")[0] for k in by_gid(ax, "phase:")}
    assert phases == {"initial", "middle", "termination"}
    assert ax.get_ylim()[0] <= 0 and ax.get_ylim()[1] >= 27
    ax = new_axes()
    plot_outcomes(client, "gad7", ax=ax)  # nothing recorded: drawn, and said so
    assert by_gid(ax, "empty")


def test_timeline_draws_events_onset_sessions_and_the_symptom_line():
    client = small_client()
    ax = new_axes()
    plot_timeline(client, ax=ax)
    events = by_gid(ax, "event:")
    import matplotlib.dates as mdates

    month = events["e1"]  # "2025-10": a bar across the whole month
    assert month.get_width() == pytest.approx(31)
    assert month.get_x() == pytest.approx(mdates.datestr2num("2025-10-01"))
    assert events["e2"].get_xdata()[0] == pytest.approx(mdates.datestr2num("2025-11-14"))
    assert "Mother (M.)" in by_gid(ax, "eventlabel:")["e1"].get_text()
    assert by_gid(ax, "onsetline")[""].get_xdata()[0] == pytest.approx(
        mdates.datestr2num("2025-11-01"))
    assert set(by_gid(ax, "session:")) == {"1", "2", "3", "4"}
    assert set(by_gid(ax, "missed:")) == {"2"}
    (strip,) = ax.child_axes
    assert list(by_gid(strip, "score")[""].get_ydata()) == [17, 12, 8]
    ax = new_axes()
    plot_timeline(client, ax=ax, redact=True)
    assert "Mother" not in by_gid(ax, "eventlabel:")["e1"].get_text()


def test_metric_trajectories_follow_the_metrics_table():
    client = small_client()
    ax = new_axes()
    plot_metrics(client, ["n_people", "support_mean"], ax=ax)
    table = client.metrics()
    lines = by_gid(ax, "metric:")
    assert set(lines) == {"n_people", "support_mean"}
    assert list(lines["n_people"].get_ydata()) == list(table["n_people"])
    assert set(by_gid(ax, "metriclabel:")) == {"n_people", "support_mean"}
    assert plot_metrics(client, ax=new_axes())  # the default selection
    with pytest.raises(NotFoundError, match="METRICS"):
        plot_metrics(client, ["n_friends"], ax=new_axes())


# --- degenerate records -----------------------------------------------------------------------


def _degenerate() -> dict[str, ig.Client]:
    empty = ig.Client("C-EMPTY")
    empty.add_person("p1", role="friend")  # in the record, never on the map
    empty.add_session(1)
    one = ig.Client("C-ONE")
    one.add_person("p1", label="Only (O.)", role="friend")
    one.add_session(1, date="2026-02-01", measures={"phq9": {"total": 11}})
    one.rate(1, "p1", ring=2, support=4, conflict=1)
    dead = ig.Client("C-DEAD")
    dead.add_session(1)
    dead.add_session(2, attended=False)
    for i, role in enumerate(("parent", "sibling", "friend")):
        dead.add_person(f"p{i}", role=role)
        dead.rate(1, f"p{i}", ring=1 + i, support=3, conflict=2, status="deceased")
    six = ig.Client("C-SIX", rings=6)
    six.add_session(1)
    six.add_session(2)
    for i in range(4):
        six.add_person(f"p{i}", role="friend")
        six.rate(1, f"p{i}", ring=6 - i, support=2, conflict=1)
    six.rate(2, "p0", ring=1)
    return {"nobody": empty, "one person, one session": one, "no ties": small_without_ties(),
            "all deceased": dead, "six rings": six}


def small_without_ties() -> ig.Client:
    client = ig.Client("C-NOTIES")
    client.add_session(1)
    for i in range(3):
        client.add_person(f"p{i}", role="colleague")
        client.rate(1, f"p{i}", ring=2, support=1, conflict=1)
    return client


@pytest.mark.parametrize("name", list(_degenerate()))
def test_degenerate_records_draw_cleanly(name):
    client = _degenerate()[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for plot_name, plot in _all_axes_level_plots(client).items():
            ax = new_axes()
            plot(ax)
            renderer = drawn(ax)
            # nothing drawn outside the figure: titles, tick labels, legends, labels
            x0, y0, x1, y1 = ax.get_tightbbox(renderer).extents
            box = ax.get_figure(root=True).bbox.extents
            assert x0 >= box[0] - 1 and y0 >= box[1] - 1, plot_name
            assert x1 <= box[2] + 1 and y1 <= box[3] + 1, plot_name
        png(plot_circles(client))


def test_every_bundled_example_draws_every_figure():
    datasets = pytest.importorskip("ipt_graph.datasets")
    names = datasets.example_names()
    if not names:
        pytest.skip("no bundled examples")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in names:
            client = datasets.load_example(name)
            ax = new_axes()
            plot_circle(client.inventory(), ax=ax)
            assert set(by_gid(ax, "label:")) == set(client.inventory().person_ids)
            png(plot_circles(client))


# --- seeded image comparisons ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["circle", "quadrant"])
def test_image_matches_the_baseline(name, tmp_path):
    """Two seeded pictures, compared with matplotlib's tolerance (its bundled DejaVu Sans
    and FreeType make them reproducible). IPT_GRAPH_UPDATE_BASELINE=1 rewrites them."""
    from matplotlib.testing.compare import compare_images

    ax = new_axes(figsize=(6.4, 4.2), dpi=60)
    client = small_client()
    if name == "circle":
        plot_circle(client.inventory(1), ax=ax)
    else:
        plot_quadrant(client, ax=ax)
    actual = tmp_path / f"{name}.png"
    ax.get_figure(root=True).savefig(actual)
    expected = BASELINE / f"{name}.png"
    if os.environ.get("IPT_GRAPH_UPDATE_BASELINE"):
        BASELINE.mkdir(exist_ok=True)
        expected.write_bytes(actual.read_bytes())
    assert compare_images(str(expected), str(actual), tol=8) is None


# --- user text, redaction, no sessions, one build -----------------------------------------------


def _dollar_client() -> ig.Client:
    client = ig.Client("C-DOLLAR", rings=3, ring_labels=["$x^2$", "cost $5", "$\\foo$"])
    client.add_person("p1", label="$\\foo$", role="partner")
    client.add_person("p2", label="$x^2$", role="friend")
    client.add_person("p3", label="cost $5 or $6", role="parent")
    client.add_session(1, date="2026-01-05")
    client.add_session(2, date="2026-01-12")
    client.rate(1, "p1", ring=1, support=4, conflict=5)
    client.rate(1, "p2", ring=2, support=5, conflict=1)
    client.rate(1, "p3", ring=3, support=2, conflict=2)
    client.rate(2, "p2", ring=1)
    client.add_event("e1", date="2025-11", kind="move", people=["p1", "p2"])
    return client


def test_dollar_signs_in_user_text_are_drawn_literally():
    client = _dollar_client()
    axes = []
    for plot in (lambda ax: plot_circle(client.inventory(1), ax=ax),
                 lambda ax: plot_quadrant(client, ax=ax),
                 lambda ax: plot_network(client.inventory(1), ax=ax),
                 lambda ax: plot_timeline(client, ax=ax)):
        ax = new_axes()
        plot(ax)
        axes.append(ax)
    figure = plot_circles(client, [1, 2])
    axes += figure.axes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", style.FontWarning)
        for ax in axes:
            png(ax.get_figure(root=True))  # "$\foo$" would raise ValueError in mathtext
    texts = {t.get_text(): t for ax in axes for t in ax.findobj(Text)
             if str(t.get_gid()).startswith(("label:", "ringlabel:", "eventlabel:"))}
    for typed in ("$\\foo$", "$x^2$", "cost $5 or $6", "cost $5"):
        assert typed in texts, typed
    for text in texts.values():
        assert text.get_parse_math() is False, text.get_text()
    for ax in axes[:4]:  # the titles too (a title may name the client)
        (title,) = [t for t in ax.findobj(Text) if t.get_text() == ax.get_title(loc="left")]
        assert title.get_parse_math() is False
    # drawn as typed, not as mathematics: as wide as the same text without the dollars' maths
    renderer = drawn(axes[0])
    label = by_gid(axes[0], "label:")["p2"]
    plain = Text(0, 0, "$x^2$", fontsize=label.get_fontsize(), parse_math=False)
    plain.set_figure(axes[0].get_figure(root=True))
    assert label.get_window_extent(renderer).width == pytest.approx(
        plain.get_window_extent(renderer).width, abs=1)


def test_redacted_circles_name_rings_by_the_defaults():
    from ipt_graph import notebook

    client = _dollar_client()
    default = list(vocab.default_ring_labels(3))
    ax = new_axes()
    plot_circle(client.inventory(1), ax=ax, redact=True)
    assert [t.get_text() for _, t in sorted(by_gid(ax, "ringlabel:").items())] == default
    figure = plot_circles(client, [1, 2], redact="role")
    for ax in figure.axes[:2]:
        assert [t.get_text() for _, t in sorted(by_gid(ax, "ringlabel:").items())] == default
    ax = new_axes()
    plot_circle(client.inventory(1), ax=ax)  # not redacted: the client's own
    assert [t.get_text() for _, t in sorted(by_gid(ax, "ringlabel:").items())] == list(
        client.ring_names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", style.FontWarning)
        page = notebook.client_html(client, redact=True)
    assert "cost $5" not in page and "x^2" not in page
    assert ", ".join(default) in page


def test_a_client_without_sessions_draws_an_empty_labelled_figure():
    client = ig.Client("C-NOSESSIONS")
    client.add_person("p1", role="friend")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = plot_circles(client)
        (ax,) = figure.axes
        assert by_gid(ax, "empty")[""].get_text() == "no sessions recorded"
        png(figure)
        ax = new_axes()
        plot_quadrant(client, ax=ax)
        assert by_gid(ax, "empty")[""].get_text() == "no sessions recorded"
        assert not by_gid(ax, "person:")
        assert "no sessions" in ax.get_title(loc="left")
        png(ax.get_figure(root=True))
    client.add_session(1)
    assert by_gid(plot_circles(client, sessions=[]).axes[0], "empty")
    with pytest.raises(ValueError, match="labels must be one of"):
        plot_circles(client, labels="some")


def test_circles_draw_each_circle_once_and_size_the_panel_for_the_key(monkeypatch):
    from ipt_graph.plotting import circles

    calls = []
    original = circles._ChangeDrawer.draw_marks
    monkeypatch.setattr(circles._ChangeDrawer, "draw_marks",
                        lambda self: (calls.append(self), original(self))[1])
    client = crowded_client(n=30, ring=1)  # numbers in the first circle, names in the second
    client.add_session(2)
    for i in range(1, 30):
        client.remove(2, f"p{i}")
    figure = plot_circles(client, sessions=[1, 2])
    assert len(calls) == 2  # one figure, each circle's marks drawn once
    first, second, panel = figure.axes
    assert all(t.get_text().isdigit() for ax in (first, second)
               for t in by_gid(ax, "label:").values())
    assert len(by_gid(figure.axes[2], "key:")) == 30
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.canvas.draw()
    box = figure.bbox.extents
    for text in by_gid(panel, "key").values():  # the key fits the widened figure
        x0, y0, x1, _ = text.get_window_extent(renderer).extents
        assert x0 >= box[0] - 0.5 and x1 <= box[2] + 0.5 and y0 >= box[1] - 0.5
    # the circles keep their size: 3.7 inches each
    for ax in (first, second):
        assert ax.get_position().width * figure.get_figwidth() == pytest.approx(3.7)


def test_timeline_wraps_a_long_role_transition():
    client = ig.Client("C-WRAP")
    client.add_session(1, date="2026-01-05")
    old, new = "full-time night-shift warehouse supervisor", "retired grandparent caring daily"
    client.add_problem_area("role_transition", primary=True, date="2025-12", old_role=old,
                            new_role=new)
    ax = new_axes(figsize=(7.1, 3.6))
    plot_timeline(client, ax=ax)
    text = by_gid(ax, "eventlabel:")["transition0"].get_text()
    lines = text.split("\n")
    assert len(lines) > 1 and all(len(line) <= 40 for line in lines)
    assert " ".join(lines) == f"role transition: {old} \u2192 {new}"


@pytest.mark.parametrize("right", [0.7, 0.5])
def test_quadrant_keeps_the_rating_scale_on_narrow_axes(right):
    figure = Figure(figsize=(7.1, 4.6), dpi=100)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(right=right)
    ax = figure.add_subplot()
    plot_quadrant(small_client(), ax=ax)
    drawn(ax)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert -3 < x0 < 0.5 and 6.5 < x1 < 9  # the square fills the axes: no collapse
    assert -3 < y0 < 0.5 and 6.5 < y1 < 12
    legend = ax.get_legend().get_window_extent(figure.canvas.get_renderer())
    assert legend.x0 >= ax.transData.transform((6.5, 0))[0]  # beside the square
