"""Cohort figures, tested by reading the drawn artists back (STYLE.md, from seaborn's tests).

plot_jacobson: Jacobson & Truax (1991) - one point per client with two or more scores, the
line of no change, the band of no reliable change at ±threshold around it, the caseness
cut-off on both axes, the clinically significant cut-off c from norms, one colour and shape
per outcome category (DOMAIN.md §6). plot_cohort_trajectories: the mean per session with a
t-based or seeded bootstrap band.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.markers import MarkerStyle
from scipy import stats

import ipt_graph as ig
from ipt_graph.cohort import Cohort
from ipt_graph.datasets import synthetic_cohort
from ipt_graph.errors import NotFoundError
from ipt_graph.outcomes import clinical_cutoffs
from ipt_graph.plotting import plot_cohort_trajectories, plot_jacobson
from ipt_graph.plotting.cohort import OUTCOME_STYLES, PROBLEM_AREA_COLOURS


@pytest.fixture(scope="module")
def cohort():
    return Cohort.from_clients(synthetic_cohort(80, seed=11))


@pytest.fixture(scope="module")
def outcomes(cohort):
    return cohort.outcomes()


def _ax():
    return Figure(figsize=(7, 5)).add_subplot()


def _by_gid(ax, gid):
    found = [a for a in [*ax.collections, *ax.lines, *ax.patches, *ax.texts]
             if a.get_gid() == gid]
    assert len(found) == 1, (gid, len(found))
    return found[0]


def _marker_path(marker):
    style = MarkerStyle(marker)
    return style.get_path().transformed(style.get_transform()).vertices


# --- Jacobson & Truax ---------------------------------------------------------------------------


def test_one_point_per_client_with_two_scores_in_its_category(cohort, outcomes):
    ax = _ax()
    assert plot_jacobson(cohort, "phq9", ax=ax) is ax
    judged = outcomes[outcomes["phq9_n_sessions"] >= 2]
    total = 0
    for name, entry in OUTCOME_STYLES.items():
        points = _by_gid(ax, f"jacobson:{name}")
        expected = judged[judged["phq9_category"] == name]
        offsets = np.asarray(points.get_offsets())
        assert sorted(map(tuple, offsets.tolist())) == sorted(zip(
            expected["phq9_first_score"], expected["phq9_last_score"], strict=True))
        total += len(offsets)
        if len(offsets):
            assert to_rgb(points.get_facecolors()[0]) == pytest.approx(to_rgb(entry.colour))
        np.testing.assert_allclose(points.get_paths()[0].vertices, _marker_path(entry.marker))
    assert total == len(judged) > 50
    # colours and shapes are all different: the categories survive greyscale and CVD
    assert len({e.colour for e in OUTCOME_STYLES.values()}) == len(OUTCOME_STYLES)
    assert len({e.marker for e in OUTCOME_STYLES.values()}) == len(OUTCOME_STYLES)


def test_band_identity_and_caseness_lines(cohort):
    ax = plot_jacobson(cohort, "phq9", ax=_ax())
    band = _by_gid(ax, "reliable_change")
    vertices = np.concatenate([path.vertices for path in band.get_paths()])
    np.testing.assert_allclose(np.abs(vertices[:, 1] - vertices[:, 0]), 6.0)  # PHQ-9: 6 points
    assert {round(v, 9) for v in vertices[:, 1] - vertices[:, 0]} == {-6.0, 6.0}
    identity = _by_gid(ax, "identity")
    np.testing.assert_allclose(identity.get_xdata(), identity.get_ydata())
    assert list(_by_gid(ax, "caseness:start").get_xdata()) == [10, 10]
    assert list(_by_gid(ax, "caseness:end").get_ydata()) == [10, 10]
    assert not [a for a in ax.lines if str(a.get_gid()).startswith("cutoff_c")]
    assert ax.get_xlim() == ax.get_ylim()
    assert "first session" in ax.get_xlabel() and "last session" in ax.get_ylabel()


def test_legend_counts_every_category(cohort, outcomes):
    ax = plot_jacobson(cohort, ax=_ax())
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    judged = outcomes[outcomes["phq9_n_sessions"] >= 2]
    for name, entry in OUTCOME_STYLES.items():
        count = int((judged["phq9_category"] == name).sum())
        assert f"{entry.title} (n = {count})" in texts
    assert any(t.startswith("no reliable change") and "\u00b16 points" in t for t in texts)
    assert "caseness (\u2265 10)" in texts
    assert ax.get_legend().get_title().get_text() == f"{len(judged)} clients (\u2265 2 scores)"


def test_jacobson_truax_norms_set_the_band_and_the_categories(cohort):
    sd, r = 4.0, 0.9  # S_diff = sqrt(2) * 4 * sqrt(0.1) = 1.789; band 1.96 * that = 3.506
    ax = plot_jacobson(cohort, ax=_ax(), norms=(sd, r))
    band = _by_gid(ax, "reliable_change")
    vertices = np.concatenate([path.vertices for path in band.get_paths()])
    width = 1.96 * math.sqrt(2) * sd * math.sqrt(1 - r)
    np.testing.assert_allclose(np.abs(vertices[:, 1] - vertices[:, 0]), width)
    expected = cohort.outcomes(["phq9"], norms={"phq9": (sd, r)})
    improved = expected[expected["phq9_category"] == "improved"]
    assert len(_by_gid(ax, "jacobson:improved").get_offsets()) == len(improved)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("Jacobson & Truax" in t for t in texts)


def test_clinically_significant_cut_off_c(cohort):
    ax = plot_jacobson(cohort, ax=_ax(), clinical=(17.0, 5.0), functional=(4.0, 4.0))
    c = clinical_cutoffs(17.0, 5.0, 4.0, 4.0)["c"]  # (5*4 + 4*17) / 9 = 9.778
    assert c == pytest.approx(88 / 9)
    assert list(_by_gid(ax, "cutoff_c:start").get_xdata()) == pytest.approx([c, c])
    assert list(_by_gid(ax, "cutoff_c:end").get_ydata()) == pytest.approx([c, c])
    with pytest.raises(ValueError, match="give both clinical"):
        plot_jacobson(cohort, ax=_ax(), clinical=(17.0, 5.0))


def test_a_change_frame_draws_the_same_as_the_cohort(cohort):
    from_cohort = plot_jacobson(cohort, "gad7", ax=_ax())
    from_frame = plot_jacobson(cohort.change(), "gad7", ax=_ax())
    for name in OUTCOME_STYLES:
        np.testing.assert_array_equal(
            _by_gid(from_cohort, f"jacobson:{name}").get_offsets(),
            _by_gid(from_frame, f"jacobson:{name}").get_offsets())
    assert list(_by_gid(from_frame, "caseness:end").get_ydata()) == [8, 8]  # GAD-7 >= 8
    with pytest.raises(NotFoundError, match="phq9_first_score"):
        plot_jacobson(pd.DataFrame({"client_id": ["C-1"]}), ax=_ax())


def test_instruments_without_a_threshold_need_norms(cohort):
    with pytest.raises(ValueError, match="norms=\\(sd, reliability\\)"):
        plot_jacobson(cohort, "bdi2", ax=_ax())


def test_jitter_moves_points_but_not_their_category(cohort):
    plain = plot_jacobson(cohort, ax=_ax())
    jittered = plot_jacobson(cohort, ax=_ax(), jitter=0.3, seed=1)
    for name in OUTCOME_STYLES:
        a = np.asarray(_by_gid(plain, f"jacobson:{name}").get_offsets())
        b = np.asarray(_by_gid(jittered, f"jacobson:{name}").get_offsets())
        assert a.shape == b.shape
        if len(a):
            assert np.abs(a - b).max() <= 0.3 and not np.array_equal(a, b)


def test_without_ax_the_current_axes_is_used(cohort):
    import matplotlib.pyplot as plt

    figure = plt.figure()
    assert cohort.plot_jacobson() is figure.gca()
    assert cohort.plot_trajectories(names=["n_people"]) is figure.gca()


def test_kwargs_reach_the_points(cohort):
    ax = plot_jacobson(cohort, ax=_ax(), s=5)
    assert list(_by_gid(ax, "jacobson:unchanged").get_sizes()) == [5]


# --- trajectories -----------------------------------------------------------------------------


def test_means_per_session_and_a_t_band(cohort):
    ax = _ax()
    assert plot_cohort_trajectories(cohort, ["n_people", "support_mean"], ax=ax) is ax
    metrics = cohort.metrics()
    for name in ("n_people", "support_mean"):
        line = _by_gid(ax, f"mean:{name}")
        grouped = metrics.groupby("session")[name]
        expected = grouped.mean().dropna()
        np.testing.assert_allclose(line.get_xdata(), expected.index.to_numpy(float))
        np.testing.assert_allclose(line.get_ydata(), expected.to_numpy())
        # the band at session 1: mean ± t(0.975, n - 1) * sd / sqrt(n)
        values = metrics.loc[metrics["session"] == 1, name].dropna().to_numpy(float)
        half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
        band = _by_gid(ax, f"ci:{name}")
        vertices = np.concatenate([path.vertices for path in band.get_paths()])
        at_one = vertices[vertices[:, 0] == 1.0][:, 1]
        assert at_one.min() == pytest.approx(values.mean() - half)
        assert at_one.max() == pytest.approx(values.mean() + half)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == f"1\n{metrics.loc[metrics['session'] == 1, 'client_id'].nunique()}"


def test_a_session_with_one_client_has_a_mean_and_no_band():
    clients = synthetic_cohort(6, seed=2)
    lone = ig.Client("C-LONE")
    lone.add_person("p1", role="friend")
    for number in range(1, 31):  # only this client reaches sessions 17-30
        lone.add_session(number)
    lone.rate(1, "p1", ring=1, support=3, conflict=2)
    ax = plot_cohort_trajectories(Cohort.from_clients([*clients, lone]), ["n_people"],
                                  ax=_ax())
    assert 30 in _by_gid(ax, "mean:n_people").get_xdata()
    band = _by_gid(ax, "ci:n_people")
    xs = np.concatenate([path.vertices[:, 0] for path in band.get_paths()])
    assert xs.max() <= 16 and 1 in xs


def test_by_problem_area_draws_one_line_per_area(cohort):
    ax = plot_cohort_trajectories(cohort, ["support_mean"], by="problem_area", ax=_ax())
    metrics = cohort.metrics().merge(cohort.tables["clients"][["client_id",
                                                              "primary_problem_area"]])
    areas = metrics["primary_problem_area"].astype("string").fillna("none")
    drawn = {str(line.get_gid()) for line in ax.lines
             if str(line.get_gid()).startswith("mean:")}
    assert drawn == {f"mean:support_mean:{area}" for area in set(areas)}
    assert len(drawn) >= 4
    for area in set(areas):
        line = _by_gid(ax, f"mean:support_mean:{area}")
        assert to_rgb(line.get_color()) == pytest.approx(to_rgb(PROBLEM_AREA_COLOURS[area]))
        expected = metrics[areas == area].groupby("session")["support_mean"].mean().dropna()
        np.testing.assert_allclose(line.get_ydata(), expected.to_numpy())
        _by_gid(ax, f"ci:support_mean:{area}")


def test_bootstrap_band_is_seeded(cohort):
    def band(seed):
        ax = plot_cohort_trajectories(cohort, ["n_people"], method="bootstrap", n_boot=200,
                                      seed=seed, ax=_ax())
        return np.concatenate([p.vertices for p in _by_gid(ax, "ci:n_people").get_paths()])

    first, again, other = band(3), band(3), band(4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    metrics = cohort.metrics()
    values = metrics.loc[metrics["session"] == 1, "n_people"].to_numpy(float)
    at_one = first[first[:, 0] == 1.0][:, 1]
    assert at_one.min() < values.mean() < at_one.max()  # a percentile interval of means


def test_no_band_and_bad_arguments(cohort):
    ax = plot_cohort_trajectories(cohort, ["n_people"], ci=None, ax=_ax())
    assert not [c for c in ax.collections if str(c.get_gid()).startswith("ci:")]
    with pytest.raises(NotFoundError, match="names must be measures of METRICS"):
        plot_cohort_trajectories(cohort, ["n_friends"], ax=_ax())
    with pytest.raises(ValueError, match="by must be None or 'problem_area'"):
        plot_cohort_trajectories(cohort, by="sector", ax=_ax())
    with pytest.raises(ValueError, match="ci must be between 0 and 1"):
        plot_cohort_trajectories(cohort, ci=95, ax=_ax())
    with pytest.raises(ValueError, match="method must be"):
        plot_cohort_trajectories(cohort, method="normal", ax=_ax())


def test_a_metrics_frame_draws_the_same(cohort):
    a = plot_cohort_trajectories(cohort, ["n_people"], ax=_ax())
    b = plot_cohort_trajectories(cohort.metrics(), ["n_people"], ax=_ax())
    np.testing.assert_array_equal(_by_gid(a, "mean:n_people").get_ydata(),
                                  _by_gid(b, "mean:n_people").get_ydata())
    with pytest.raises(NotFoundError, match="primary_problem_area"):
        plot_cohort_trajectories(cohort.metrics(), by="problem_area", ax=_ax())


# --- surface ------------------------------------------------------------------------------------


def test_cohort_methods_draw_and_computing_never_imports_matplotlib(cohort):
    ax = _ax()
    assert cohort.plot_jacobson("phq9", ax=ax) is ax
    ax = _ax()
    assert cohort.plot_trajectories(["n_people"], ax=ax, by="problem_area") is ax
    code = ("import sys, ipt_graph, ipt_graph.cohort as c; "
            "from ipt_graph.datasets import synthetic_cohort; "
            "c.Cohort.from_clients(synthetic_cohort(3, seed=1)).change(); "
            "assert 'matplotlib' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
