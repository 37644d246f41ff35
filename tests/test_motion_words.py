"""Reading motion from words: the vocabulary, direction and speed words, attribution."""

from __future__ import annotations

import pytest

from cinemagraph.motion.field import scene_fluids
from cinemagraph.motion.vocabulary import NEUTRAL, VOCABULARY, fluid_kind, known_fluids
from cinemagraph.motion.words import FluidSpec, direction_name, parse_motion, with_words


def only(prompt: str) -> FluidSpec:
    specs = parse_motion(prompt)
    assert len(specs) == 1, specs
    return specs[0]


def angle_gap(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


@pytest.mark.parametrize(("noun", "kind"), [
    ("waterfall", "waterfall"), ("cascade", "waterfall"), ("river", "river"),
    ("stream", "river"), ("creek", "river"), ("rapids", "rapids"), ("sea", "sea"),
    ("ocean", "sea"), ("waves", "sea"), ("lake", "lake"), ("clouds", "clouds"),
    ("sky", "clouds"), ("smoke", "smoke"), ("steam", "smoke"), ("mist", "mist"),
    ("fog", "mist"), ("fire", "fire"), ("flames", "fire"), ("fountain", "fountain"),
    ("lava", "lava"), ("aurora", "aurora"), ("northern lights", "aurora"), ("pool", "lake"),
])
def test_the_issue_nouns_are_known(noun, kind):
    assert only(f"a {noun}").kind.name == kind


def test_defaults_match_the_physics_of_each_kind():
    fall, river, sea, lake, clouds = (only(p) for p in
                                      ("waterfall", "river", "sea", "lake", "clouds"))
    smoke, fire, mist = only("smoke"), only("fire"), only("mist")
    assert fall.direction_deg == 270 and fall.speed > river.speed > clouds.speed
    assert river.direction_deg is None  # runs along its channel
    assert sea.direction_deg is lake.direction_deg is None  # along the shore
    assert sea.kind.along_shore and lake.kind.along_shore and not river.kind.along_shore
    assert lake.speed < clouds.speed < fall.speed and sea.speed <= 0.5
    assert smoke.direction_deg == fire.direction_deg == 90
    assert mist.direction_deg == clouds.direction_deg == 0
    assert fire.turbulence > lake.turbulence and smoke.turbulence > lake.turbulence
    assert only("rapids").turbulence > lake.turbulence


def test_every_kind_has_sensible_numbers():
    assert len({k.name for k in VOCABULARY}) == len(VOCABULARY) == len(known_fluids())
    for kind in VOCABULARY:
        assert 0 < kind.speed <= 3 and 0 <= kind.turbulence <= 1 and kind.feature_px > 0
        assert all(fluid_kind(noun) is kind for noun in kind.nouns)


@pytest.mark.parametrize(("prompt", "angle"), [
    ("river flowing to the left", 180), ("clouds drifting right", 0), ("smoke rising", 90),
    ("a waterfall falling", 270), ("waves rolling towards the camera", 270),
    ("mist moving toward the viewer", 270), ("smoke drifting away from the camera", 90),
    ("fog drifting north-east", 45), ("clouds moving west", 180),
    ("steam going up and to the left", 135), ("clouds moving from left to right", 0),
    ("lava flowing southwest", 225), ("fire leaning rightwards", 0),
])
def test_direction_words(prompt, angle):
    assert angle_gap(only(prompt).direction_deg, angle) < 1e-6


def test_speed_words_order_the_speeds():
    speeds = [only(p).speed for p in ("river flowing very slowly", "gently flowing river",
                                      "river", "fast river", "rushing river")]
    assert speeds == sorted(speeds) and len(set(speeds)) == len(speeds)


def test_texture_words_change_the_turbulence():
    assert only("calm lake").turbulence < only("lake").turbulence < only("choppy lake").turbulence


def test_words_belong_to_the_fluid_they_describe():
    clouds, fall = parse_motion("clouds drifting right over a waterfall")
    assert clouds.kind.name == "clouds" and clouds.direction_deg == 0
    assert fall.kind.name == "waterfall" and fall.direction_deg == 270
    assert fall.speed == only("waterfall").speed

    smoke, fire = parse_motion("smoke drifting left from a roaring fire")
    assert smoke.direction_deg == 180 and smoke.speed == only("smoke").speed
    assert fire.direction_deg == 90 and fire.speed > only("fire").speed

    lake, clouds = parse_motion("a calm lake under fast clouds moving left")
    assert lake.direction_deg is None and clouds.direction_deg == 180
    assert clouds.speed > only("clouds").speed and lake.speed == only("lake").speed


def test_mentions_of_one_kind_merge_and_water_yields_to_named_fluids():
    assert [s.kind.name for s in parse_motion("clouds drifting across the sky")] == ["clouds"]
    assert only("lake water").kind.name == "lake"
    assert only("water flowing left").kind.name == "river"


def test_unknown_fluid_gets_the_neutral_default_with_its_words():
    assert only("a medieval castle").kind is NEUTRAL
    assert only("").kind is NEUTRAL
    neutral = only("something moving slowly to the left")
    assert neutral.kind is NEUTRAL and neutral.direction_deg == 180
    assert neutral.speed < NEUTRAL.speed


def test_parsing_is_deterministic():
    prompt = "smoke billowing up and to the right over a raging river"
    assert parse_motion(prompt) == parse_motion(prompt)


def test_with_words_adds_motion_words():
    fall = only("waterfall")
    slow = with_words(fall, "slowly, to the left")
    assert slow.kind is fall.kind and slow.speed < fall.speed and slow.direction_deg == 180


def test_direction_names():
    assert [direction_name(a) for a in (0, 44, 90, 180, 269, 315, 359)] == [
        "right", "up-right", "up", "left", "down", "down-right", "right"]
    assert "along its channel" in only("river").describe()
    assert "along the shore" in only("lake").describe()
    assert "down (270°)" in only("waves rolling towards the camera").describe()
    assert "down (270°)" in only("waterfall").describe()


def test_scene_fluids_match_regions_by_name_then_by_order():
    prompt = "clouds drifting right over a waterfall"
    named = scene_fluids(["waterfall", "clouds"], prompt)
    assert [s.kind.name for s in named] == ["waterfall", "clouds"]
    assert named[1].direction_deg == 0  # the prompt's words for clouds apply

    ordered = scene_fluids([None, None, None], prompt)
    assert [s.kind.name for s in ordered] == ["clouds", "waterfall", "waterfall"]

    demo = scene_fluids(["clouds drifting right", "waterfall", "lake rippling gently"])
    assert [(s.kind.name, s.direction_deg) for s in demo] == [
        ("clouds", 0), ("waterfall", 270), ("lake", None)]
    assert demo[2].speed < only("lake").speed

    pool = scene_fluids(["pool"], "a waterfall into a calm lake")[0]
    assert pool.kind.name == "lake" and pool.turbulence < only("lake").turbulence

    steered = scene_fluids(["moving left"], "waterfall")[0]
    assert steered.kind.name == "waterfall" and steered.direction_deg == 180
