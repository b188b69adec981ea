"""The public surface is pinned: a change to it is a decision, not an accident."""

import ipt_graph as ig

EXPECTED = [
    "METRICS",
    "CaseFileError",
    "Change",
    "Client",
    "Cohort",
    "Deidentified",
    "FieldClass",
    "Instrument",
    "Inventory",
    "IptGraphError",
    "KAnonymityReport",
    "LifeEvent",
    "Measure",
    "NotFoundError",
    "Person",
    "Problem",
    "ProblemArea",
    "Rating",
    "Removal",
    "SaveError",
    "Session",
    "Tie",
    "ValidationError",
    "VersionError",
    "__version__",
    "compare",
    "deidentify",
    "edit",
    "field_class",
    "k_anonymity",
    "load",
    "new_key_file",
    "notebook",
    "plot_circle",
    "plot_circles",
    "plot_cohort_trajectories",
    "plot_jacobson",
    "plot_metrics",
    "plot_network",
    "plot_outcomes",
    "plot_quadrant",
    "plot_timeline",
    "privacy",
    "read_egor",
    "read_excel",
    "read_graphml",
    "read_network_canvas",
    "save",
    "write_egor",
    "write_graphml",
    "write_report",
    "write_reports",
    "write_template",
]


def test_all_is_pinned_and_sorted():
    assert ig.__all__ == EXPECTED
    assert ig.__all__ == sorted(ig.__all__, key=lambda name: (not name.isupper(), name))


def test_every_public_name_exists():
    for name in ig.__all__:
        assert hasattr(ig, name), name


def test_errors_subclass_the_matching_builtins():
    assert issubclass(ig.ValidationError, ValueError)
    assert issubclass(ig.CaseFileError, ValueError)
    assert issubclass(ig.VersionError, ig.CaseFileError)
    assert issubclass(ig.NotFoundError, LookupError)
    assert issubclass(ig.SaveError, OSError)
    for error in (ig.ValidationError, ig.CaseFileError, ig.NotFoundError, ig.SaveError):
        assert issubclass(error, ig.IptGraphError)


def test_computing_modules_do_not_import_matplotlib():
    import subprocess
    import sys

    code = ("import sys, ipt_graph as ig, ipt_graph.metrics, ipt_graph.inventory; "
            "print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
