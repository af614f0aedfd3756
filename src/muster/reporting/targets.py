"""Target profiles: how long each response interval should take, and how often.

A target is a time and the share of responses that must meet it (NFPA states
its targets at the 90th percentile). Some intervals hold different rows to
different times, so each row of an interval has a class: EMS or fire for
turnout and total response (decided by the incident type's category), the
first unit on scene or a later one for travel.
"""

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


class Interval(StrEnum):
    CALL_PROCESSING = "call_processing"
    TURNOUT = "turnout"
    TRAVEL = "travel"
    TOTAL_RESPONSE = "total_response"
    COMMITTED = "committed"


class RowClass(IntEnum):
    ANY = 0
    EMS = 1
    FIRE = 2
    FIRST_ON_SCENE = 3
    LATER_ON_SCENE = 4


@dataclass(frozen=True, slots=True)
class Target:
    seconds: float
    share: float  # e.g. 0.9: nine responses in ten meet ``seconds``


Tiers = tuple[Target, ...]

# The row classes each interval sorts its rows into (see ``queries``).
CLASSES: dict[Interval, tuple[RowClass, ...]] = {
    Interval.CALL_PROCESSING: (RowClass.ANY,),
    Interval.TURNOUT: (RowClass.EMS, RowClass.FIRE),
    Interval.TRAVEL: (RowClass.FIRST_ON_SCENE, RowClass.LATER_ON_SCENE),
    Interval.TOTAL_RESPONSE: (RowClass.EMS, RowClass.FIRE),
    Interval.COMMITTED: (RowClass.ANY,),
}


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    description: str
    targets: dict[Interval, dict[RowClass, Tiers]] = field(default_factory=dict)
    ems_categories: frozenset[str] = frozenset({"ems", "medical"})

    def tiers(self, interval: Interval, row_class: RowClass) -> Tiers:
        return self.targets.get(interval, {}).get(row_class, ())


_P90 = 0.9

# NFPA 1710 (turnout, travel) and NFPA 1221, 2016 edition (call processing).
# Total response has no single NFPA figure; its target here is the sum of the
# three parts at their 90th percentiles (64 s + turnout + 240 s).
NFPA = Profile(
    name="nfpa",
    description=(
        "NFPA 1221 (2016) call processing 64 s at 90 % and 106 s at 95 %;"
        " NFPA 1710 turnout 60 s EMS / 80 s fire, travel 240 s for the first"
        " unit on scene and 480 s for the rest of the first alarm, at 90 %;"
        " total response the sum of its parts"
    ),
    targets={
        Interval.CALL_PROCESSING: {
            RowClass.ANY: (Target(64, _P90), Target(106, 0.95)),
        },
        Interval.TURNOUT: {
            RowClass.EMS: (Target(60, _P90),),
            RowClass.FIRE: (Target(80, _P90),),
        },
        Interval.TRAVEL: {
            RowClass.FIRST_ON_SCENE: (Target(240, _P90),),
            RowClass.LATER_ON_SCENE: (Target(480, _P90),),
        },
        Interval.TOTAL_RESPONSE: {
            RowClass.EMS: (Target(364, _P90),),
            RowClass.FIRE: (Target(384, _P90),),
        },
    },
)

NONE = Profile(name="none", description="no targets: intervals only")

# The shipped profiles; a department adds its own (``reporting.profiles``).
PROFILES: dict[str, Profile] = {p.name: p for p in (NFPA, NONE)}
DEFAULT_PROFILE = NFPA.name
