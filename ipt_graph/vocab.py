"""Closed vocabularies and scales of the interpersonal inventory, defined once.

Every token is snake_case. The clinical meaning and the source of each list are in
``shared/DOMAIN.md``; the sources are repeated next to each definition below.

Vocabularies are :class:`enum.StrEnum` classes, so a member compares equal to its token
(``Role.partner == "partner"``) and a clinician can type plain strings everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "AGE_BANDS",
    "DEFAULT_RING_LABELS",
    "INSTRUMENTS",
    "MAX_RINGS",
    "MIN_RINGS",
    "RATING_MAX",
    "RATING_MIN",
    "REGULAR_CONTACT",
    "ROLE_SECTOR",
    "ROLE_SNI",
    "SECTORS",
    "SNI_ROLES",
    "TYPE_THRESHOLD",
    "AgeBand",
    "Band",
    "Contact",
    "DisputeStage",
    "EventKind",
    "ExpectationsMet",
    "Gender",
    "InstrumentSpec",
    "Phase",
    "ProblemAreaKind",
    "RelationshipType",
    "Role",
    "Sector",
    "SniRole",
    "Status",
    "TieKind",
    "default_ring_labels",
    "relationship_type",
]

# --- Scales -----------------------------------------------------------------------------------

#: Number of rings on the closeness circle: 3 in adult IPT, 4-5 on adolescent worksheets
#: (Stuart & Robertson; IPT-A). Ring 1 is the innermost.
MIN_RINGS, MAX_RINGS, DEFAULT_RINGS = 2, 6, 3

#: Support ("how helpful is this person when you need support?") and conflict ("how upsetting
#: is this person?") are rated 1 = not at all ... 6 = extremely (Campo, Uchino et al. 2009).
RATING_MIN, RATING_MAX = 1, 6

#: A rating above this counts as present when typing a relationship (DOMAIN.md §4): with the
#: 1-6 scale, anything above "not at all" (1) counts. The quadrant plot draws its boundary here.
TYPE_THRESHOLD = 1.5

DEFAULT_RING_LABELS = {
    2: ("inner", "outer"),
    3: ("inner", "middle", "outer"),
}


def default_ring_labels(rings: int) -> tuple[str, ...]:
    """Labels for ``rings`` rings, innermost first ("inner", "middle", "outer" for three)."""
    if rings in DEFAULT_RING_LABELS:
        return DEFAULT_RING_LABELS[rings]
    return tuple(f"ring {k}" for k in range(1, rings + 1))


# --- People -----------------------------------------------------------------------------------


class Sector(StrEnum):
    """Slices of the closeness circle (DOMAIN.md §5). K = 6 for the IQV."""

    family = "family"
    friends = "friends"
    work_school = "work_school"
    community = "community"
    professional = "professional"
    other = "other"


SECTORS: tuple[Sector, ...] = tuple(Sector)


class SniRole(StrEnum):
    """The 12 role types of Cohen's Social Network Index (Cohen et al. 1997, JAMA 277:1940)."""

    spouse_partner = "spouse_partner"
    parents = "parents"
    parents_in_law = "parents_in_law"
    children = "children"
    other_close_family = "other_close_family"
    close_neighbours = "close_neighbours"
    friends = "friends"
    workmates = "workmates"
    schoolmates = "schoolmates"
    fellow_volunteers = "fellow_volunteers"
    non_religious_group = "non_religious_group"
    religious_group = "religious_group"


SNI_ROLES: tuple[SniRole, ...] = tuple(SniRole)


class Role(StrEnum):
    """A person's role in the client's life; maps to an SNI role and a sector (DOMAIN.md §5)."""

    partner = "partner"
    ex_partner = "ex_partner"
    parent = "parent"
    step_parent = "step_parent"
    parent_in_law = "parent_in_law"
    child = "child"
    step_child = "step_child"
    sibling = "sibling"
    grandparent = "grandparent"
    grandchild = "grandchild"
    other_relative = "other_relative"
    friend = "friend"
    neighbour = "neighbour"
    colleague = "colleague"
    manager = "manager"
    classmate = "classmate"
    teacher = "teacher"
    volunteer_peer = "volunteer_peer"
    group_member = "group_member"
    faith_member = "faith_member"
    therapist = "therapist"
    doctor = "doctor"
    other_professional = "other_professional"
    other = "other"


_R, _S, _N = Role, Sector, SniRole
#: role -> (SNI role or None, sector), the table of DOMAIN.md §5.
_ROLE_TABLE: dict[Role, tuple[SniRole | None, Sector]] = {
    _R.partner: (_N.spouse_partner, _S.family),
    _R.ex_partner: (None, _S.other),
    _R.parent: (_N.parents, _S.family),
    _R.step_parent: (_N.parents, _S.family),
    _R.parent_in_law: (_N.parents_in_law, _S.family),
    _R.child: (_N.children, _S.family),
    _R.step_child: (_N.children, _S.family),
    _R.sibling: (_N.other_close_family, _S.family),
    _R.grandparent: (_N.other_close_family, _S.family),
    _R.grandchild: (_N.other_close_family, _S.family),
    _R.other_relative: (_N.other_close_family, _S.family),
    _R.friend: (_N.friends, _S.friends),
    _R.neighbour: (_N.close_neighbours, _S.community),
    _R.colleague: (_N.workmates, _S.work_school),
    _R.manager: (_N.workmates, _S.work_school),
    _R.classmate: (_N.schoolmates, _S.work_school),
    _R.teacher: (_N.schoolmates, _S.work_school),
    _R.volunteer_peer: (_N.fellow_volunteers, _S.community),
    _R.group_member: (_N.non_religious_group, _S.community),
    _R.faith_member: (_N.religious_group, _S.community),
    _R.therapist: (None, _S.professional),
    _R.doctor: (None, _S.professional),
    _R.other_professional: (None, _S.professional),
    _R.other: (None, _S.other),
}
ROLE_SNI: dict[Role, SniRole | None] = {role: sni for role, (sni, _) in _ROLE_TABLE.items()}
ROLE_SECTOR: dict[Role, Sector] = {role: sector for role, (_, sector) in _ROLE_TABLE.items()}


class Gender(StrEnum):
    female = "female"
    male = "male"
    non_binary = "non_binary"
    other = "other"
    unknown = "unknown"


class AgeBand(StrEnum):
    """Age bands; everything over 89 is one band (HIPAA Safe Harbor, DOMAIN.md §8)."""

    age_0_11 = "0_11"
    age_12_17 = "12_17"
    age_18_24 = "18_24"
    age_25_34 = "25_34"
    age_35_44 = "35_44"
    age_45_54 = "45_54"
    age_55_64 = "55_64"
    age_65_74 = "65_74"
    age_75_84 = "75_84"
    age_85_89 = "85_89"
    age_90_plus = "90_plus"


AGE_BANDS: tuple[AgeBand, ...] = tuple(AgeBand)


class Status(StrEnum):
    """A person's status, observed at a session like any rating (DESIGN.md §3 rule 4).

    ``deceased`` people stay on the map; structural measures leave them out (DOMAIN.md §7).
    """

    active = "active"
    estranged = "estranged"
    lost_contact = "lost_contact"
    moved_away = "moved_away"
    deceased = "deceased"


class Contact(StrEnum):
    """Contact frequency, an ordinal scale from most to least often (DOMAIN.md §5)."""

    daily = "daily"
    several_weekly = "several_weekly"
    weekly = "weekly"
    fortnightly = "fortnightly"
    monthly = "monthly"
    less_often = "less_often"
    never = "never"


#: "Regular contact" in Cohen's SNI is at least once every two weeks.
REGULAR_CONTACT: frozenset[Contact] = frozenset(
    {Contact.daily, Contact.several_weekly, Contact.weekly, Contact.fortnightly}
)


class ExpectationsMet(StrEnum):
    """Whether the client's expectations of a person are met (the IPT inventory's question)."""

    met = "met"
    partly = "partly"
    not_met = "not_met"


class DisputeStage(StrEnum):
    """Stages of a role dispute (Weissman, Markowitz & Klerman)."""

    renegotiation = "renegotiation"
    impasse = "impasse"
    dissolution = "dissolution"


class TieKind(StrEnum):
    """Kinds of person-person ties: they know each other, are close, or are in conflict."""

    knows = "knows"
    close = "close"
    conflict = "conflict"


class RelationshipType(StrEnum):
    """Support x conflict typology (Uchino et al. 2004; Campo, Uchino et al. 2009)."""

    supportive = "supportive"
    aversive = "aversive"
    ambivalent = "ambivalent"
    indifferent = "indifferent"


def relationship_type(
    support: float | None, conflict: float | None, threshold: float = TYPE_THRESHOLD
) -> RelationshipType | None:
    """The relationship type of a support and a conflict rating.

    A rating above ``threshold`` counts as present (DOMAIN.md §4; Campo, Uchino et al. 2009,
    Social Relationships Index). Returns None when either rating is missing.

    Examples
    --------
    >>> relationship_type(5, 4)
    <RelationshipType.ambivalent: 'ambivalent'>
    >>> relationship_type(1, 1)
    <RelationshipType.indifferent: 'indifferent'>
    """
    if support is None or conflict is None:
        return None
    positive, negative = support > threshold, conflict > threshold
    if positive:
        return RelationshipType.ambivalent if negative else RelationshipType.supportive
    return RelationshipType.aversive if negative else RelationshipType.indifferent


# --- Treatment --------------------------------------------------------------------------------


class Phase(StrEnum):
    """Phases of IPT: initial (sessions 1-3 or 1-4), middle, termination (last 2-4),
    maintenance (monthly); ``pre_group`` is group IPT's individual session (DOMAIN.md §3)."""

    pre_group = "pre_group"
    initial = "initial"
    middle = "middle"
    termination = "termination"
    maintenance = "maintenance"


class ProblemAreaKind(StrEnum):
    """The four IPT problem areas (Weissman, Markowitz & Klerman)."""

    grief = "grief"
    role_dispute = "role_dispute"
    role_transition = "role_transition"
    interpersonal_deficits = "interpersonal_deficits"


class EventKind(StrEnum):
    """Kinds of life event on the timeline (the IPT life chart)."""

    death = "death"
    illness = "illness"
    birth = "birth"
    marriage = "marriage"
    separation = "separation"
    divorce = "divorce"
    new_relationship = "new_relationship"
    conflict = "conflict"
    move = "move"
    migration = "migration"
    job_start = "job_start"
    job_loss = "job_loss"
    retirement = "retirement"
    study_start = "study_start"
    study_end = "study_end"
    symptom_onset = "symptom_onset"
    other = "other"


# --- Instruments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """A half-open score band ``low <= score < high`` with its name."""

    name: str
    low: float
    high: float

    def __contains__(self, score: float) -> bool:
        return self.low <= score < self.high


@dataclass(frozen=True)
class InstrumentSpec:
    """The published facts of a symptom or social measure (DOMAIN.md §6).

    ``items`` is the number of items whose values may be stored (0 for proprietary
    instruments, whose items are never stored); ``scoring`` is "sum" or "mean".
    ``bands`` maps a banding name to its bands, the first banding being the default.
    ``remission`` is the published remission cut-off, if any: a score below it (at or below
    when ``remission_inclusive``) is remission for a lower-is-better scale, above it (at or
    above) for a higher-is-better one.
    """

    name: str
    title: str
    total_min: float
    total_max: float
    items: int = 0
    item_min: int = 0
    item_max: int = 0
    scoring: str = "sum"
    higher_is_better: bool = False
    bands: dict[str, tuple[Band, ...]] = field(default_factory=dict)
    caseness: float | None = None
    reliable_change: float | None = None
    subscales: dict[str, tuple[int, ...]] = field(default_factory=dict)
    source: str = ""
    remission: float | None = None
    remission_inclusive: bool = False


def _bands(*edges: tuple[str, float], top: float) -> tuple[Band, ...]:
    """Bands from (name, lower edge) pairs; the last band ends just above ``top``."""
    highs = [low for _, low in edges[1:]] + [top + 1e-9]
    return tuple(Band(name, low, high) for (name, low), high in zip(edges, highs, strict=True))


INSTRUMENTS: dict[str, InstrumentSpec] = {
    spec.name: spec
    for spec in (
        InstrumentSpec(
            "phq9", "PHQ-9", 0, 27, items=9, item_min=0, item_max=3,
            bands={"kroenke2001": _bands(
                ("none_minimal", 0), ("mild", 5), ("moderate", 10),
                ("moderately_severe", 15), ("severe", 20), top=27)},
            caseness=10, reliable_change=6, remission=5,  # remission < 5 (common convention)
            source="Kroenke, Spitzer & Williams 2001; NHS Talking Therapies manual",
        ),
        InstrumentSpec(
            "gad7", "GAD-7", 0, 21, items=7, item_min=0, item_max=3,
            bands={"spitzer2006": _bands(
                ("minimal", 0), ("mild", 5), ("moderate", 10), ("severe", 15), top=21)},
            caseness=8, reliable_change=4,
            source="Spitzer et al. 2006; NHS Talking Therapies manual",
        ),
        InstrumentSpec(
            "hamd17", "HAM-D17", 0, 52,
            bands={
                "default": _bands(
                    ("normal", 0), ("mild", 8), ("moderate", 14), ("severe", 19),
                    ("very_severe", 23), top=52),
                "zimmerman2013": _bands(
                    ("no_depression", 0), ("mild", 8), ("moderate", 17), ("severe", 24),
                    top=52),
            },
            caseness=8, remission=7, remission_inclusive=True,  # remission <= 7
            source="Hamilton 1960; Zimmerman et al. 2013",
        ),
        InstrumentSpec(
            "bdi2", "BDI-II", 0, 63,
            bands={"beck1996": _bands(
                ("minimal", 0), ("mild", 14), ("moderate", 20), ("severe", 29), top=63)},
            caseness=14,
            source="Beck, Steer & Brown 1996 (proprietary: totals only)",
        ),
        InstrumentSpec(
            "mspss", "MSPSS", 1, 7, items=12, item_min=1, item_max=7, scoring="mean",
            higher_is_better=True,
            bands={"zimet": (
                Band("low", 1, 3.0), Band("moderate", 3.0, 5.0 + 1e-9),
                Band("high", 5.0 + 1e-9, 7 + 1e-9))},
            subscales={
                "significant_other": (1, 2, 5, 10),
                "family": (3, 4, 8, 11),
                "friends": (6, 7, 9, 12),
            },
            source="Zimet et al. 1988",
        ),
        InstrumentSpec(
            "rses", "RSES", 0, 30, items=10, item_min=0, item_max=3, higher_is_better=True,
            bands={"rosenberg": (Band("low", 0, 15), Band("normal", 15, 30 + 1e-9))},
            source="Rosenberg 1965 (public domain)",
        ),
    )
}
