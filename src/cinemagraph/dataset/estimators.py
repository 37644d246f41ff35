"""The names of the optical flow estimators (``--flow``), importable without OpenCV so
that the command line can list them before it loads anything heavy."""

#: OpenCV DIS presets, fastest first.
DIS_PRESETS = ("ultrafast", "fast", "medium")

#: Estimators selectable by name (``--flow``).
FLOW_ESTIMATORS = tuple(f"dis-{preset}" for preset in DIS_PRESETS)
