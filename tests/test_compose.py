"""The blend of the forward and backward splat, on accumulators built by hand."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from cinemagraph.animate.compose import (
    COVERAGE_POWER,
    EDGE_FLOOR,
    EDGE_RAMP,
    FULL_COVERAGE,
    MIN_COVERAGE,
    contrast_statistics,
    coverage_shares,
    local_coverage,
    normalize_and_compose,
    row_parts,
    row_spans,
    statistics_shape,
)


def _accumulator(colour: np.ndarray, den: float = 1.0) -> np.ndarray:
    """An h×w×4 accumulator whose normalised colour is ``colour`` and whose den is ``den``."""
    return np.concatenate([colour * den, np.full((*colour.shape[:2], 1), den)], -1).astype(
        np.float32
    )


def _compose(x: np.ndarray, y: np.ndarray, a: float, preserve: bool = True):
    h, w = x.shape[:2]
    acc_f, acc_b = _accumulator(x), _accumulator(y)
    cov_f, cov_b = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    alpha = np.ones((h, w), np.float32)
    lo, hi = row_spans(alpha)
    parts = row_parts(lo, hi, 2)
    for acc, cov in ((acc_f, cov_f), (acc_b, cov_b)):
        local_coverage(acc, cov, lo, hi)
        coverage_shares(cov, lo, hi, np.empty((h, w), np.int32))
    stats = np.zeros(statistics_shape(h, w))
    contrast_statistics(acc_f, acc_b, cov_f, cov_b, a, 1 - a, alpha, lo, hi, parts, stats)
    frame = np.zeros((h, w, 3), np.uint8)
    holes = np.zeros((h, w), bool)
    n = normalize_and_compose(acc_f, acc_b, cov_f, cov_b, a, 1 - a, stats, preserve,
                              x.astype(np.float32), alpha, lo, hi, parts, frame, holes)
    return frame / 255.0, stats, n


def test_identical_splats_are_fully_correlated_and_unchanged():
    rng = np.random.default_rng(0)
    x = (0.2 + 0.6 * rng.random((48, 64, 3))).astype(np.float32)
    out, stats, holes = _compose(x, x, 0.5)
    assert holes == 0
    np.testing.assert_allclose(stats[..., 1], 1.0, atol=1e-6)  # ρ
    np.testing.assert_allclose(out, x, atol=0.5 / 255 + 1e-6)


def test_independent_splats_get_their_variance_back():
    rng = np.random.default_rng(1)
    x = (0.3 + 0.4 * rng.random((64, 64, 3))).astype(np.float32)
    y = (0.3 + 0.4 * rng.random((64, 64, 3))).astype(np.float32)
    rho = _compose(x, y, 0.5)[1][..., 1]
    assert rho.shape == (4, 4) and np.abs(rho).max() < 0.3
    plain, _, _ = _compose(x, y, 0.5, preserve=False)
    kept, _, _ = _compose(x, y, 0.5)
    assert plain.std() == pytest.approx(x.std() / np.sqrt(2), rel=0.05)
    assert kept.std() == pytest.approx(x.std(), rel=0.05)
    assert kept.mean() == pytest.approx(plain.mean(), abs=1e-3)


@pytest.mark.parametrize("a", [1.0, 0.0])
def test_one_direction_alone_is_its_own_colour(a):
    rng = np.random.default_rng(2)
    x = rng.random((32, 32, 3)).astype(np.float32)
    y = rng.random((32, 32, 3)).astype(np.float32)
    out, _, _ = _compose(x, y, a)
    np.testing.assert_allclose(out, x if a == 1.0 else y, atol=0.5 / 255 + 1e-6)


@settings(max_examples=60, deadline=None)
@given(
    alpha=arrays(np.float32, st.tuples(st.integers(1, 40), st.integers(1, 30)),
                 elements=st.sampled_from([0.0, 0.0, 0.5, 1.0])),
    threads=st.integers(1, 6),
)
def test_row_spans_hold_every_animated_pixel_and_threads_share_the_work(alpha, threads):
    lo, hi = row_spans(alpha)
    cols = np.arange(alpha.shape[1])
    inside = (cols >= lo[:, None]) & (cols < hi[:, None])
    assert not ((alpha > 0) & ~inside).any()
    present = (alpha > 0).any(axis=1)
    assert (alpha[present, lo[present]] > 0).all() and (alpha[present, hi[present] - 1] > 0).all()
    parts = row_parts(lo, hi, threads)
    assert parts[0] == 0 and parts[-1] == alpha.shape[0] and len(parts) == threads + 1
    assert (np.diff(parts) >= 0).all()
    work = hi - lo
    shares = [work[a:b].sum() for a, b in itertools.pairwise(parts)]
    # No thread gets more than its share plus one row.
    assert max(shares) <= work.sum() / threads + work.max()


@settings(max_examples=60, deadline=None)
@given(
    den=arrays(np.float32, st.tuples(st.integers(1, 12), st.integers(1, 12)),
               elements=st.floats(0, 4, width=32)),
    data=st.data(),
)
def test_local_coverage_is_the_renormalised_binomial_blur_within_the_spans(den, data):
    from scipy.ndimage import correlate

    h, w = den.shape
    alpha = data.draw(arrays(np.float32, (h, w), elements=st.sampled_from([0.0, 1.0])))
    acc = np.zeros((h, w, 4), np.float32)
    acc[..., 3] = den
    lo, hi = row_spans(alpha)
    coverage = np.full((h, w), -1.0, np.float32)
    local_coverage(acc, coverage, lo, hi)
    kernel = np.outer([1, 2, 1], [1, 2, 1]).astype(np.float64)
    blur = correlate(den.astype(np.float64), kernel, mode="constant")
    blur /= correlate(np.ones((h, w)), kernel, mode="constant")
    inside = np.arange(w) >= lo[:, None]
    inside &= np.arange(w) < hi[:, None]
    np.testing.assert_allclose(coverage[inside], blur[inside], rtol=1e-5, atol=1e-5)
    assert (coverage[~inside] == -1.0).all()  # nothing written outside the spans


@settings(max_examples=40, deadline=None)
@given(
    coverage=arrays(np.float32, st.tuples(st.integers(1, 40), st.integers(1, 40)),
                    elements=st.sampled_from([0.0, 0.0, 0.3, 1.0, 1.3])),
    data=st.data(),
)
def test_shares_fade_in_over_the_box_of_pixels_not_reached(coverage, data):
    from scipy.signal import convolve2d

    h, w = coverage.shape
    alpha = data.draw(arrays(np.float32, (h, w), elements=st.sampled_from([0.0, 1.0, 1.0])))
    lo, hi = row_spans(alpha)
    inside = (np.arange(w) >= lo[:, None]) & (np.arange(w) < hi[:, None])
    shares = coverage.copy()
    coverage_shares(shares, lo, hi, np.full((h, w), -7, np.int32))
    # The module text's formula, with a (2r+1)² box sum; outside the spans counts as
    # reached.
    r = EDGE_RAMP
    gone = ((coverage <= MIN_COVERAGE) & inside).astype(np.float64)
    box = convolve2d(gone, np.ones((2 * r + 1, 2 * r + 1)), mode="same") / (2 * r + 1) ** 2
    fade = 1.0 - (1.0 - EDGE_FLOOR) * np.minimum(1.0, 4.0 * box)
    expected = np.minimum(1.0, coverage / FULL_COVERAGE) ** COVERAGE_POWER * fade
    expected[coverage <= MIN_COVERAGE] = 0.0
    np.testing.assert_allclose(shares[inside], expected[inside], atol=1e-6)
    assert (shares[~inside] == coverage[~inside]).all()  # nothing written outside


def test_a_direction_fades_in_from_a_straight_edge_of_what_it_reaches():
    h, w = 80, 120
    coverage = np.ones((h, w), np.float32)
    coverage[:, :40] = 0.0  # this direction reaches nothing left of column 40
    lo, hi = row_spans(np.ones((h, w), np.float32))
    coverage_shares(coverage, lo, hi, np.empty((h, w), np.int32))
    row = coverage[h // 2]
    assert (row[:40] == 0.0).all()
    assert row[40] == pytest.approx(EDGE_FLOOR)  # barely counts right at the edge
    assert (np.diff(row[40:]) >= 0).all()  # then rises steadily ...
    assert (row[40 + EDGE_RAMP:] == 1.0).all()  # ... to full weight r pixels inside
    assert np.abs(np.diff(row[40:])).max() < 0.15  # without a jump
