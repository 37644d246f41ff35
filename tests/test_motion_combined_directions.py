"""Combined direction phrases give the bisector of their directions; coast readings."""

from __future__ import annotations

import itertools

import pytest

from cinemagraph.motion.words import parse_motion

PHRASES = {
    "left to right": 0.0,
    "upwards": 90.0,
    "right to left": 180.0,
    "downwards": 270.0,
}
COMPASS = {"northeast": 45.0, "north-west": 135.0, "south west": 225.0, "southeast": 315.0}


def angle_gap(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def perpendicular_pairs() -> list[tuple[str, str, float]]:
    pairs = []
    for (a, da), (b, db) in itertools.permutations(PHRASES.items(), 2):
        if angle_gap(da, db) == 90.0:
            bisector = (da + ((db - da + 180.0) % 360.0 - 180.0) / 2.0) % 360.0
            pairs.append((a, b, bisector))
    return pairs


@pytest.mark.parametrize(("first", "second", "expected"), perpendicular_pairs())
@pytest.mark.parametrize("template", ["water flowing in {a}, {b} direction",
                                      "a river moving {a} and {b}",
                                      "clouds drifting {a} {b}"])
def test_two_directions_in_either_order_give_their_bisector(first, second, expected,
                                                            template) -> None:
    (spec,) = parse_motion(template.format(a=first, b=second))
    assert spec.direction_deg is not None
    assert angle_gap(spec.direction_deg, expected) <= 10.0


def test_every_combination_is_covered() -> None:
    assert len(perpendicular_pairs()) == 8


@pytest.mark.parametrize(("prompt", "expected"), [
    ("a river flowing diagonally down and to the left", 225.0),
    ("a river flowing diagonally up and to the right", 45.0),
    ("smoke rising up and to the left", 135.0),
    ("a stream running down and to the right", 315.0),
])
def test_diagonal_phrases(prompt: str, expected: float) -> None:
    (spec,) = parse_motion(prompt)
    assert angle_gap(spec.direction_deg, expected) <= 10.0


@pytest.mark.parametrize(("word", "expected"), COMPASS.items())
def test_compass_words(word: str, expected: float) -> None:
    (spec,) = parse_motion(f"clouds drifting {word}")
    assert angle_gap(spec.direction_deg, expected) <= 10.0


@pytest.mark.parametrize("prompt", ["white water on a beach", "a beach with white water",
                                    "white water washing onto the shore"])
def test_white_water_on_a_coast_is_surf(prompt: str) -> None:
    kinds = [spec.kind.name for spec in parse_motion(prompt)]
    assert "sea" in kinds and "rapids" not in kinds


def test_white_water_in_a_river_stays_rapids() -> None:
    assert [s.kind.name for s in parse_motion("white water in a canyon")] == ["rapids"]


def test_surf_washing_up_the_beach_moves_as_the_sea_does() -> None:
    (surf,) = parse_motion("surf washing up the beach")
    (sea,) = parse_motion("surf on a beach")
    assert surf.kind.name == "sea"
    assert surf.direction_deg == sea.direction_deg  # along the shore, not up the screen
    assert surf.direction_deg is None or angle_gap(surf.direction_deg, 90.0) > 45.0
