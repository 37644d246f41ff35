"""``cinemagraph batch --ray``: the same jobs on a local Ray cluster (one per module) give
the same files, byte for byte, as on this machine, with the same manifest and resume."""

from __future__ import annotations

import pytest

from batch_helpers import output_digests, read_manifest
from cinemagraph.batch import BatchOptions, run_batch
from cinemagraph.cli import main

ray = pytest.importorskip("ray", reason="Ray is an extra: pip install 'cinemagraph[ray]'")
pytest_plugins = ("diffusion_helpers", "batch_fixtures")


@pytest.fixture(scope="module", autouse=True)
def ray_cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level="ERROR")
    yield
    ray.shutdown()


def _statuses(out_dir) -> dict[str, str]:
    return {record["source"]: record["status"] for record in read_manifest(out_dir)}


def test_ray_makes_the_same_files_as_a_local_run(jobs_file, tmp_path, tiny_model_dir):
    """Two actors against two worker processes: each computes on one core, and torch's
    sums, hence the diffusion's pictures, depend on how many cores share them."""
    options = BatchOptions(model=str(tiny_model_dir))
    local = run_batch(jobs_file, tmp_path / "local", options=options, workers=2)
    on_ray = run_batch(jobs_file, tmp_path / "ray", options=options, executor="ray",
                       workers=2)
    assert local.exit_code == on_ray.exit_code == 2  # the one bad job
    assert _statuses(tmp_path / "ray") == _statuses(tmp_path / "local")
    assert sorted(_statuses(tmp_path / "ray").values()) == ["invalid"] + ["ok"] * 5
    digests = output_digests(tmp_path / "local")
    assert len(digests) >= 5 * 5
    assert output_digests(tmp_path / "ray") == digests
    assert not [path for path in (tmp_path / "ray").iterdir() if path.name.startswith(".")]


def test_ray_resumes_like_a_local_run_and_fails_jobs_alone(jobs_file, tmp_path, capsys):
    out = tmp_path / "out"
    missing_model = str(tmp_path / "no-model")
    code = main(["batch", str(jobs_file), "-o", str(out), "--ray", "--workers", "2",
                 "--model", missing_model, "-q"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 2
    assert lines[0] == "batch: 6 jobs — 3 made, 0 already done, 2 failed, 1 invalid"
    # The cluster's nodes hold their own weights: missing ones fail the text jobs there.
    assert [line.split(":")[0] for line in lines[1:]] == ["invalid", "failed"]
    assert lines[2].startswith("failed: 2 jobs — ") and "no-model" in lines[2]
    first = {r["job"]: r for r in read_manifest(out) if r["status"] == "ok"}
    times = {job: (out / job / "cinemagraph.mp4").stat().st_mtime_ns for job in first}
    code = main(["batch", str(jobs_file), "-o", str(out), "--ray", "--workers", "2",
                 "--model", missing_model, "-q"])
    assert code == 2
    latest = read_manifest(out)[-6:]
    assert sorted(r["status"] for r in latest) == ["failed", "failed", "invalid", "skipped",
                                                  "skipped", "skipped"]
    for job, mtime in times.items():
        assert (out / job / "cinemagraph.mp4").stat().st_mtime_ns == mtime
