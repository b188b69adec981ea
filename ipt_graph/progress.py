"""Progress bars for long work: loading a cohort, computing its measures, batch reports.

:func:`progress` wraps an iterable in a `tqdm <https://tqdm.github.io>`_ bar: a widget in a
Jupyter notebook, a text bar on a terminal. It shows only where someone is watching: when
standard error is a terminal or the code runs in a Jupyter kernel. Scripts, cron jobs, CI
and pipes stay quiet. Whether a bar shows is decided, in order, by

1. the ``enabled`` argument, when given (functions that take ``progress=`` pass it on);
2. the environment variable ``IPT_GRAPH_PROGRESS``: ``1`` forces bars on, ``0`` off;
3. otherwise: on in a Jupyter kernel or when the stream is a terminal, off elsewhere
   (an empty ``IPT_GRAPH_PROGRESS`` counts as unset).

Bars show counts only (``12/40 clients``), never a client code, file name or label.
tqdm comes with the ``notebook`` extra; without it :func:`progress` returns a silent
stand-in with the same interface.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

__all__ = ["ENV_VAR", "progress", "progress_enabled"]

#: The environment variable that forces progress bars on (``1``) or off (``0``).
ENV_VAR = "IPT_GRAPH_PROGRESS"
_ON = frozenset({"1", "true", "yes", "on"})
_OFF = frozenset({"0", "false", "no", "off"})


def _in_kernel() -> bool:
    """Whether this code runs in a Jupyter (IPython) kernel, not a terminal IPython."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed or not a real stream
        return False


def progress_enabled(enabled: bool | None = None, file: TextIO | None = None) -> bool:
    """Whether a progress bar would show: see the module docstring for the order of rules.

    Parameters
    ----------
    enabled : bool, optional
        An explicit choice, which wins.
    file : text stream, optional
        The stream the bar would write to (default: standard error).

    Raises
    ------
    ValueError
        ``IPT_GRAPH_PROGRESS`` is set to something other than 0 or 1.

    Examples
    --------
    >>> import io
    >>> progress_enabled(True), progress_enabled(False)
    (True, False)
    """
    if enabled is not None:
        return bool(enabled)
    forced = os.environ.get(ENV_VAR, "")
    if forced.strip():  # set and not empty
        value = forced.strip().lower()
        if value in _ON:
            return True
        if value in _OFF:
            return False
        raise ValueError(f"{ENV_VAR} must be 0 (no progress bars) or 1 (always), "
                         f"got {forced!r}")
    return _in_kernel() or _is_tty(sys.stderr if file is None else file)


class _Silent:
    """What :func:`progress` returns when no bar shows and tqdm is missing: same interface."""

    def __init__(self, iterable: Iterable[Any] | None, total: int | None):
        self.iterable = iterable
        self.total = total
        self.n = 0
        self.disable = True

    def __iter__(self) -> Iterator[Any]:
        for item in self.iterable if self.iterable is not None else ():
            self.n += 1
            yield item

    def __len__(self) -> int:
        if self.total is not None:
            return self.total
        return len(self.iterable)  # type: ignore[arg-type]

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
        pass

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass


def progress(iterable: Iterable[Any] | None = None, total: int | None = None,
             desc: str | None = None, enabled: bool | None = None, *,
             unit: str = "it", file: TextIO | None = None, leave: bool = True,
             **kwargs: Any) -> Any:
    """Wrap ``iterable`` in a progress bar that shows only where someone is watching.

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate over. Leave it out to update the bar by hand (``bar.update(n)``),
        using it as a context manager.
    total : int, optional
        The number of items, when ``len(iterable)`` does not give it.
    desc : str, optional
        A short description shown before the bar (``"clients"``, ``"measures"``). Give
        counts and kinds of work only, never a client code, file name or label.
    enabled : bool, optional
        Force the bar on or off; by default see :func:`progress_enabled`.
    unit : str
        What one item is (``"client"``), shown in the bar.
    file : text stream, optional
        Where a terminal bar writes (default: standard error).
    leave : bool
        Keep the finished bar on screen.
    **kwargs
        Passed to tqdm (``mininterval``, ``delay``...).

    Returns
    -------
    tqdm.tqdm
        Iterate over it as over ``iterable``. In a Jupyter kernel it is a notebook widget
        (``tqdm.notebook``), elsewhere a text bar; when disabled, a silent bar with the same
        interface (tqdm's own ``disable=True``), so callers never branch.

    Examples
    --------
    >>> [n * n for n in progress(range(4), desc="squares", enabled=False)]
    [0, 1, 4, 9]
    >>> with progress(total=3, enabled=False) as bar:
    ...     bar.update(3)
    """
    show = progress_enabled(enabled, file)
    try:
        from tqdm.std import tqdm as text_bar
    except ImportError:  # the notebook extra is not installed
        return _Silent(iterable, total)
    options = dict(total=total, desc=desc, unit=unit, leave=leave, **kwargs)
    if not show:
        return text_bar(iterable, disable=True, **options)
    if file is None and _in_kernel():
        try:
            from tqdm.notebook import tqdm as notebook_bar

            return notebook_bar(iterable, **options)
        except ImportError:  # ipywidgets missing: a text bar still works in a notebook
            pass
    return text_bar(iterable, file=sys.stderr if file is None else file, **options)
