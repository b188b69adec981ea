"""Symptom and social instruments: bands, reliable change, response, remission, categories.

The published facts of each instrument (range, items, direction, caseness, reliable-change
threshold, bands, subscales, remission) live once in :data:`ipt_graph.vocab.INSTRUMENTS`; this
module turns them into :class:`Instrument` objects and computes with them (DOMAIN.md §6).

There is no global registry to change. :func:`registry` returns the built-in instruments,
plus any user-defined :class:`Instrument` given to it, as a new dict; every function that
looks an instrument up by name takes an ``instruments=`` mapping (default: the built-ins),
and every function also accepts an :class:`Instrument` directly.

Conventions, the same in every function:

* **Direction.** ``higher_is_better`` is False for symptom scales (PHQ-9, GAD-7, HAM-D17,
  BDI-II) and True for MSPSS and RSES. An *improvement* is a fall on the first kind, a rise on
  the second.
* **Caseness.** On a lower-is-better scale a score is at caseness when it is *at or above* the
  cut-off (PHQ-9 >= 10, GAD-7 >= 8: NHS Talking Therapies); on a higher-is-better scale, the
  mirror: *at or below* the cut-off.
* **Start and end.** In client tables "start" is the first session at which the instrument was
  recorded and "end" the last one (DOMAIN.md §6); the columns ``start_session`` and
  ``end_session`` say which sessions those were.
* **PHQ-9 item 9** (thoughts of self-harm) is flagged at every session where its value is above
  0 (:func:`item9_flags`), and every client table carries the flag.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import vocab
from .errors import NotFoundError
from .vocab import Band, InstrumentSpec

if TYPE_CHECKING:
    from .model import Client, Measure

__all__ = [
    "JT_CRITICAL",
    "OUTCOME_COLUMNS",
    "Direction",
    "Instrument",
    "OutcomeCategory",
    "ReliableChange",
    "band",
    "client_outcomes",
    "clinical_cutoffs",
    "get_instrument",
    "item9_flags",
    "joint_recovery",
    "measures_table",
    "outcome_category",
    "registry",
    "reliable_change",
    "reliable_change_index",
    "remission",
    "response",
    "subscale_scores",
]

#: |RC| above this is reliable change at p < .05, two-sided (Jacobson & Truax 1991).
JT_CRITICAL = 1.96

#: Instrument names are safe column names for R and Stata (DESIGN.md §6), as in the case file.
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class OutcomeCategory(StrEnum):
    """Outcome of a client between a start and an end score (DOMAIN.md §6)."""

    recovered = "recovered"
    improved = "improved"
    deteriorated = "deteriorated"
    unchanged = "unchanged"
    not_at_caseness = "not_at_caseness"


class Direction(StrEnum):
    """Direction of a reliable change, in the instrument's own sense of better and worse."""

    improved = "improved"
    worsened = "worsened"
    none = "none"


# --- Instruments --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instrument:
    """A symptom or social measure: its range, direction, cut-offs, bands and subscales.

    The built-in instruments come from :data:`ipt_graph.vocab.INSTRUMENTS` through
    :func:`registry`; define your own with the constructor and pass it to the functions of
    this module directly, or in an ``instruments=`` mapping built by ``registry(mine)``.

    Parameters
    ----------
    name : str
        Lowercase token, a safe column name (``"phq9"``, ``"wellbeing"``).
    range : (float, float)
        Lowest and highest possible total.
    title : str, optional
        Display name (``"PHQ-9"``); defaults to ``name``.
    items : int
        Number of items whose values may be stored (0: totals only).
    item_range : (int, int), optional
        Lowest and highest item value.
    scoring : {"sum", "mean"}
        How the total is scored from the items.
    higher_is_better : bool
        True when a higher score is the better state (support, self-esteem).
    caseness : float, optional
        Clinical cut-off: at caseness at or above it (lower is better), at or below it
        (higher is better).
    reliable_change : float, optional
        Published reliable-change threshold in points: a change at least this large is
        reliable.
    remission : float, optional
        Remission cut-off: remission below it (lower is better) or above it (higher is
        better); ``remission_inclusive=True`` makes that "at or below" ("at or above").
    bands : mapping of banding name to a sequence of :class:`~ipt_graph.vocab.Band` or
        ``(name, low, high)`` tuples, half-open ``low <= score < high``.
    default_banding : str, optional
        The banding used when none is named; defaults to the first one.
    subscales : mapping of subscale name to its item numbers (1-based).
    source : str
        Where the numbers come from.

    Examples
    --------
    >>> wellbeing = Instrument("wellbeing", range=(0, 40), higher_is_better=True,
    ...                        caseness=20, reliable_change=5)
    >>> wellbeing.at_caseness(20), wellbeing.at_caseness(21)
    (True, False)
    """

    name: str
    _: KW_ONLY
    range: tuple[float, float]
    title: str = ""
    items: int = 0
    item_range: tuple[int, int] | None = None
    scoring: str = "sum"
    higher_is_better: bool = False
    caseness: float | None = None
    reliable_change: float | None = None
    remission: float | None = None
    remission_inclusive: bool = False
    bands: Mapping[str, Sequence[Band]] = field(default_factory=dict)
    default_banding: str | None = None
    subscales: Mapping[str, Sequence[int]] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        def fix(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError("name must be a lowercase token of letters, digits and _ "
                             f"starting with a letter (e.g. 'phq9'), got {self.name!r}")
        low, high = (float(v) for v in self.range)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"range must be (low, high) with low < high, got {self.range!r} "
                             f"(instrument {self.name})")
        fix("range", (low, high))
        fix("title", self.title or self.name)
        if self.scoring not in ("sum", "mean"):
            raise ValueError(f"scoring must be 'sum' or 'mean', got {self.scoring!r} "
                             f"(instrument {self.name})")
        for cut in ("caseness", "remission"):
            value = getattr(self, cut)
            if value is not None and not low <= value <= high:
                raise ValueError(f"{cut} must be within the range {low:g}..{high:g}, got "
                                 f"{value:g} (instrument {self.name})")
        if self.reliable_change is not None and not self.reliable_change > 0:
            raise ValueError(f"reliable_change must be a positive number of points, got "
                             f"{self.reliable_change:g} (instrument {self.name})")
        bands = {}
        for banding, entries in self.bands.items():
            converted = tuple(b if isinstance(b, Band) else Band(*b) for b in entries)
            if not converted:
                raise ValueError(f"banding {banding!r} of instrument {self.name} has no bands")
            bands[banding] = converted
        fix("bands", MappingProxyType(bands))
        if self.default_banding is None:
            fix("default_banding", next(iter(bands), None))
        elif self.default_banding not in bands:
            raise ValueError(f"default_banding must be one of {sorted(bands)}, got "
                             f"{self.default_banding!r} (instrument {self.name})")
        subscales = {}
        for subscale, numbers in self.subscales.items():
            numbers = tuple(numbers)
            bad = [n for n in numbers if not 1 <= n <= self.items]
            if bad or not numbers:
                raise ValueError(f"subscale {subscale!r} must list item numbers 1..{self.items}"
                                 f", got {numbers!r} (instrument {self.name})")
            subscales[subscale] = numbers
        fix("subscales", MappingProxyType(subscales))

    @classmethod
    def from_spec(cls, spec: InstrumentSpec) -> Instrument:
        """The instrument described by a :class:`~ipt_graph.vocab.InstrumentSpec`."""
        return cls(
            spec.name, range=(spec.total_min, spec.total_max), title=spec.title,
            items=spec.items,
            item_range=(spec.item_min, spec.item_max) if spec.items else None,
            scoring=spec.scoring, higher_is_better=spec.higher_is_better,
            caseness=spec.caseness, reliable_change=spec.reliable_change,
            remission=spec.remission, remission_inclusive=spec.remission_inclusive,
            bands=spec.bands, subscales=spec.subscales, source=spec.source,
        )

    def __repr__(self) -> str:
        return f"Instrument({self.name!r}, range={self.range!r})"

    # --- facts of one score ---------------------------------------------------------------

    def check(self, score: float, what: str = "score") -> float:
        """``score`` as a float, or a ValueError when it is outside the instrument's range."""
        value = float(score)
        low, high = self.range
        if not low <= value <= high:
            raise ValueError(f"{what} must be {low:g}..{high:g} for {self.title}, "
                             f"got {value:g}")
        return value

    def at_caseness(self, score: float) -> bool | None:
        """Whether ``score`` is at caseness: at or above the cut-off when lower is better,
        at or below it when higher is better. None when the instrument has no cut-off."""
        if self.caseness is None:
            return None
        score = self.check(score)
        return score <= self.caseness if self.higher_is_better else score >= self.caseness

    def improvement(self, start: float, end: float) -> float:
        """Points of improvement from ``start`` to ``end``: positive means better."""
        change = self.check(end, "end score") - self.check(start, "start score")
        return change if self.higher_is_better else -change

    def score_items(self, items: Sequence[float]) -> float:
        """The total of the item values, as the instrument scores it (sum or mean)."""
        if not items:
            raise ValueError(f"no item values to score for {self.title}")
        total = float(sum(items))
        return total / len(items) if self.scoring == "mean" else total


_BUILT_IN: Mapping[str, Instrument] = MappingProxyType(
    {name: Instrument.from_spec(spec) for name, spec in vocab.INSTRUMENTS.items()}
)


def registry(*extra: Instrument) -> dict[str, Instrument]:
    """The built-in instruments, plus ``extra`` user-defined ones, as a new dict.

    An extra instrument with a built-in's name replaces it in the returned dict only (for
    instance a PHQ-9 with a locally validated reliable-change threshold). Nothing global
    changes.

    Examples
    --------
    >>> sorted(registry())
    ['bdi2', 'gad7', 'hamd17', 'mspss', 'phq9', 'rses']
    >>> "wellbeing" in registry(Instrument("wellbeing", range=(0, 40)))
    True
    """
    instruments = dict(_BUILT_IN)
    for instrument in extra:
        if not isinstance(instrument, Instrument):
            raise TypeError(f"registry() takes Instrument objects, got "
                            f"{type(instrument).__name__}")
        instruments[instrument.name] = instrument
    return instruments


def get_instrument(instrument: str | Instrument,
                   instruments: Mapping[str, Instrument] | None = None) -> Instrument:
    """The instrument of this name in ``instruments`` (default: the built-ins).

    An :class:`Instrument` passed in is returned as it is.

    Raises
    ------
    NotFoundError
        When the name is not in ``instruments``; the message lists the names that are.
    """
    if isinstance(instrument, Instrument):
        return instrument
    table = _BUILT_IN if instruments is None else instruments
    if instrument in table:
        return table[instrument]
    raise NotFoundError(f"instrument must be one of {', '.join(sorted(table))}, got "
                        f"{instrument!r} (define it with Instrument(...) and pass it in)")


# --- One score, two scores ----------------------------------------------------------------------


def band(score: float, instrument: str | Instrument, banding: str | None = None, *,
         instruments: Mapping[str, Instrument] | None = None) -> str | None:
    """The name of the band a score falls in.

    Parameters
    ----------
    score : float
    instrument : str or Instrument
    banding : str, optional
        Which banding (HAM-D17 has ``"default"`` and ``"zimmerman2013"``); default: the
        instrument's default banding.

    Returns
    -------
    str or None
        None when the instrument has no bands.

    Notes
    -----
    Bands are half-open, ``low <= score < high`` (PHQ-9: Kroenke, Spitzer & Williams 2001;
    GAD-7: Spitzer et al. 2006; HAM-D17: Zimmerman et al. 2013 for the second banding; BDI-II:
    Beck, Steer & Brown 1996; MSPSS: low < 3.0, moderate 3.0-5.0, high > 5.0).

    Examples
    --------
    >>> band(10, "phq9"), band(9, "phq9")
    ('moderate', 'mild')
    >>> band(17, "hamd17"), band(17, "hamd17", "zimmerman2013")
    ('moderate', 'moderate')
    >>> band(5.0, "mspss"), band(5.01, "mspss")
    ('moderate', 'high')
    """
    spec = get_instrument(instrument, instruments)
    if not spec.bands:
        return None
    banding = spec.default_banding if banding is None else banding
    if banding not in spec.bands:
        raise ValueError(f"banding must be one of {', '.join(spec.bands)} for {spec.title}, "
                         f"got {banding!r}")
    value = spec.check(score)
    for candidate in spec.bands[banding]:
        if value in candidate:
            return candidate.name
    return None


@dataclass(frozen=True)
class ReliableChange:
    """Whether the change from a start to an end score is reliable, and in which direction.

    ``change`` is ``end - start`` in points. ``method`` is ``"threshold"`` (a published
    number of points; ``threshold`` holds it) or ``"jacobson_truax"`` (``index`` is the
    reliable change index RC, ``s_diff`` its denominator and ``threshold`` the critical 1.96).
    ``direction`` says improved or worsened in the instrument's sense, ``"none"`` when the
    change is not reliable.
    """

    start: float
    end: float
    change: float
    method: str
    threshold: float
    reliable: bool
    direction: Direction
    index: float | None = None
    s_diff: float | None = None

    @property
    def improved(self) -> bool:
        return self.direction == Direction.improved

    @property
    def worsened(self) -> bool:
        return self.direction == Direction.worsened


def reliable_change_index(start: float, end: float, sd: float, reliability: float) -> float:
    """Jacobson & Truax's reliable change index ``RC = (end - start) / S_diff``.

    Parameters
    ----------
    start, end : float
        Scores before and after.
    sd : float
        Standard deviation of the scores before treatment (in a reference sample), > 0.
    reliability : float
        Test-retest (or internal consistency) reliability ``r``, 0 <= r < 1.

    Notes
    -----
    ``SE = SD * sqrt(1 - r)``, ``S_diff = sqrt(2) * SE``; ``|RC| > 1.96`` is reliable change
    at p < .05 (Jacobson & Truax 1991, DOMAIN.md §6).

    References
    ----------
    Jacobson, N. S. & Truax, P. (1991). Clinical significance: a statistical approach to
    defining meaningful change in psychotherapy research. *Journal of Consulting and Clinical
    Psychology* 59(1), 12-19.

    Examples
    --------
    >>> round(reliable_change_index(20, 14, sd=5, reliability=0.84), 4)
    -2.1213
    """
    return (float(end) - float(start)) / _s_diff(sd, reliability)


def _s_diff(sd: float, reliability: float) -> float:
    if not (isinstance(sd, int | float) and math.isfinite(sd) and sd > 0):
        raise ValueError(f"sd must be a positive number, got {sd!r}")
    if not (isinstance(reliability, int | float) and 0 <= reliability < 1):
        raise ValueError(f"reliability must be 0 <= r < 1, got {reliability!r}")
    standard_error = sd * math.sqrt(1 - reliability)
    return math.sqrt(2) * standard_error


def reliable_change(start: float, end: float, instrument: str | Instrument,
                    sd: float | None = None, reliability: float | None = None, *,
                    instruments: Mapping[str, Instrument] | None = None) -> ReliableChange:
    """Whether the change from ``start`` to ``end`` is reliable.

    With ``sd`` and ``reliability``, Jacobson & Truax's index: reliable when
    ``|RC| > 1.96`` (:func:`reliable_change_index`). Without them, the instrument's published
    threshold: reliable when ``|end - start| >= threshold`` (PHQ-9 6 points, GAD-7 4 points:
    NHS Talking Therapies manual).

    Returns
    -------
    ReliableChange
        With ``direction`` improved or worsened respecting ``higher_is_better``.

    Raises
    ------
    ValueError
        When only one of ``sd`` and ``reliability`` is given, or neither is and the
        instrument has no published threshold (HAM-D17, BDI-II, MSPSS, RSES).

    References
    ----------
    Jacobson & Truax (1991), *J Consult Clin Psychol* 59(1), 12-19.
    NHS England (2024). *NHS Talking Therapies for anxiety and depression manual*.

    Examples
    --------
    >>> reliable_change(15, 9, "phq9").direction
    <Direction.improved: 'improved'>
    >>> reliable_change(15, 10, "phq9").reliable
    False
    """
    spec = get_instrument(instrument, instruments)
    start, end = spec.check(start, "start score"), spec.check(end, "end score")
    change = end - start
    if (sd is None) != (reliability is None):
        raise ValueError("give both sd and reliability for the Jacobson-Truax index, or "
                         f"neither for the published threshold; got sd={sd!r}, "
                         f"reliability={reliability!r}")
    if sd is not None:
        s_diff = _s_diff(sd, reliability)
        index = change / s_diff
        reliable = abs(index) > JT_CRITICAL
        method, threshold = "jacobson_truax", JT_CRITICAL
    elif spec.reliable_change is not None:
        index = s_diff = None
        threshold = float(spec.reliable_change)
        reliable = abs(change) >= threshold
        method = "threshold"
    else:
        raise ValueError(f"{spec.title} has no published reliable-change threshold: give sd "
                         "and reliability for the Jacobson-Truax index")
    improvement = change if spec.higher_is_better else -change
    if not reliable or improvement == 0:
        direction = Direction.none
    else:
        direction = Direction.improved if improvement > 0 else Direction.worsened
    return ReliableChange(start, end, change, method, threshold, reliable, direction,
                          index, s_diff)


def clinical_cutoffs(m_clin: float, sd_clin: float, m_func: float, sd_func: float,
                     higher_is_better: bool = False) -> dict[str, float]:
    """Jacobson & Truax's clinically significant cut-offs a, b and c.

    Lower is better: ``a = M_clin - 2 SD_clin`` (two SDs beyond the clinical mean),
    ``b = M_func + 2 SD_func`` (within two SDs of the functional mean) and
    ``c = (SD_clin M_func + SD_func M_clin) / (SD_clin + SD_func)`` (the weighted midpoint).
    Higher is better mirrors a and b (``M_clin + 2 SD_clin``, ``M_func - 2 SD_func``); c is
    the same (Jacobson & Truax 1991; DOMAIN.md §6).

    Examples
    --------
    >>> clinical_cutoffs(20, 5, 5, 4)
    {'a': 10.0, 'b': 13.0, 'c': 11.666666666666666}
    """
    sign = 1 if higher_is_better else -1
    return {
        "a": float(m_clin + sign * 2 * sd_clin),
        "b": float(m_func - sign * 2 * sd_func),
        "c": float((sd_clin * m_func + sd_func * m_clin) / (sd_clin + sd_func)),
    }


def response(start: float, end: float, instrument: str | Instrument, *,
             instruments: Mapping[str, Instrument] | None = None) -> bool | None:
    """Whether the client responded: an improvement of at least 50 %.

    On a lower-is-better scale, a fall of at least half the start score above the scale's
    floor (``start - end >= 0.5 (start - min)``; with PHQ-9's floor of 0, a 50 % drop). On a
    higher-is-better scale, the mirror: a rise of at least half the distance from the start
    to the ceiling. None when the start is already the best possible score.

    References
    ----------
    Frank, E. et al. (1991). Conceptualization and rationale for consensus definitions of
    terms in major depressive disorder. *Arch Gen Psychiatry* 48, 851-855. DOMAIN.md §6.

    Examples
    --------
    >>> response(20, 10, "phq9"), response(15, 8, "phq9")
    (True, False)
    """
    spec = get_instrument(instrument, instruments)
    low, high = spec.range
    room = high - spec.check(start) if spec.higher_is_better else spec.check(start) - low
    if room == 0:
        return None
    return spec.improvement(start, end) >= 0.5 * room


def remission(score: float, instrument: str | Instrument, *,
              instruments: Mapping[str, Instrument] | None = None) -> bool | None:
    """Whether a score is in remission.

    The instrument's published remission cut-off when it has one: PHQ-9 < 5 (a common
    convention; Kroenke et al. 2001's "none-minimal" band), HAM-D17 <= 7 (Frank et al. 1991;
    Zimmerman et al. 2013). Otherwise the score is in remission when it is below caseness
    (above it for higher-is-better scales): GAD-7 < 8, BDI-II < 14. None when the instrument
    has neither (MSPSS, RSES).

    Examples
    --------
    >>> remission(4, "phq9"), remission(5, "phq9"), remission(7, "hamd17")
    (True, False, True)
    """
    spec = get_instrument(instrument, instruments)
    value = spec.check(score)
    if spec.remission is None:
        at_caseness = spec.at_caseness(value)
        return None if at_caseness is None else not at_caseness
    cut = spec.remission
    if spec.higher_is_better:
        return value >= cut if spec.remission_inclusive else value > cut
    return value <= cut if spec.remission_inclusive else value < cut


def outcome_category(start: float, end: float, instrument: str | Instrument,
                     sd: float | None = None, reliability: float | None = None, *,
                     instruments: Mapping[str, Instrument] | None = None) -> OutcomeCategory:
    """The outcome category of a client between a start and an end score (DOMAIN.md §6).

    * ``deteriorated``: reliable worsening, whatever the start (also when the start was not
      at caseness);
    * ``not_at_caseness``: otherwise, when the start was not at caseness;
    * ``recovered``: at caseness at the start, reliable improvement, not at caseness at the
      end;
    * ``improved``: reliable improvement without recovery;
    * ``unchanged``: otherwise.

    Reliable change is judged by :func:`reliable_change` (published threshold, or
    Jacobson-Truax with ``sd`` and ``reliability``). Caseness is at or above the cut-off for
    lower-is-better scales and at or below it for higher-is-better ones. An instrument
    without a caseness cut-off can only be improved, deteriorated or unchanged.

    References
    ----------
    Jacobson & Truax (1991); NHS Talking Therapies manual (recovery, reliable improvement,
    reliable deterioration).

    Examples
    --------
    >>> print(outcome_category(15, 9, "phq9"), outcome_category(16, 10, "phq9"))
    recovered improved
    >>> print(outcome_category(9, 15, "phq9"), outcome_category(9, 3, "phq9"))
    deteriorated not_at_caseness
    """
    spec = get_instrument(instrument, instruments)
    change = reliable_change(start, end, spec, sd, reliability)
    return _category(spec, change)


def _category(spec: Instrument, change: ReliableChange) -> OutcomeCategory:
    if change.worsened:
        return OutcomeCategory.deteriorated
    if spec.caseness is not None and not spec.at_caseness(change.start):
        return OutcomeCategory.not_at_caseness
    if change.improved:
        if spec.caseness is not None and not spec.at_caseness(change.end):
            return OutcomeCategory.recovered
        return OutcomeCategory.improved
    return OutcomeCategory.unchanged


def joint_recovery(phq9_start: float, phq9_end: float, gad7_start: float, gad7_end: float,
                   *, instruments: Mapping[str, Instrument] | None = None) -> bool | None:
    """NHS Talking Therapies' joint recovery on PHQ-9 and GAD-7.

    A client at caseness on either measure at the start (PHQ-9 >= 10 or GAD-7 >= 8) has
    recovered when both are below caseness at the end (PHQ-9 < 10 and GAD-7 < 8). None when
    the client was at caseness on neither at the start: recovery does not apply. The
    cut-offs are the instruments' ``caseness`` in ``instruments``.

    References
    ----------
    NHS England (2024). *NHS Talking Therapies for anxiety and depression manual*, the
    recovery measure. DOMAIN.md §6.

    Examples
    --------
    >>> joint_recovery(14, 9, 6, 7), joint_recovery(14, 9, 6, 8), joint_recovery(9, 3, 7, 2)
    (True, False, None)
    """
    phq9 = get_instrument("phq9", instruments)
    gad7 = get_instrument("gad7", instruments)
    if not (phq9.at_caseness(phq9_start) or gad7.at_caseness(gad7_start)):
        return None
    return not phq9.at_caseness(phq9_end) and not gad7.at_caseness(gad7_end)


def subscale_scores(items: Sequence[float], instrument: str | Instrument, *,
                    instruments: Mapping[str, Instrument] | None = None) -> dict[str, float]:
    """The score of each subscale from the item values (1-based item numbers).

    MSPSS: significant other = items 1, 2, 5, 10; family = 3, 4, 8, 11; friends = 6, 7, 9,
    12, each scored as the mean of its items (Zimet et al. 1988).

    Examples
    --------
    >>> subscale_scores([7, 7, 4, 4, 7, 2, 2, 4, 2, 7, 4, 2], "mspss")
    {'significant_other': 7.0, 'family': 4.0, 'friends': 2.0}
    """
    spec = get_instrument(instrument, instruments)
    if len(items) != spec.items:
        raise ValueError(f"items must have {spec.items} values for {spec.title}, "
                         f"got {len(items)}")
    return {name: spec.score_items([items[n - 1] for n in numbers])
            for name, numbers in spec.subscales.items()}


# --- One client ---------------------------------------------------------------------------------


def _total(name: str, measure: Measure, instruments: Mapping[str, Instrument]) -> float | None:
    """The stored total, or the total scored from the items when only items were stored."""
    if measure.total is not None:
        return float(measure.total)
    if measure.items is None or name not in instruments:
        return None
    return instruments[name].score_items(measure.items)


def measures_table(client: Client, *,
                   instruments: Mapping[str, Instrument] | None = None) -> pd.DataFrame:
    """The client's measures as a tidy table: one row per session x instrument x item.

    Columns ``client_id, session, instrument, item, value`` (DESIGN.md §6). ``item`` is a
    string: ``"total"`` for the total, ``"1"`` .. ``"n"`` for the item values, so totals and
    items share one column. A total that was not stored is scored from the items (sum or mean,
    as the instrument scores it); items are only present where they were stored.
    """
    table = _BUILT_IN if instruments is None else instruments
    rows = []
    for session in client.sessions:
        for name in sorted(session.measures):
            measure = session.measures[name]
            total = _total(name, measure, table)
            if total is not None:
                rows.append((session.number, name, "total", total))
            for number, value in enumerate(measure.items or (), start=1):
                rows.append((session.number, name, str(number), float(value)))
    frame = pd.DataFrame(rows, columns=["session", "instrument", "item", "value"])
    frame.insert(0, "client_id", client.client_id)
    return frame.astype({"client_id": "string", "session": "int64", "instrument": "string",
                         "item": "string", "value": "float64"})


def item9_flags(client: Client) -> pd.DataFrame:
    """PHQ-9 item 9 (thoughts of self-harm) at every session where PHQ-9 was recorded.

    Columns ``client_id, session, phq9_item9`` (Int64) and ``flag`` (boolean): True when
    item 9 is above 0 (DOMAIN.md §6; Kroenke, Spitzer & Williams 2001). Both are missing
    (not False) at sessions where only the PHQ-9 total was stored: an unknown item is never
    reported as "no risk".

    Examples
    --------
    >>> import ipt_graph as ig
    >>> client = ig.Client("C-1")
    >>> _ = client.add_session(1, measures={"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 2]})
    >>> item9_flags(client)["flag"].tolist()
    [True]
    """
    rows = []
    for session in client.sessions:
        measure = session.measures.get("phq9")
        if measure is None:
            continue
        item9 = measure.items[8] if measure.items is not None and len(measure.items) >= 9 else None
        rows.append((session.number, item9, None if item9 is None else item9 > 0))
    frame = pd.DataFrame(rows, columns=["session", "phq9_item9", "flag"])
    frame.insert(0, "client_id", client.client_id)
    return frame.astype({"client_id": "string", "session": "int64", "phq9_item9": "Int64",
                         "flag": "boolean"})


#: Columns of :func:`client_outcomes`, in order, with their types.
OUTCOME_COLUMNS: dict[str, str] = {
    "client_id": "string", "instrument": "string", "n_sessions": "int64",
    "start_session": "int64", "end_session": "int64",
    "start_score": "float64", "end_score": "float64", "change": "float64",
    "rc_method": "string", "reliable_change": "boolean", "direction": "string",
    "response": "boolean", "remission": "boolean", "category": "string",
    "banding": "string", "band_start": "string", "band_end": "string",
    "item9_flag_any": "boolean", "item9_flag_end": "boolean", "joint_recovery": "boolean",
}


def client_outcomes(client: Client, *, instruments: Mapping[str, Instrument] | None = None,
                    norms: Mapping[str, tuple[float, float]] | None = None,
                    bandings: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per instrument the client has scores for: start, end, change and outcome.

    Parameters
    ----------
    client : Client
    instruments : mapping, optional
        Instruments by name (default: the built-ins; add yours with ``registry(mine)``).
    norms : mapping of instrument name to ``(sd, reliability)``, optional
        Use Jacobson & Truax's index for these instruments instead of the published
        threshold (needed for instruments without one: HAM-D17, BDI-II, MSPSS, RSES).
    bandings : mapping of instrument name to banding name, optional
        E.g. ``{"hamd17": "zimmerman2013"}``; the ``banding`` column records which was used.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`OUTCOME_COLUMNS`: ``client_id, instrument, n_sessions``;
        ``start_session`` and ``end_session``, the **first** and **last** session at which the
        instrument was recorded; their scores (totals, scored from the items when only items
        were stored) and ``change = end - start``; ``rc_method`` (``threshold`` or
        ``jacobson_truax``), ``reliable_change``, ``direction`` (improved / worsened / none),
        ``response`` (:func:`response`), ``remission`` (:func:`remission`, of the end score),
        ``category`` (:func:`outcome_category`), ``banding``, ``band_start``, ``band_end``;
        ``item9_flag_any`` (any session with PHQ-9 item 9 > 0) and ``item9_flag_end`` (at the
        end session), on PHQ-9 rows; ``joint_recovery`` (:func:`joint_recovery`) on the PHQ-9
        and GAD-7 rows, from the first and last sessions at which *both* were recorded.

    Notes
    -----
    Values that cannot be known are missing, never guessed: with one session there is no
    change to judge (reliable change, direction, response and category are missing); an
    instrument not in ``instruments`` gets its scores and change only; reliable change is
    missing for instruments without a published threshold unless ``norms`` gives SD and r;
    item-9 flags are missing when no PHQ-9 items were stored; joint recovery is missing when
    PHQ-9 and GAD-7 were not both recorded at two sessions, or the client was at caseness on
    neither at the start.
    """
    table = _BUILT_IN if instruments is None else instruments
    norms = norms or {}
    bandings = bandings or {}
    series: dict[str, list[tuple[int, float]]] = {}
    for session in client.sessions:
        for name, measure in session.measures.items():
            total = _total(name, measure, table)
            if total is not None:
                if name in table:
                    table[name].check(total, f"score at session {session.number}")
                series.setdefault(name, []).append((session.number, total))
    known = [name for name in table if name in series]
    names = known + sorted(name for name in series if name not in table)
    joint = _joint(series, table)
    flags = item9_flags(client)
    rows = []
    for name in names:
        scores = series[name]
        (start_session, start), (end_session, end) = scores[0], scores[-1]
        row: dict[str, Any] = {
            "client_id": client.client_id, "instrument": name, "n_sessions": len(scores),
            "start_session": start_session, "end_session": end_session,
            "start_score": start, "end_score": end, "change": end - start,
        }
        spec = table.get(name)
        if spec is not None:
            row.update(_judge(spec, start, end, len(scores), norms.get(name)))
            banding = bandings.get(name, spec.default_banding)
            if spec.bands:
                row.update(banding=banding, band_start=band(start, spec, banding),
                           band_end=band(end, spec, banding))
        if name == "phq9":
            known_flags = flags["flag"].dropna()
            row["item9_flag_any"] = bool(known_flags.any()) if len(known_flags) else None
            at_end = flags.loc[flags["session"] == end_session, "flag"]
            row["item9_flag_end"] = None if at_end.isna().all() else bool(at_end.iloc[0])
        if name in ("phq9", "gad7"):
            row["joint_recovery"] = joint
        rows.append(row)
    return pd.DataFrame(rows, columns=list(OUTCOME_COLUMNS)).astype(OUTCOME_COLUMNS)


def _judge(spec: Instrument, start: float, end: float, n_sessions: int,
           norm: tuple[float, float] | None) -> dict[str, Any]:
    """Reliable change, direction, response, category (with two sessions) and remission."""
    out: dict[str, Any] = {"remission": remission(end, spec)}
    if n_sessions < 2:
        return out
    out["response"] = response(start, end, spec)
    if norm is None and spec.reliable_change is None:
        return out
    sd, reliability = norm if norm is not None else (None, None)
    change = reliable_change(start, end, spec, sd, reliability)
    out.update(rc_method=change.method, reliable_change=change.reliable,
               direction=str(change.direction), category=str(_category(spec, change)))
    return out


def _joint(series: Mapping[str, list[tuple[int, float]]],
           instruments: Mapping[str, Instrument]) -> bool | None:
    """Joint recovery from the first and last sessions with both PHQ-9 and GAD-7."""
    if not {"phq9", "gad7"} <= set(instruments) or not {"phq9", "gad7"} <= set(series):
        return None
    phq9, gad7 = dict(series["phq9"]), dict(series["gad7"])
    both = sorted(set(phq9) & set(gad7))
    if len(both) < 2:
        return None
    first, last = both[0], both[-1]
    return joint_recovery(phq9[first], phq9[last], gad7[first], gad7[last],
                          instruments=instruments)
