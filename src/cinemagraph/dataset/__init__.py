"""Training data for the learned models: clips → first frame, Eulerian motion, mask, caption.

``cinemagraph dataset VIDEOS_DIR -o DATA_DIR`` (:func:`build_dataset`) turns every clip
under ``VIDEOS_DIR`` — a video file (``.mp4 .webm .mov .m4v .mkv .avi``) or a folder of
frames (two or more images, sorted by name) — into one entry of ``DATA_DIR``:

==============================  ==============================================================
path in ``DATA_DIR``            what it holds
==============================  ==============================================================
``index.json``                  ``{"format": "cinemagraph-dataset", "version": 1, "clips":
                                [...]}``; one entry per clip: ``id``, ``caption``, ``height``,
                                ``width``, ``frames`` (count), ``fps``, ``frames_format``
``clips/<id>/image.png``        the first frame, uint8 RGB at the stored size
``clips/<id>/motion.npy``       float32 ``H×W×2``, px/frame at the stored size: the average of
                                the optical flows between neighbouring frames (Eulerian motion)
``clips/<id>/mask.png``         uint8 0/255: where ``|M|² > mean(|M|²) / 10`` (published rule)
``clips/<id>/motion.png``       colour-wheel picture of the motion (for people, not training)
``clips/<id>/caption.txt``      one UTF-8 line
``clips/<id>/frames.mp4``       the clip's frames (H.264, CRF 18) — or ``frames/0000.png …``
                                (lossless, faster random access) with ``--frames-format png``
``clips/<id>/meta.json``        source path, size and mtime, frame count, fps, flow estimator,
                                caption origin, build settings
==============================  ==============================================================

The stored size keeps the clip's aspect ratio with the longer side at most ``max_size``
(default 512) and both sides even. ``<id>`` is the clip's path relative to ``VIDEOS_DIR``,
made file-name safe, plus 8 hex digits of its hash (unique and stable across runs). Each
clip folder is written atomically (a temporary folder renamed into place), so a folder
that exists is complete: re-running the builder skips the clips already done (unless their
source file or the build settings changed) and rewrites ``index.json`` from the clip
folders.

The published Eulerian dataset layout is read as well (:mod:`.published`):
``<id>_input.jpg``, ``<id>_motion.pth`` (a ``1×2×H×W`` flow), optionally ``<id>_gt.mp4``,
and captions ``id<TAB>caption`` in a ``.txt`` file. :func:`open_dataset` returns the clips
of either layout as :class:`ClipRecord` objects, which :class:`ClipStore` reads.

=====================  =================================================================
module                 job
=====================  =================================================================
:mod:`.layout`         file names, ``ClipRecord``, the index, ``open_dataset``, splits
:mod:`.clips`          finding and reading clips (videos, frame folders), stored size
:mod:`.flow`           optical flow estimators, Eulerian motion, the motion mask
:mod:`.captions`       sidecar ``.txt``, file name, or a captioning model
:mod:`.build`          the resumable builder
:mod:`.published`      the published Eulerian dataset layout and its ``.pth`` files
:mod:`.augment`        random square crops and flips (dx negated), field resizing
:mod:`.samples`        reading clips' arrays with a memory cache; training examples
=====================  =================================================================
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # loaded on first use (see lazy_exports)
    from .augment import (
        Augmentation as Augmentation,
        View as View,
        apply_view as apply_view,
        center_view as center_view,
        mirror_caption as mirror_caption,
        random_view as random_view,
        resize_field as resize_field,
    )
    from .build import (
        BuildReport as BuildReport,
        DatasetSettings as DatasetSettings,
        build_dataset as build_dataset,
    )
    from .captions import (
        Captioner as Captioner,
        caption_from_name as caption_from_name,
        load_captioner as load_captioner,
    )
    from .clips import ClipSource as ClipSource, find_clips as find_clips, read_clip as read_clip
    from .flow import (
        DISFlow as DISFlow,
        FlowEstimator as FlowEstimator,
        eulerian_motion as eulerian_motion,
        flow_estimator as flow_estimator,
        motion_mask as motion_mask,
    )
    from .layout import (
        ClipRecord as ClipRecord,
        open_dataset as open_dataset,
        split_records as split_records,
    )
    from .samples import (
        ClipStore as ClipStore,
        MotionExample as MotionExample,
        SynthesisExample as SynthesisExample,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
