"""The fluids the motion prior knows, and how each one moves when the prompt says nothing more.

Speeds are in pixels per frame for an image 512 pixels wide (they scale linearly with the
width); turbulence is the strength of the swirling motion relative to the main speed;
``feature_px`` is the size of the swirls, also at 512 px width. Water swirls are large and
weak: fine, strong curl folds the texture it carries into marbled contour lines.

==========  ==================================================  ===========  ======  ==========
kind        nouns                                               moves        speed   turbulence
==========  ==================================================  ===========  ======  ==========
waterfall   waterfall, cascade, cataract                        falls        2.75    0.05
river       river, stream, creek, brook, water (*)              along its    1.5     0.1
                                                                channel
rapids      rapids, whitewater, torrent                         along its    2.5     0.25
                                                                channel
sea         sea, ocean, wave, surf, tide                        along the    0.5     0.18
                                                                shore
lake        lake, pond, pool, lagoon                            along the    0.3     0.08
                                                                shore
clouds      cloud, clouds, sky                                  drift right  0.5     0.2
smoke       smoke, steam, vapour                                rise         0.7     0.5
mist        mist, fog, haze                                     drift right  0.4     0.4
fire        fire, flame, blaze, campfire, bonfire               rise         1.2     0.6
fountain    fountain, geyser                                    rise         1.5     0.3
lava        lava, magma                                         along its    0.3     0.1
                                                                channel
aurora      aurora, northern lights                             drift right  0.4     0.3
==========  ==================================================  ===========  ======  ==========

(*) "water" counts only when no other fluid is named beside it: "lake water" is a lake.

"Along its channel" means the direction comes from the region's shape: between the two
openings onto the frame that lie farthest apart, along the far bank of a wide region with
one opening, from the region towards a lone opening otherwise, or along its long axis when
it does not touch the frame; pointing down the screen (towards the viewer). A level
channel (within 15° of level) runs towards the end that sits lower in the frame, the end
nearer the viewer, or to the right when it is level within 2°; either way slowly, as the
sign is a guess. "Along the shore" means sideways, parallel to the region's far shore or
horizon, towards the side with a near shore, and turned towards the viewer when the water
also runs out of the frame's bottom (:mod:`.shore`). Direction words win over both
("towards the viewer" is straight down the screen).

A prompt that names none of these fluids gets the neutral default :data:`NEUTRAL`: a slow
drift to the right (0.5 px/frame, light turbulence).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Image width (pixels) at which the vocabulary's speeds and sizes are stated.
REFERENCE_WIDTH = 512


@dataclass(frozen=True)
class FluidKind:
    """How one kind of fluid moves by default.

    ``direction_deg`` is counter-clockwise on screen (0 right, 90 up, 270 down), or None for
    "from the region's shape": along its channel, or along its far shore when
    ``along_shore``. ``speed`` is pixels per frame at 512 px image width;
    ``turbulence`` is relative to the speed; ``feature_px`` is the swirl size at 512 px.
    """

    name: str
    nouns: tuple[str, ...]
    direction_deg: float | None
    speed: float
    turbulence: float
    feature_px: float
    description: str
    along_shore: bool = False


VOCABULARY: tuple[FluidKind, ...] = (
    FluidKind("waterfall", ("waterfall", "waterfalls", "cascade", "cascades", "cataract",
                            "cataracts"), 270.0, 2.75, 0.05, 60.0, "falls"),
    FluidKind("river", ("river", "rivers", "stream", "streams", "creek", "creeks", "brook",
                        "brooks", "water"), None, 1.5, 0.1, 60.0, "runs along its channel"),
    FluidKind("rapids", ("rapids", "whitewater", "torrent", "torrents"), None, 2.5, 0.25, 40.0,
              "rushes along its channel"),
    FluidKind("sea", ("sea", "seas", "ocean", "oceans", "wave", "waves", "surf", "tide"),
              None, 0.5, 0.18, 60.0, "rolls along the shore", along_shore=True),
    FluidKind("lake", ("lake", "lakes", "pond", "ponds", "pool", "pools", "lagoon",
                       "lagoons"), None, 0.3, 0.08, 80.0, "ripples along the shore",
              along_shore=True),
    FluidKind("clouds", ("cloud", "clouds", "sky", "skies"), 0.0, 0.5, 0.2, 48.0, "drift"),
    FluidKind("smoke", ("smoke", "steam", "vapour", "vapor"), 90.0, 0.7, 0.5, 24.0, "rises"),
    FluidKind("mist", ("mist", "mists", "fog", "fogs", "haze"), 0.0, 0.4, 0.4, 40.0, "drifts"),
    FluidKind("fire", ("fire", "fires", "flame", "flames", "blaze", "campfire", "bonfire"),
              90.0, 1.2, 0.6, 12.0, "rises"),
    FluidKind("fountain", ("fountain", "fountains", "geyser", "geysers"), 90.0, 1.5, 0.3, 12.0,
              "spouts upwards"),
    FluidKind("lava", ("lava", "magma"), None, 0.3, 0.1, 32.0, "creeps along its channel"),
    FluidKind("aurora", ("aurora", "auroras", "aurorae"), 0.0, 0.4, 0.3, 48.0, "drifts"),
)

#: The motion used when a prompt names no known fluid: a slow, lightly turbulent drift right.
NEUTRAL = FluidKind("neutral", (), 0.0, 0.5, 0.2, 32.0, "drifts (neutral default)")

#: Multi-word names rewritten to a single noun before the prompt is read.
PHRASES: tuple[tuple[str, str], ...] = (
    ("northern lights", "aurora"),
    ("southern lights", "aurora"),
    ("white water", "whitewater"),
)

#: Nouns that name a fluid only when no other fluid noun stands beside them.
WEAK_NOUNS = frozenset({"water"})

_BY_NOUN = {noun: kind for kind in VOCABULARY for noun in kind.nouns}


def fluid_kind(word: str) -> FluidKind | None:
    """The kind a (lower-case) noun names, or None when it is not a known fluid."""
    return _BY_NOUN.get(word)


def kind_by_name(name: str) -> FluidKind | None:
    """A kind by its name (``"waterfall"``, ``"clouds"`` …), or None."""
    return next((kind for kind in VOCABULARY if kind.name == name), None)


def known_fluids() -> list[str]:
    """The names of the known fluid kinds, in vocabulary order."""
    return [kind.name for kind in VOCABULARY]


def known_nouns() -> list[str]:
    """Every noun the vocabulary recognises, sorted."""
    return sorted(_BY_NOUN)
