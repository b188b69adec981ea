"""Progress bars (issue 8, part 5): shown where someone watches, quiet elsewhere."""

from __future__ import annotations

import io

import pytest
from tqdm.std import tqdm as text_bar

from ipt_graph import progress as progress_module
from ipt_graph.progress import ENV_VAR, progress, progress_enabled


class FakeTTY(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(progress_module, "_in_kernel", lambda: False)


def test_bar_shows_on_a_terminal():
    stream = FakeTTY()
    items = list(progress(range(3), desc="clients", unit="client", file=stream))
    assert items == [0, 1, 2]
    shown = stream.getvalue()
    assert "clients" in shown and "3/3" in shown


def test_quiet_when_not_interactive():
    stream = io.StringIO()  # a pipe or a log file
    assert list(progress(range(3), desc="clients", file=stream)) == [0, 1, 2]
    assert stream.getvalue() == ""
    assert progress_enabled(file=stream) is False


def test_quiet_by_default_under_pytest(capsys):
    # pytest captures standard error: not a terminal, so no bar by default
    assert list(progress(["a", "b"], desc="reports")) == ["a", "b"]
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("0", False), ("true", True),
                                                 ("off", False)])
def test_environment_variable_forces(monkeypatch, value, expected):
    monkeypatch.setenv(ENV_VAR, value)
    assert progress_enabled(file=io.StringIO()) is expected
    assert progress_enabled(file=FakeTTY()) is expected


def test_environment_forces_a_bar_into_a_pipe(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "1")
    stream = io.StringIO()
    list(progress(range(2), desc="measures", file=stream))
    assert "2/2" in stream.getvalue()


def test_environment_silences_a_terminal(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "0")
    stream = FakeTTY()
    list(progress(range(2), file=stream))
    assert stream.getvalue() == ""


def test_empty_environment_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "")
    assert progress_enabled(file=FakeTTY()) is True
    assert progress_enabled(file=io.StringIO()) is False


def test_bad_environment_value_is_an_error(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "maybe")
    with pytest.raises(ValueError, match=f"{ENV_VAR} must be 0"):
        progress_enabled()


def test_explicit_argument_wins(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "0")
    stream = io.StringIO()
    list(progress(range(2), file=stream, enabled=True))
    assert "2/2" in stream.getvalue()
    tty = FakeTTY()
    list(progress(range(2), file=tty, enabled=False))
    assert tty.getvalue() == ""


def test_jupyter_kernel_enables_a_notebook_bar(monkeypatch):
    monkeypatch.setattr(progress_module, "_in_kernel", lambda: True)
    assert progress_enabled(file=io.StringIO()) is True
    from tqdm.notebook import tqdm as notebook_bar

    bar = progress(range(2), desc="clients", leave=False)
    try:
        assert isinstance(bar, notebook_bar)
        assert list(bar) == [0, 1]
    finally:
        bar.close()


def test_manual_updates_and_disabled_bar_share_an_interface():
    stream = FakeTTY()
    with progress(total=5, desc="parts", file=stream) as bar:
        bar.update(2)
        bar.update(3)
    assert "5/5" in stream.getvalue()
    with progress(total=5, enabled=False) as bar:
        bar.update(5)
    assert isinstance(bar, text_bar) and bar.disable


def test_without_tqdm_a_silent_stand_in(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    bar = progress(range(3), enabled=True)
    assert list(bar) == [0, 1, 2] and len(bar) == 3 and bar.n == 3
    with progress(total=4) as manual:
        manual.update(4)
    assert manual.n == 4


def test_in_kernel_detection_outside_a_kernel(monkeypatch):
    monkeypatch.undo()
    assert progress_module._in_kernel() is False
