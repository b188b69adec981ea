"""The one palette, the one marker set and the fonts of every ipt_graph figure.

Colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), safe for the
common colour-vision deficiencies. Each relationship type (DOMAIN.md §4) has a colour *and*
a marker shape, so a figure printed in greyscale still tells them apart.

Fonts: labels may be in any script. Text is drawn with a fallback list of font families
(DejaVu Sans, which covers Latin with accents, Greek, Cyrillic and Arabic, then the first CJK
font installed, e.g. Debian's ``fonts-noto-cjk``). matplotlib >= 3.11 lays text out with
libraqm, so Arabic is shaped and ordered right-to-left without any helper. The fallback list
is applied through :func:`rc`, an rc context used inside each plotting function: importing
ipt_graph never changes matplotlib's global settings. When a label needs a glyph that no
installed font has, :func:`check_glyphs` warns once (without echoing the label).
"""

from __future__ import annotations

import contextlib
import functools
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import matplotlib as mpl
from matplotlib import font_manager

from ..vocab import RelationshipType, Status

__all__ = [
    "DEPARTED_STATUSES",
    "MIN_FONTSIZE",
    "OKABE_ITO",
    "TYPE_STYLES",
    "UNRATED_STYLE",
    "FontWarning",
    "TypeStyle",
    "check_glyphs",
    "font_families",
    "marker_size",
    "rc",
    "shapes_complex_text",
    "type_style",
]

#: Okabe & Ito's eight colours.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: A neutral grey for what is not a category (indifferent, guides, rings).
GREY = "#999999"
LIGHT_GREY = "#D9D9D9"
INK = "#333333"

#: Smallest font on any figure: legible when printed on A4.
MIN_FONTSIZE = 7.0
LABEL_FONTSIZE = 8.0
#: Marker diameters in points for support 1 and support 6 (and when support is unknown).
MARKER_MIN, MARKER_MAX, MARKER_UNKNOWN = 7.0, 13.0, 9.0

#: Statuses drawn faded with a dashed outline: the person is on the map but out of touch.
DEPARTED_STATUSES: frozenset[str] = frozenset(
    {Status.estranged, Status.lost_contact, Status.moved_away}
)


@dataclass(frozen=True)
class TypeStyle:
    """How one relationship type is drawn: a colour, a marker shape and a legend name."""

    name: str
    colour: str
    marker: str
    title: str


#: One entry per relationship type (Uchino et al. 2004), in legend order.
TYPE_STYLES: dict[str, TypeStyle] = {
    RelationshipType.supportive: TypeStyle(
        "supportive", OKABE_ITO["bluish_green"], "o", "supportive"),
    RelationshipType.ambivalent: TypeStyle(
        "ambivalent", OKABE_ITO["orange"], "D", "ambivalent"),
    RelationshipType.aversive: TypeStyle(
        "aversive", OKABE_ITO["vermillion"], "s", "aversive"),
    RelationshipType.indifferent: TypeStyle(
        "indifferent", GREY, "^", "indifferent"),
}
#: A person without both a support and a conflict rating.
UNRATED_STYLE = TypeStyle("unrated", "#FFFFFF", "h", "not rated")

#: Colours of person-person ties by kind.
TIE_COLOURS: dict[str, str] = {
    "knows": GREY,
    "close": OKABE_ITO["blue"],
    "conflict": OKABE_ITO["vermillion"],
}
#: A qualitative sequence for lines (metrics): Okabe-Ito without yellow, which is too light.
LINE_COLOURS: tuple[str, ...] = (
    OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"],
    OKABE_ITO["orange"], OKABE_ITO["reddish_purple"], OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
)
LINE_STYLES: tuple[str, ...] = ("-", "--", "-.", ":")


def type_style(kind: str | None) -> TypeStyle:
    """The style of a relationship type; :data:`UNRATED_STYLE` for None."""
    return UNRATED_STYLE if kind is None else TYPE_STYLES[kind]


def marker_size(support: float | None) -> float:
    """Marker diameter in points: larger for more support (1 .. 6)."""
    if support is None:
        return MARKER_UNKNOWN
    return MARKER_MIN + (MARKER_MAX - MARKER_MIN) * (float(support) - 1.0) / 5.0


# --- Fonts -------------------------------------------------------------------------------------

#: CJK families to fall back on, the first installed one is used.
_CJK_FAMILIES = (
    "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK KR",
    "Noto Sans CJK HK", "Source Han Sans", "Source Han Sans JP", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Droid Sans Fallback", "IPAGothic", "IPAexGothic", "Hiragino Sans",
    "PingFang SC", "Microsoft YaHei", "Yu Gothic", "Malgun Gothic", "SimHei",
    "Arial Unicode MS",
)
_OTHER_FAMILIES = ("Noto Sans", "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari")


class FontWarning(UserWarning):
    """Some label needs a glyph that no installed font has; install a CJK font."""


@functools.cache
def font_families() -> tuple[str, ...]:
    """The font fallback list: DejaVu Sans, then the installed CJK and other Noto fonts."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    families = ["DejaVu Sans"]
    cjk = next((name for name in _CJK_FAMILIES if name in installed), None)
    if cjk is not None:
        families.append(cjk)
    families += [name for name in _OTHER_FAMILIES if name in installed]
    return tuple(families)


@functools.cache
def _charmaps(families: tuple[str, ...]) -> tuple[frozenset[int], ...]:
    maps = []
    for family in families:
        path = font_manager.findfont(font_manager.FontProperties(family=family),
                                     fallback_to_default=False)
        maps.append(frozenset(font_manager.get_font(path).get_charmap()))
    return tuple(maps)


_warned: set[str] = set()


def check_glyphs(texts: Iterable[str]) -> bool:
    """True when every character of ``texts`` has a glyph in :func:`font_families`.

    Otherwise warn once per process with :class:`FontWarning`, naming what to install (never
    the label itself: labels are PHI), and return False.
    """
    families = font_families()
    maps = _charmaps(families)
    missing: set[str] = set()
    for text in texts:
        for char in text:
            if unicodedata.category(char)[0] in "CZ":  # controls, marks of direction, spaces
                continue
            if not any(ord(char) in charmap for charmap in maps):
                missing.add(unicodedata.name(char, "").split(" ")[0] or "unknown")
    if not missing:
        return True
    if "glyphs" not in _warned:
        _warned.add("glyphs")
        scripts = ", ".join(sorted(missing))
        warnings.warn(
            f"no installed font has glyphs for some labels (scripts: {scripts}); they will "
            "show as boxes. Install a CJK font such as Debian's fonts-noto-cjk "
            "(apt-get install fonts-noto-cjk) and clear matplotlib's font cache.",
            FontWarning, stacklevel=3)
    return False


@functools.cache
def shapes_complex_text() -> bool:
    """True when matplotlib shapes Arabic and orders it right-to-left (libraqm, >= 3.11)."""
    try:
        from matplotlib import ft2font

        path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
        font = font_manager.get_font(path)
        word = "\u0633\u0644\u0627\u0645"  # "salam": four letters that join
        glyphs = [item.glyph_index for item in font._layout(word, ft2font.LoadFlags.DEFAULT)]
        isolated = [font.get_char_index(ord(char)) for char in word]
    except (AttributeError, TypeError, ValueError, RuntimeError):
        return False
    return glyphs != isolated and glyphs != isolated[::-1] and len(glyphs) >= 2


@contextlib.contextmanager
def rc() -> Iterator[None]:
    """An rc context with the font fallback list and ipt_graph's quiet defaults.

    Used inside each plotting function; matplotlib's global settings are left alone. Text
    is drawn literally (``text.parse_math`` off): labels are typed by people, and a ``$`` in
    one must show as a dollar sign, never start mathematics.
    """
    with mpl.rc_context({
        "font.family": list(font_families()),
        "text.parse_math": False,
        "legend.frameon": False,
        "legend.fontsize": LABEL_FONTSIZE,
        "legend.title_fontsize": LABEL_FONTSIZE,
    }):
        yield
