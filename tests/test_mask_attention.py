"""The mask from attention on constructed statistics whose segments and word maps are known.

The self-attention grid is 16×16 over a 32×32 latent and a 256×256 image, so one grid cell
is 16×16 image pixels. Regions are horizontal bands of grid rows unless said otherwise:
every position attends uniformly to its own band (plus a faint uniform background), so
the clusters are the bands, and a word's cross-attention map is bright on chosen rows.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from cinemagraph.diffusion.attention_stats import AttentionStatistics
from cinemagraph.errors import CinemagraphError
from cinemagraph.mask import (
    AttentionSegmenter,
    MaskSettings,
    Segmenter,
    UserMasks,
    attention_masks,
    choose_segmenter,
    masks_from_attention,
    save_masks,
    union_mask,
)
from cinemagraph.mask.attention import prompt_words
from cinemagraph.mask.grid import cell_size_px, latent_per_cell, latent_to_grid
from cinemagraph.motion.words import parse_motion

GRID = (16, 16)
LATENT = (32, 32)
IMAGE = (256, 256)
CELL = 16  # image pixels per grid cell


def bands(*starts: int, grid=GRID) -> np.ndarray:
    """Grid labels: band i covers grid rows starts[i] … starts[i+1]−1 (to the bottom)."""
    labels = np.zeros(grid, dtype=np.int32)
    for i, start in enumerate(starts):
        labels[start:] = i
    return labels


def region_attention(labels: np.ndarray, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """N×N self-attention: each position attends uniformly to its own region (+ background)."""
    flat = labels.ravel()
    same = (flat[:, None] == flat[None, :]).astype(np.float64)
    attention = 0.99 * same / same.sum(axis=1, keepdims=True) + 0.01 / flat.size
    if noise:
        attention += noise * np.random.default_rng(seed).random(attention.shape) / flat.size
    return (attention / attention.sum(axis=1, keepdims=True)).astype(np.float32)


def rows_map(rows: dict[tuple[int, int], float], latent=LATENT, seed: int = 1) -> np.ndarray:
    """A word's latent cross-attention: ``value`` on grid rows [a, b) (2 latent rows each)."""
    out = 0.02 * np.random.default_rng(seed).random(latent)
    for (a, b), value in rows.items():
        out[2 * a : 2 * b] = value + 0.02 * np.random.default_rng(seed + a).random(
            (2 * (b - a), latent[1]))
    return out.astype(np.float32)


def make_stats(
    tokens: list[tuple[str, bool, np.ndarray | None]],
    labels: np.ndarray,
    noise: float = 0.0,
    latent=LATENT,
    image=IMAGE,
) -> AttentionStatistics:
    """Statistics from (token text, ends word, latent map or None for faint noise) triples."""
    rng = np.random.default_rng(5)
    maps = [m if m is not None else 0.02 * rng.random(latent) for _, _, m in tokens]
    return AttentionStatistics(
        self_attention=region_attention(labels, noise),
        self_attention_size=labels.shape,
        self_attention_steps=3,
        self_attention_max_timestep=541,
        cross_attention=np.stack(maps).astype(np.float32),
        cross_attention_steps=6,
        tokens=tuple(t for t, _, _ in tokens),
        token_ends_word=tuple(e for _, e, _ in tokens),
        latent_size=latent,
        image_size=image,
    )


def rows_mask(first: int, stop: int, cell: int = CELL, image=IMAGE) -> np.ndarray:
    """Expected float32 image mask: grid rows [first, stop) at full width."""
    mask = np.zeros(image, dtype=np.float32)
    mask[first * cell : stop * cell] = 1.0
    return mask


def test_waterfall_band_is_found_exactly_among_ten_clusters():
    labels = bands(0, 5, 11)  # sky, hills, water
    stats = make_stats(
        [("a", True, None), ("large", True, None), ("waterfall", True, rows_map({(11, 16): 1.0}))],
        labels, noise=0.5,
    )
    masks = masks_from_attention(stats, "a large waterfall")
    assert list(masks) == ["waterfall"]
    mask = masks["waterfall"]
    assert mask.dtype == np.float32 and mask.shape == IMAGE
    np.testing.assert_array_equal(mask, rows_mask(11, 16))


def test_rectangle_keeps_its_straight_edges_and_rounds_only_its_corners():
    labels = np.zeros(GRID, dtype=np.int32)
    labels[4:12, 3:10] = 1
    word = 0.02 * np.random.default_rng(0).random(LATENT)
    word[8:24, 6:20] = 1.0
    stats = make_stats([("river", True, word)], labels)
    mask = masks_from_attention(stats, "river")["river"].astype(bool)
    box = np.zeros(IMAGE, dtype=bool)
    box[4 * CELL : 12 * CELL, 3 * CELL : 10 * CELL] = True
    assert not (mask & ~box).any()  # nothing outside the segment
    missing = box & ~mask
    assert 0 < missing.sum() < 4 * (CELL // 2) ** 2  # only near the four corners
    ys, xs = np.nonzero(missing)
    corners = np.array([(4, 3), (4, 10), (12, 3), (12, 10)]) * CELL
    near = np.min(np.hypot(ys[:, None] - corners[:, 0], xs[:, None] - corners[:, 1]), axis=1)
    assert near.max() < 0.75 * CELL  # rounded with a radius under a cell


def test_several_fluids_get_disjoint_masks_in_prompt_order():
    labels = bands(0, 5, 11)
    stats = make_stats(
        [("clouds", True, rows_map({(0, 5): 1.0})), ("over", True, None), ("a", True, None),
         ("waterfall", True, rows_map({(11, 16): 1.0}, seed=3))],
        labels, noise=0.3,
    )
    masks = masks_from_attention(stats, "clouds over a waterfall")
    assert list(masks) == [spec.noun for spec in parse_motion("clouds over a waterfall")]
    np.testing.assert_array_equal(masks["clouds"], rows_mask(0, 5))
    np.testing.assert_array_equal(masks["waterfall"], rows_mask(11, 16))


def test_a_region_both_fluids_claim_goes_to_the_stronger_attention():
    labels = bands(0, 5, 11)
    stats = make_stats(
        [("clouds", True, rows_map({(0, 5): 1.0, (5, 11): 0.8})), ("and", True, None),
         ("waterfall", True, rows_map({(11, 16): 1.0, (5, 11): 0.6}, seed=3))],
        labels,
    )
    masks = masks_from_attention(stats, "clouds and waterfall")
    np.testing.assert_array_equal(masks["clouds"], rows_mask(0, 11))
    np.testing.assert_array_equal(masks["waterfall"], rows_mask(11, 16))
    assert not (masks["clouds"] * masks["waterfall"]).any()


def test_a_word_of_several_tokens_and_a_second_noun_of_the_same_fluid():
    labels = bands(0, 4, 8, 12)
    stats = make_stats(
        [("water", False, rows_map({(12, 16): 1.0})), ("fall", True, None),  # "waterfall"
         ("under", True, None), ("sky", True, rows_map({(0, 4): 1.0}, seed=4)),
         ("and", True, None), ("clouds", True, rows_map({(4, 8): 1.0}, seed=6))],
        labels,
    )
    masks = masks_from_attention(stats, "waterfall under sky and clouds")
    assert list(masks) == ["waterfall", "sky"]  # sky and clouds are one fluid
    np.testing.assert_array_equal(masks["waterfall"], rows_mask(12, 16))
    np.testing.assert_array_equal(masks["sky"], rows_mask(0, 8))


def test_multi_word_fluid_names_are_joined_as_the_motion_stage_reads_them():
    labels = bands(0, 8)
    stats = make_stats(
        [("northern", True, rows_map({(0, 8): 1.0})), ("lights", True, None),
         (",", True, None), ("lake", True, rows_map({(8, 16): 1.0}, seed=2))],
        labels,
    )
    assert [w for w, _ in prompt_words(stats)] == ["aurora", "lake"]
    masks = masks_from_attention(stats, "northern lights, lake")
    assert list(masks) == ["aurora", "lake"]
    np.testing.assert_array_equal(masks["aurora"], rows_mask(0, 8))


def test_overlap_threshold_decides_a_segment_sixty_percent_inside():
    labels = bands(0, 5, 10)
    word = rows_map({(0, 8): 1.0})  # band 0 fully, band 1 on 3 of its 5 rows
    stats = make_stats([("smoke", True, word)], labels)
    strict = masks_from_attention(stats, "smoke", MaskSettings(overlap=0.7))["smoke"]
    loose = masks_from_attention(stats, "smoke", MaskSettings(overlap=0.5))["smoke"]
    np.testing.assert_array_equal(strict, rows_mask(0, 5))
    np.testing.assert_array_equal(loose, rows_mask(0, 10))


def test_when_no_segment_passes_the_most_overlapping_one_is_kept_with_a_warning():
    labels = bands(0, 5, 10)
    stats = make_stats([("fire", True, rows_map({(5, 7): 1.0}))], labels)  # 40% of band 1
    with pytest.warns(UserWarning, match="overlaps it most"):
        mask = masks_from_attention(stats, "fire")["fire"]
    np.testing.assert_array_equal(mask, rows_mask(5, 10))


def test_erosion_shrinks_inner_edges_by_the_radius_but_not_the_image_border():
    labels = bands(0, 5, 10)
    stats = make_stats(
        [("mist", True, rows_map({(5, 10): 1.0})), ("and", True, None),
         ("river", True, rows_map({(10, 16): 1.0}, seed=9))],
        labels,
    )
    masks = masks_from_attention(stats, "mist and river", MaskSettings(erode_px=3))
    mist = np.zeros(IMAGE, dtype=np.float32)
    mist[5 * CELL + 3 : 10 * CELL - 3] = 1.0
    river = np.zeros(IMAGE, dtype=np.float32)
    river[10 * CELL + 3 :] = 1.0
    np.testing.assert_array_equal(masks["mist"], mist)
    np.testing.assert_array_equal(masks["river"], river)


def test_erosion_that_would_remove_everything_is_skipped_with_a_warning():
    stats = make_stats([("mist", True, rows_map({(5, 7): 1.0}))], bands(0, 5, 7))
    with pytest.warns(UserWarning, match="uneroded"):
        mask = masks_from_attention(stats, "mist", MaskSettings(erode_px=40))["mist"]
    np.testing.assert_array_equal(mask, rows_mask(5, 7))


def test_small_pieces_are_dropped_but_the_largest_stays():
    labels = bands(0, 5)
    labels[10:12, 6:8] = 2  # a 2×2-cell island of its own
    word = rows_map({(0, 5): 1.0})
    word[20:24, 12:16] = 1.0
    stats = make_stats([("clouds", True, word)], labels)
    both = masks_from_attention(stats, "clouds")["clouds"]
    assert both[10 * CELL + CELL, 6 * CELL + CELL] == 1.0  # the island is kept by default
    cleaned = masks_from_attention(stats, "clouds", MaskSettings(min_component_px=2000))
    np.testing.assert_array_equal(cleaned["clouds"], rows_mask(0, 5))


def test_spectral_clustering_finds_the_same_bands():
    labels = bands(0, 5, 11)
    stats = make_stats(
        [("clouds", True, rows_map({(0, 5): 1.0})), ("and", True, None),
         ("sea", True, rows_map({(11, 16): 1.0}, seed=2))],
        labels, noise=0.3,
    )
    settings = MaskSettings(method="spectral")
    assert settings.cluster_count == 5
    masks = masks_from_attention(stats, "clouds and sea", settings)
    np.testing.assert_array_equal(masks["clouds"], rows_mask(0, 5))
    np.testing.assert_array_equal(masks["sea"], rows_mask(11, 16))


def test_same_statistics_and_seed_give_identical_masks():
    rng = np.random.default_rng(3)
    labels = (rng.random(GRID) * 4).astype(np.int32)  # a ragged, many-piece layout
    word = np.kron((labels >= 2).astype(np.float32), np.ones((2, 2), dtype=np.float32))
    stats = make_stats([("lava", True, word + 0.3 * rng.random(LATENT))], labels, noise=3.0)
    for method in ("kmeans", "spectral"):
        settings = MaskSettings(method=method, seed=4)
        first = masks_from_attention(stats, "lava", settings)["lava"]
        again = masks_from_attention(stats, "lava", settings)["lava"]
        np.testing.assert_array_equal(first, again)
        assert set(np.unique(first)) <= {0.0, 1.0}


def test_odd_latent_sizes_give_masks_of_the_image_size():
    latent, grid, image = (11, 9), (6, 5), (88, 72)
    assert latent_per_cell(latent, grid) == 2
    assert cell_size_px(latent, grid, image) == (16.0, 16.0)
    np.testing.assert_allclose(latent_to_grid(np.ones(latent), grid), 1.0)
    labels = bands(0, 3, grid=grid)
    word = np.zeros(latent, dtype=np.float32)
    word[6:] = 1.0
    stats = make_stats([("pond", True, word)], labels, latent=latent, image=image)
    mask = masks_from_attention(stats, "pond")["pond"]
    expected = np.zeros(image, dtype=np.float32)
    expected[48:] = 1.0
    np.testing.assert_array_equal(mask, expected)


def test_prompt_without_a_known_fluid_is_a_one_line_error():
    stats = make_stats([("a", True, None), ("house", True, rows_map({(0, 5): 1.0}))],
                       bands(0, 5))
    with pytest.raises(CinemagraphError, match=r"names no fluid.*waterfall.*--mask") as info:
        masks_from_attention(stats, "a house")
    assert "\n" not in str(info.value)


def test_fluid_missing_from_the_tokens_is_left_out_with_a_warning():
    stats = make_stats([("waterfall", True, rows_map({(5, 16): 1.0}))], bands(0, 5))
    with pytest.warns(UserWarning, match="'clouds' is not among the prompt tokens"):
        masks = masks_from_attention(stats, "clouds over a waterfall")
    assert list(masks) == ["waterfall"]


def test_flat_attention_gives_no_region_and_an_error():
    stats = make_stats([("river", True, np.full(LATENT, 0.3, dtype=np.float32))], bands(0, 5))
    with pytest.warns(UserWarning, match="same everywhere"), \
            pytest.raises(CinemagraphError, match="no region for river"):
        masks_from_attention(stats, "river")


def test_inconsistent_statistics_are_a_one_line_error():
    good = make_stats([("river", True, rows_map({(0, 5): 1.0}))], bands(0, 5))
    bad = AttentionStatistics(**{**good.__dict__, "self_attention": good.self_attention[:10]})
    with pytest.raises(CinemagraphError, match="inconsistent"):
        masks_from_attention(bad, "river")
    bad_grid = AttentionStatistics(**{**good.__dict__, "latent_size": (24, 24),
                                      "cross_attention": good.cross_attention[:, :24, :24]})
    with pytest.raises(CinemagraphError, match="does not come from"):
        masks_from_attention(bad_grid, "river")


@pytest.mark.parametrize("kwargs", [
    {"method": "dbscan"}, {"clusters": 1}, {"clusters": 2.5}, {"clusters": True},
    {"overlap": 0.0}, {"overlap": 1.5}, {"overlap": float("nan")}, {"text_threshold": 1.0},
    {"text_threshold": 0.0}, {"erode_px": -1}, {"erode_px": 1.5}, {"min_component_px": -3},
    {"seed": -1}, {"seed": 2**40},
])
def test_bad_settings_are_one_line_errors(kwargs):
    with pytest.raises(CinemagraphError) as info:
        MaskSettings(**kwargs)
    assert "\n" not in str(info.value)


def test_settings_defaults_are_the_published_ones():
    settings = MaskSettings()
    assert (settings.method, settings.cluster_count, settings.overlap) == ("kmeans", 10, 0.7)
    assert MaskSettings(clusters=7, method="spectral").cluster_count == 7


def test_attention_segmenter_is_a_segmenter_and_checks_the_image_size():
    stats = make_stats([("river", True, rows_map({(0, 5): 1.0}))], bands(0, 5))
    segmenter = AttentionSegmenter(stats)
    assert isinstance(segmenter, Segmenter)
    masks = segmenter(np.zeros((*IMAGE, 3), dtype=np.float32), parse_motion("river"))
    np.testing.assert_array_equal(masks["river"], rows_mask(0, 5))
    with pytest.raises(CinemagraphError, match="another image"):
        segmenter(np.zeros((128, 128, 3), dtype=np.float32), parse_motion("river"))
    assert attention_masks(stats, parse_motion("river")).keys() == masks.keys()


def test_user_masks_override_the_attention_and_take_the_fluids_names():
    stats = make_stats([("river", True, rows_map({(0, 5): 1.0}))], bands(0, 5))
    image = np.zeros((*IMAGE, 3), dtype=np.float32)
    drawn = rows_mask(8, 10)
    chosen = choose_segmenter(drawn, stats)
    assert isinstance(chosen, UserMasks) and isinstance(chosen, Segmenter)
    fluids = parse_motion("clouds over a river")
    np.testing.assert_array_equal(chosen(image, fluids)["clouds"], drawn)
    pairs = UserMasks([(None, drawn), ("river", rows_mask(0, 2)), (None, rows_mask(3, 4))])
    assert list(pairs(image, fluids)) == ["clouds", "river", "region-3"]
    assert isinstance(choose_segmenter(None, stats), AttentionSegmenter)
    assert isinstance(choose_segmenter({}, stats), AttentionSegmenter)
    with pytest.raises(CinemagraphError, match="--mask"):
        choose_segmenter(None, None)
    with pytest.raises(CinemagraphError, match="is 2×2 but the image is 256×256"):
        UserMasks(np.ones((2, 2)))(image, fluids)
    with pytest.raises(CinemagraphError, match="two masks are named"):
        UserMasks([("sea", drawn), ("sea", drawn)])(image, fluids)


def test_save_masks_writes_the_union_and_one_file_per_fluid(tmp_path):
    from cinemagraph.io.images import load_mask

    masks = {"clouds": rows_mask(0, 5), "waterfall": rows_mask(11, 16)}
    paths = save_masks(tmp_path / "run", masks)
    assert [p.name for p in paths] == ["mask.png", "mask-clouds.png", "mask-waterfall.png"]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == sorted(p.name for p in paths)
    np.testing.assert_array_equal(load_mask(paths[0], IMAGE), union_mask(masks))
    np.testing.assert_array_equal(load_mask(paths[2], IMAGE), masks["waterfall"])
    with pytest.raises(CinemagraphError, match="share a file name"):
        save_masks(tmp_path, {"Sea": masks["clouds"], "sea": masks["clouds"]})


def test_masks_survive_the_npz_round_trip(tmp_path):
    labels = bands(0, 5, 11)
    stats = make_stats(
        [("clouds", True, rows_map({(0, 5): 1.0})), ("over", True, None),
         ("waterfall", True, rows_map({(11, 16): 1.0}, seed=3))],
        labels, noise=0.3,
    )
    loaded = AttentionStatistics.load(stats.save(tmp_path / "attention.npz"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        before = masks_from_attention(stats, "clouds over waterfall")
        after = masks_from_attention(loaded, "clouds over waterfall")
    assert list(before) == list(after)
    for name in before:
        np.testing.assert_array_equal(before[name], after[name])
