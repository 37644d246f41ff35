"""Reading motion from a prompt: which fluids it names and how each one should move.

``parse_motion("clouds drifting right over a rushing waterfall")`` gives two
:class:`FluidSpec` — clouds moving right (0°) and a waterfall falling (270°) at 2.5× its
usual speed. Words are attributed to the fluid they describe: the prompt is cut into
clauses at punctuation and at linking words ("and", "over", "with", "into" …); a clause
that names no fluid lends its words to the previous clause's fluid (or, at the start, to the
next one), and inside a clause each word goes to the nearest fluid noun.

Directions are degrees counter-clockwise as seen on screen: 0 right, 90 up, 180 left,
270 down. "Towards the camera/viewer" is 270 (down the screen), "away from the camera" and
"into the distance" are 90. Several direction words add up ("up and to the left" → 135°,
"in left to right, upwards direction" → 45°). Waves "washing up the beach" move as the sea
does (towards the shore), and "white water" on a beach or shore is surf, not rapids.
Speed words multiply the kind's default speed (gently ×0.5, fast ×1.8, rushing ×2.5; an
intensifier such as "very" strengthens the next speed word; the result stays within
:data:`SPEED_RANGE`); texture words multiply its
turbulence (calm ×0.5, turbulent ×2). Parsing is deterministic: no random angles.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .vocabulary import NEUTRAL, PHRASES, WEAK_NOUNS, FluidKind, fluid_kind

DIRECTION_WORDS: dict[str, float] = {
    **dict.fromkeys(("right", "rightward", "rightwards", "east", "eastward", "eastwards",
                     "_left_to_right_"), 0.0),
    **dict.fromkeys(("left", "leftward", "leftwards", "west", "westward", "westwards",
                     "_right_to_left_"), 180.0),
    **dict.fromkeys(("up", "upward", "upwards", "rising", "rise", "rises", "ascending",
                     "ascend", "ascends", "climbing", "skyward", "skywards", "north",
                     "northward", "northwards", "receding", "_away_", "_bottom_to_top_"), 90.0),
    **dict.fromkeys(("down", "downward", "downwards", "falling", "fall", "falls",
                     "descending", "descend", "descends", "plunging", "plunges", "pouring",
                     "pours", "tumbling", "tumbles", "cascading", "dropping", "sinking",
                     "south", "southward", "southwards", "approaching", "_toward_",
                     "_top_to_bottom_"), 270.0),
    "northeast": 45.0,
    "northwest": 135.0,
    "southwest": 225.0,
    "southeast": 315.0,
}

SPEED_WORDS: dict[str, float] = {
    **dict.fromkeys(("barely", "imperceptibly", "faintly"), 0.3),
    **dict.fromkeys(("gently", "gentle", "slowly", "slow", "lazily", "lazy", "calmly",
                     "softly", "soft", "leisurely", "peacefully", "peaceful", "quietly",
                     "tranquil", "serene", "placid", "languid", "languidly", "sluggish",
                     "sluggishly"), 0.5),
    **dict.fromkeys(("fast", "quickly", "quick", "rapidly", "rapid", "swiftly", "swift",
                     "briskly", "brisk", "speedy"), 1.8),
    **dict.fromkeys(("rushing", "raging", "roaring", "torrential", "violently", "violent",
                     "racing", "gushing", "furiously", "furious", "powerful", "powerfully",
                     "thundering"), 2.5),
}

#: Word-derived speeds are kept within these bounds (pixels per frame at 512 px width).
SPEED_RANGE = (0.02, 5.0)

#: Words that strengthen the speed word that follows them ("very slowly" ≈ ×0.35).
INTENSIFIERS = frozenset({"very", "extremely", "really", "super", "incredibly", "so"})
INTENSIFIER_POWER = 1.5

TURBULENCE_WORDS: dict[str, float] = {
    **dict.fromkeys(("turbulent", "churning", "swirling", "roiling", "choppy", "stormy",
                     "wild", "billowing", "foaming", "foamy", "frothy", "whirling", "rough",
                     "flickering"), 2.0),
    **dict.fromkeys(("calm", "calmly", "smooth", "smoothly", "glassy", "placid", "tranquil",
                     "serene", "mirror"), 0.5),
}

#: Words that end one clause and start the next.
CLAUSE_BREAKS = frozenset({
    "and", "or", "but", "while", "whilst", "with", "over", "under", "above", "below",
    "beneath", "behind", "beside", "near", "into", "onto", "from", "beyond", "past",
    "against", "between", "among", "amid", "across", "through", "in", "on", "at", "by",
    "of", "where", "as", "then", "meets", "meeting", ",", ";", ".", "!", "?", ":",
})

_PHRASE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    *((re.compile(rf"\b{re.escape(a)}\b"), b) for a, b in PHRASES),
    (re.compile(r"\b(north|south)[- ](east|west)\b"), r"\1\2"),
    (re.compile(r"\btowards? (?:the )?(?:camera|viewer|viewers|us|you|foreground|front)\b"),
     " _toward_ "),
    (re.compile(r"\baway from (?:the )?(?:camera|viewer|viewers|us|you)\b"), " _away_ "),
    (re.compile(r"\b(?:into|towards?) the (?:distance|horizon|background)\b"), " _away_ "),
    (re.compile(r"\b(?:up|onto|on to) (?:the )?(?:beach|shore|sand|sands|shoreline)\b"),
     " ashore "),
    (re.compile(r"\bfrom left to right\b|\bleft to right\b"), " _left_to_right_ "),
    (re.compile(r"\bfrom right to left\b|\bright to left\b"), " _right_to_left_ "),
    (re.compile(r"\bfrom top to bottom\b|\btop to bottom\b"), " _top_to_bottom_ "),
    (re.compile(r"\bfrom bottom to top\b|\bbottom to top\b"), " _bottom_to_top_ "),
)
_TOKEN = re.compile(r"[a-z_]+|[,;.!?:]")
#: Words that put white water on a coast: there it is breaking surf, not river rapids.
COAST_WORDS = frozenset({"beach", "beaches", "shore", "shoreline", "coast", "coastline",
                         "seashore", "seaside", "ashore", "sand", "sands", "sea", "ocean"})
_MOTION_WORDS = frozenset(DIRECTION_WORDS) | frozenset(SPEED_WORDS) | frozenset(
    TURBULENCE_WORDS) | INTENSIFIERS


@dataclass(frozen=True)
class FluidSpec:
    """One fluid named in a prompt and how it should move.

    ``direction_deg``: counter-clockwise on screen (0 right, 90 up, 270 down), or None for
    "from the region's shape" (along its channel, or for seas and lakes along the shore).
    ``speed``: pixels per frame for a 512-px-wide image (scale linearly with the width).
    ``turbulence``: swirl strength relative to ``speed``.
    ``words``: the prompt words that changed the kind's defaults, in prompt order (phrases
    such as "towards the camera" appear as one token, ``_toward_``).
    """

    noun: str
    kind: FluidKind
    direction_deg: float | None
    speed: float
    turbulence: float
    words: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """One human-readable line, e.g. ``clouds: right (0°), 0.50 px/frame at 512 px``."""
        if self.direction_deg is not None:
            where = f"{direction_name(self.direction_deg)} ({self.direction_deg:.0f}°)"
        else:
            where = "along the shore" if self.kind.along_shore else "along its channel"
        name = self.noun or self.kind.name
        return (f"{name}: {where}, {self.speed:.2f} px/frame at 512 px wide, "
                f"turbulence {self.turbulence:.2f}")


def direction_name(direction_deg: float) -> str:
    """The nearest of eight screen directions ("right", "up-left", "down" …)."""
    names = ("right", "up-right", "up", "up-left", "left", "down-left", "down", "down-right")
    return names[round((direction_deg % 360.0) / 45.0) % 8]


def _tokens(prompt: str) -> list[str]:
    text = prompt.lower().replace("’", "'")
    for pattern, replacement in _PHRASE_RULES:
        text = pattern.sub(replacement, text)
    tokens = _TOKEN.findall(text)
    if COAST_WORDS.intersection(tokens):
        tokens = ["surf" if tok == "whitewater" else tok for tok in tokens]
    return tokens


def _clauses(tokens: list[str]) -> list[list[tuple[int, str]]]:
    """Split into clauses of (position, token), dropping the breaking words themselves."""
    clauses: list[list[tuple[int, str]]] = [[]]
    for pos, tok in enumerate(tokens):
        if tok in CLAUSE_BREAKS:
            if clauses[-1]:
                clauses.append([])
        else:
            clauses[-1].append((pos, tok))
    return [c for c in clauses if c]


def _fluid_nouns(clause: list[tuple[int, str]]) -> list[tuple[int, str, FluidKind]]:
    found = [(pos, tok, kind) for pos, tok in clause if (kind := fluid_kind(tok)) is not None]
    strong = [f for f in found if f[1] not in WEAK_NOUNS]
    return strong or found


@dataclass
class _Mention:
    noun: str
    kind: FluidKind
    words: list[str] = field(default_factory=list)


def _combine_directions(words: list[str]) -> float | None:
    said = [DIRECTION_WORDS[w] for w in words if w in DIRECTION_WORDS]
    angles = list(dict.fromkeys(said))  # "rising up" is one direction said twice
    if not angles:
        return None
    x = sum(math.cos(math.radians(a)) for a in angles)
    y = sum(math.sin(math.radians(a)) for a in angles)
    if math.hypot(x, y) < 1e-6:  # opposite words cancel: the last one said wins
        return said[-1]
    return math.degrees(math.atan2(y, x)) % 360.0


def _speed_factor(words: list[str]) -> float:
    factor, intensify = 1.0, False
    for w in words:
        if w in INTENSIFIERS:
            intensify = True
        elif w in SPEED_WORDS:
            factor *= SPEED_WORDS[w] ** (INTENSIFIER_POWER if intensify else 1.0)
            intensify = False
    return factor


def _turbulence_factor(words: list[str]) -> float:
    factor = 1.0
    for w in words:
        factor *= TURBULENCE_WORDS.get(w, 1.0)
    return factor


def _spec(mention: _Mention) -> FluidSpec:
    kind, words = mention.kind, mention.words
    direction = _combine_directions(words)
    relevant = tuple(w for w in words if w in _MOTION_WORDS)
    return FluidSpec(
        noun=mention.noun,
        kind=kind,
        direction_deg=direction if direction is not None else kind.direction_deg,
        speed=min(max(kind.speed * _speed_factor(words), SPEED_RANGE[0]), SPEED_RANGE[1]),
        turbulence=kind.turbulence * _turbulence_factor(words),
        words=relevant,
    )


def parse_motion(prompt: str) -> list[FluidSpec]:
    """The fluids a prompt names, in order of first mention, each with its motion.

    Mentions of the same kind are merged ("clouds drifting across the sky" is one fluid).
    A prompt that names no known fluid gives one spec of the neutral kind
    (:data:`~cinemagraph.motion.vocabulary.NEUTRAL`, a slow drift right) carrying the
    prompt's direction and speed words; its ``kind.name`` is ``"neutral"``.
    """
    clauses = _clauses(_tokens(prompt or ""))
    nouns_per_clause = [_fluid_nouns(c) for c in clauses]
    mentions: list[_Mention] = []
    by_kind: dict[str, _Mention] = {}

    def mention_for(tok: str, kind: FluidKind) -> _Mention:
        if kind.name not in by_kind:
            by_kind[kind.name] = _Mention(tok, kind)
            mentions.append(by_kind[kind.name])
        return by_kind[kind.name]

    orphan_words: list[str] = []  # words before the first clause that names a fluid
    last: _Mention | None = None
    for clause, nouns in zip(clauses, nouns_per_clause, strict=True):
        if not nouns:
            words = [tok for _, tok in clause]
            if last is None:
                orphan_words.extend(words)
            else:
                last.words.extend(words)
            continue
        owners = [mention_for(tok, kind) for _, tok, kind in nouns]
        if orphan_words:
            owners[0].words.extend(orphan_words)
            orphan_words = []
        positions = [n[0] for n in nouns]
        for pos, tok in clause:
            nearest = min(range(len(positions)), key=lambda i: (abs(positions[i] - pos), i))
            owners[nearest].words.append(tok)
        last = owners[-1]

    if not mentions:
        return [_spec(_Mention("", NEUTRAL, orphan_words))]
    return [_spec(m) for m in mentions]


def with_words(spec: FluidSpec, text: str) -> FluidSpec:
    """``spec`` with the motion words of ``text`` added after its own (later words count too).

    For example ``with_words(waterfall_spec, "slowly")`` is a waterfall at half speed.
    """
    return _spec(_Mention(spec.noun, spec.kind, [*spec.words, *_tokens(text)]))
