"""The twin's natural caption: scene kept, style dropped, photographic suffix added."""

from __future__ import annotations

import pytest

from cinemagraph.diffusion.captions import NATURAL_SUFFIX, natural_caption

SUFFIX = ", ".join(NATURAL_SUFFIX)


@pytest.mark.parametrize(
    ("prompt", "scene"),
    [
        ("a large waterfall falling from hills during sunset in the style of Leonid Afremov",
         "a large waterfall falling from hills during sunset"),
        ("an oil painting of a river in a forest by Claude Monet", "a river in a forest"),
        ("waterfall, digital art, trending on artstation", "waterfall"),
        ("Van Gogh style painting of clouds over a village", "clouds over a village"),
        ("a river in a forest in watercolor style", "a river in a forest"),
        ("waterfall in the jungle, in Afremov's style", "waterfall in the jungle"),
        ("a beautiful painting of a waterfall by Bob Ross", "a waterfall"),
        ("smoke rising from a chimney, art by greg rutkowski, highly detailed",
         "smoke rising from a chimney"),
        ("Clouds drifting over mountains, impressionist painting",
         "Clouds drifting over mountains"),
        ("a lake in an impressionist style", "a lake"),
    ],
)
def test_style_goes_scene_stays(prompt, scene):
    assert natural_caption(prompt) == f"{scene}, {SUFFIX}"


def test_scene_phrases_with_by_and_in_survive():
    assert natural_caption("a house by the lake, watercolor") == f"a house by the lake, {SUFFIX}"
    assert natural_caption("campfire by the river, starry night") == (
        f"campfire by the river, starry night, {SUFFIX}"
    )


def test_suffix_terms_are_not_repeated():
    caption = natural_caption("a photo of a lake at night, realistic, 4k")
    assert caption.startswith("a photo of a lake at night, realistic")
    for term in NATURAL_SUFFIX:
        assert caption.lower().split(", ").count(term) == 1


def test_all_style_prompt_leaves_only_the_suffix():
    assert natural_caption("oil painting, by Claude Monet") == SUFFIX


@pytest.mark.parametrize(("prompt", "scene"), [
    ("a river in the mountains, Van Gough", "a river in the mountains"),
    ("waves on a beach, by Vincent van Gough, oil on canvas", "waves on a beach"),
    ("a pencil sketch of a waterfall", "a waterfall"),
    ("a lake, pencil", "a lake"),
    ("a waterfall, brushstrokes", "a waterfall"),
    ("cyberpunk city with a river", "city with a river"),
    ("lowpoly lake with mountains", "lake with mountains"),
    ("ancient photo, brown tint, a sea with waves", "a sea with waves"),
    ("a cinematic shot of a river", "a river"),
    ("a waterfall in a forest, digital illustration, cinematic lighting",
     "a waterfall in a forest"),
])
def test_style_and_medium_phrases_go_and_the_scene_stays(prompt: str, scene: str) -> None:
    caption = natural_caption(prompt)
    assert caption.split(", nature")[0] == scene
