"""Segments of the image from the averaged self-attention map.

Positions that attend to the same places belong to the same thing. KMeans clusters each
position's row of the ``N×N`` map (a probability distribution over the N positions);
spectral clustering cuts the graph whose affinities are the symmetrised map. Clusters are
then split into connected pieces, since one cluster often gathers several separate
regions of similar texture (the sky above and its reflection in a lake).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: KMeans restarts from different seeds (the published code uses 5); the best one counts.
KMEANS_RESTARTS = 5
#: Restarts of the KMeans that assigns labels in the spectral embedding.
SPECTRAL_RESTARTS = 10
_EIGHT_NEIGHBOURS = np.ones((3, 3), dtype=bool)


def cluster_positions(
    self_attention: np.ndarray,
    grid_size: tuple[int, int],
    method: str,
    clusters: int,
    seed: int,
) -> np.ndarray:
    """Cluster label of each self-attention position: int32 ``h×w``.

    ``self_attention``: float ``N×N`` (N = h·w, row-major over ``grid_size``), row i the
    attention probabilities of position i. ``method``: ``"kmeans"`` or ``"spectral"``.
    At most ``clusters`` clusters, fewer when there are fewer distinct rows. The same
    ``seed`` gives the same labels.
    """
    from sklearn.cluster import KMeans, SpectralClustering
    from threadpoolctl import threadpool_limits

    features = np.asarray(self_attention, dtype=np.float64)
    distinct = len(np.unique(features, axis=0))
    count = max(1, min(int(clusters), distinct))
    if method not in ("kmeans", "spectral"):
        raise ValueError(f"unknown clustering method {method!r}")
    if count == 1:
        return np.zeros(grid_size, dtype=np.int32)
    # One thread: at 1024 positions this takes a fraction of a second, whereas threaded
    # BLAS slows down many times over when its threads share cores with other work.
    with threadpool_limits(limits=1):
        if method == "kmeans":
            model = KMeans(n_clusters=count, n_init=KMEANS_RESTARTS, random_state=seed)
            labels = model.fit_predict(features)
        else:
            model = SpectralClustering(
                n_clusters=count,
                affinity="precomputed",
                assign_labels="kmeans",
                n_init=SPECTRAL_RESTARTS,
                random_state=seed,
            )
            labels = model.fit_predict((features + features.T) / 2.0)
    return np.asarray(labels, dtype=np.int32).reshape(grid_size)


def connected_segments(labels: np.ndarray) -> tuple[np.ndarray, int]:
    """Split each cluster into its 8-connected pieces.

    ``labels``: integer ``h×w`` cluster labels. Returns (int32 ``h×w`` segment ids
    0 … count−1, count); two cells share an id exactly when they have the same label and
    are joined by a path of same-label cells through edges or corners.
    """
    labels = np.asarray(labels)
    segments = np.zeros(labels.shape, dtype=np.int32)
    count = 0
    for value in np.unique(labels):
        pieces, found = ndimage.label(labels == value, structure=_EIGHT_NEIGHBOURS)
        inside = pieces > 0
        segments[inside] = pieces[inside] - 1 + count
        count += found
    return segments, count
