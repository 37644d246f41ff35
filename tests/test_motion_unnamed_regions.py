"""A region that names no fluid of its own does not silently take another fluid's motion."""

from __future__ import annotations

import warnings

import pytest

from cinemagraph.motion.field import scene_fluids


def test_second_unnamed_region_warns_by_name() -> None:
    with pytest.warns(UserWarning, match='"left part" names no fluid'):
        specs = scene_fluids(["river", "left part"], "a river flowing left")
    assert [s.kind.name for s in specs] == ["river", "river"]


def test_unlabelled_extra_region_warns_by_number() -> None:
    with pytest.warns(UserWarning, match="region 2 names no fluid"):
        scene_fluids([None, None], "a waterfall")


def test_regions_matched_to_named_fluids_stay_silent() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        specs = scene_fluids([None, "lake"], "clouds over a waterfall")
    assert [s.kind.name for s in specs] == ["clouds", "lake"]
