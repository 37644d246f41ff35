"""``cinemagraph batch`` on this machine: jobs read from every kind of source, checked
before any model loads, run with one model load, failures isolated, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import cinemagraph.batch.worker as worker_module
from batch_helpers import (
    FRAMES,
    HEIGHT,
    PHOTOS,
    TEXT_PROMPTS,
    WIDTH,
    output_digests,
    read_manifest,
    write_photo,
)
from cinemagraph.batch import BatchOptions, plan_batch, read_jobs, run_batch
from cinemagraph.cli import main
from cinemagraph.diffusion.models import download_command
from cinemagraph.errors import CinemagraphError
from cinemagraph.pipeline import default_run_folder

pytest_plugins = ("diffusion_helpers", "batch_fixtures")


@pytest.fixture()
def count_loads(monkeypatch):
    """Counts the diffusion model loads of the batch's workers in this process."""
    import cinemagraph.diffusion.models as models

    calls = []
    real = models.load_pipeline

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(models, "load_pipeline", counting)
    return calls


def _frames(path: Path) -> np.ndarray:
    frames = []
    with Image.open(path) as image:
        for index in range(image.n_frames):
            image.seek(index)
            frames.append(np.asarray(image.convert("RGB")))
    return np.stack(frames)


def _narrow_mask(path: Path) -> None:
    """Change a mask file: its left 20 columns no longer move."""
    mask = np.asarray(Image.open(path)).copy()
    mask[:, :20] = 0
    Image.fromarray(mask).save(path)


# --- reading jobs -------------------------------------------------------------------------


def test_a_prompts_file_gives_one_text_job_per_line(tmp_path):
    path = tmp_path / "prompts.txt"
    path.write_text("# rivers\na river at dawn\n\n  smoke over a city  \n", encoding="utf-8")
    jobs = read_jobs(path, {"frames": "12"})
    assert [job.settings for job in jobs] == [
        {"prompt": "a river at dawn", "frames": 12}, {"prompt": "smoke over a city", "frames": 12}]
    assert [job.source for job in jobs] == ["prompts.txt line 2", "prompts.txt line 4"]
    assert {job.kind for job in jobs} == {"text"}


def test_a_csv_file_reads_settings_by_name_with_paths_relative_to_it(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "jobs.csv"
    path.write_text("Image,Mask,Speed,Formats,Soft mask\n"
                    "a.jpg,water=m.png,1.5,mp4 gif,yes\n"
                    ",,,,\n", encoding="utf-8")
    (job,) = read_jobs(path)
    assert job.settings == {"image": str(folder / "a.jpg"),
                            "masks": [f"water={folder / 'm.png'}"], "speed": 1.5,
                            "formats": ["mp4", "gif"], "soft_mask": True}
    assert job.kind == "photo" and job.error is None


def test_a_photo_folder_pairs_photos_with_their_masks_and_captions(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("beach.jpg", "beach.mask-waves.png", "beach.mask-sky.png", "beach.txt",
                 "lake.png", "notes.md"):
        (folder / name).write_text("waves and clouds\n" if name.endswith(".txt") else "x")
    jobs = read_jobs(folder)
    assert [job.source for job in jobs] == ["photos/beach.jpg", "photos/lake.png"]
    beach, lake = jobs
    assert beach.settings == {
        "image": str(folder / "beach.jpg"), "prompt": "waves and clouds",
        "masks": [f"sky={folder / 'beach.mask-sky.png'}",
                  f"waves={folder / 'beach.mask-waves.png'}"]}
    assert lake.settings == {"image": str(folder / "lake.png")}


def test_a_row_that_cannot_be_read_becomes_an_invalid_job_and_the_rest_stay(tmp_path):
    path = tmp_path / "jobs.jsonl"
    path.write_text('{"prompt": "a river", "frames": 8}\n'
                    '{"prompt": "a lake", "frames": "many"}\n'
                    '{"prompt": "smoke", "colour": "red"}\n'
                    '["not", "an", "object"]\n'
                    '{"prompt": "clouds", "model": "other"}\n'
                    '{not json\n', encoding="utf-8")
    jobs = read_jobs(path)
    assert jobs[0].error is None
    assert "'frames' must be a whole number" in jobs[1].error
    assert "unknown setting 'colour'" in jobs[2].error
    assert "object of settings" in jobs[3].error
    assert "setting of the whole batch" in jobs[4].error and "--model" in jobs[4].error
    assert "not a JSON object" in jobs[5].error


def test_unreadable_sources_are_one_clear_error(tmp_path):
    with pytest.raises(CinemagraphError, match="not found"):
        read_jobs(tmp_path / "nope.jsonl")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n", encoding="utf-8")
    with pytest.raises(CinemagraphError, match="holds no jobs"):
        read_jobs(empty)
    (tmp_path / "dir").mkdir()
    with pytest.raises(CinemagraphError, match=r"no \.jpg, \.png or \.webp photos"):
        read_jobs(tmp_path / "dir")


def test_the_plan_checks_every_job_before_any_model_loads(jobs_file, tmp_path, count_loads,
                                                          tiny_model_dir):
    rows = [json.loads(line) for line in jobs_file.read_text().splitlines()]
    rows.append({"prompt": "a quiet meadow"})  # no fluid word
    rows.append({"prompt": "a waterfall between two hills", "steps": 2, "size": "96x128",
                 "frames": FRAMES, "formats": ["png"]})  # the same run folder as a job above
    rows.append({"image": "photos/pond.png", "mask": "photos/pond.mask.png",
                 "prompt": "water", "hints": ["1000,5,1,0"]})  # a hint outside the photo
    jobs_file.write_text("".join(json.dumps(row) + "\n" for row in rows))
    plan = plan_batch(jobs_file, tmp_path / "out",
                      options=BatchOptions(model=str(tiny_model_dir)))
    errors = {job.source: job.error for job in plan.invalid}
    assert count_loads == []
    assert set(errors) == {"jobs.jsonl line 3", "jobs.jsonl line 7", "jobs.jsonl line 8",
                           "jobs.jsonl line 9"}
    assert "not found" in errors["jobs.jsonl line 3"]
    assert "fluid" in errors["jobs.jsonl line 7"]
    assert "also that of jobs.jsonl line 5" in errors["jobs.jsonl line 8"]
    assert "hint" in errors["jobs.jsonl line 9"]
    assert len(plan.todo) == 5 and plan.done == []
    assert not (tmp_path / "out").exists()


# --- running -----------------------------------------------------------------------------


def test_a_batch_makes_every_good_job_and_reports_the_bad_one_alone(
        jobs_file, tmp_path, tiny_model_dir, count_loads):
    out = tmp_path / "out"
    records = []
    summary = run_batch(jobs_file, out, options=BatchOptions(model=str(tiny_model_dir)),
                        on_record=records.append)
    assert summary.exit_code == 2
    assert len(count_loads) == 1  # one model load for both text jobs
    manifest = read_manifest(out)
    assert manifest == records == summary.records
    by_source = {record["source"]: record for record in manifest}
    assert by_source["jobs.jsonl line 3"]["status"] == "invalid"
    assert "image not found" in by_source["jobs.jsonl line 3"]["error"]
    good = [record for record in manifest if record["status"] == "ok"]
    assert len(good) == 5
    for record in good:
        folder = out / record["folder"]
        run = json.loads((folder / "run.json").read_text())
        assert run["stages"]["job"]["source"] == record["source"]
        for name in record["outputs"]:
            assert (out / name).is_file()
        frames = _frames(folder / "cinemagraph.png")
        assert frames.shape[0] == FRAMES
        if record["kind"] == "photo":
            assert {Path(name).name for name in record["outputs"]} == {
                "cinemagraph.mp4", "cinemagraph.png"}
            photo = np.asarray(Image.open(jobs_file.parent / "photos" /
                                          f"{record['folder'].split('-')[0]}.png"))
            assert frames.shape[1:3] == (HEIGHT, WIDTH)
            np.testing.assert_array_equal(frames[0], photo)  # frame 0 is the photo
            still = np.asarray(Image.open(folder / "mask.png")) < 128
            still[HEIGHT // 2 - 8:, :] = False  # the mask's edge is feathered
            assert np.array_equal(frames[:, still], np.broadcast_to(photo[still], (FRAMES,
                                                                                   *photo[still].shape)))
        else:
            assert {"image.png", "twin.png", "mask.png", "motion.npy"} <= {
                path.name for path in folder.iterdir()}
    lines = summary.lines()
    warned = sum(bool(record.get("warnings")) for record in good)
    assert lines[0] == "batch: 6 jobs — 5 made, 0 already done, 1 invalid" + (
        f", {warned} made with warnings (in manifest.jsonl)" if warned else "")
    assert lines[1].startswith("invalid: jobs.jsonl line 3: image not found")


def test_missing_weights_make_the_jobs_that_need_them_invalid_before_anything_runs(
        jobs_file, tmp_path, count_loads):
    out = tmp_path / "out"
    summary = run_batch(jobs_file, out, options=BatchOptions(model="cinemagraph-tests/none"))
    status = {record["source"]: record["status"] for record in summary.records}
    assert status == {"jobs.jsonl line 1": "ok", "jobs.jsonl line 2": "ok",
                      "jobs.jsonl line 3": "invalid", "jobs.jsonl line 4": "ok",
                      "jobs.jsonl line 5": "invalid", "jobs.jsonl line 6": "invalid"}
    assert count_loads == []
    assert summary.exit_code == 2
    assert summary.lines()[1:] == [
        f"invalid: jobs.jsonl line 3: image not found: {jobs_file.parent}/photos/missing.png",
        f"invalid: 2 jobs — {default_run_folder(TEXT_PROMPTS[0], 0).name} (jobs.jsonl line 5), "
        f"{default_run_folder(TEXT_PROMPTS[1], 0).name} (jobs.jsonl line 6): model "
        "'cinemagraph-tests/none' is not in the Hugging Face cache, and cinemagraph never "
        f"downloads weights: fetch it with `{download_command('cinemagraph-tests/none')}` (on "
        "a machine with internet access, then copy the cache over) or pass --model "
        "/path/to/local/folder"]


def test_a_job_that_fails_while_running_does_not_stop_the_others(jobs_file, tmp_path):
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "model_index.json").write_text("{}")  # looks like a model, does not load
    out = tmp_path / "out"
    summary = run_batch(jobs_file, out, options=BatchOptions(model=str(broken)))
    status = {record["source"]: record["status"] for record in summary.records}
    assert status == {"jobs.jsonl line 1": "ok", "jobs.jsonl line 2": "ok",
                      "jobs.jsonl line 3": "invalid", "jobs.jsonl line 4": "ok",
                      "jobs.jsonl line 5": "failed", "jobs.jsonl line 6": "failed"}
    failed = summary.named("failed")
    assert all("broken-model" in record["error"] for record in failed)
    assert summary.exit_code == 2
    assert not any((out / record["folder"] / "run.json").exists() for record in failed)


def test_running_again_skips_finished_jobs_and_redoes_changed_ones(
        tmp_path, photo_folder):
    out = tmp_path / "out"
    first = run_batch(photo_folder, out, defaults={"frames": FRAMES})
    assert first.exit_code == 0 and len(first.named("ok")) == len(PHOTOS)
    made = {path: path.stat().st_mtime_ns for path in out.rglob("cinemagraph.mp4")}
    time.sleep(0.01)
    _narrow_mask(photo_folder / "sea.mask.png")
    second = run_batch(photo_folder, out, defaults={"frames": FRAMES})
    assert sorted(r["status"] for r in second.records) == ["ok", "skipped", "skipped"]
    redone = second.named("ok")[0]
    assert redone["source"] == "photos/sea.png"
    for path, mtime in made.items():
        assert (path.stat().st_mtime_ns == mtime) == ("sea-" not in str(path))
    skipped = second.named("skipped")[0]
    assert skipped["outputs"] == [f"{skipped['folder']}/cinemagraph.mp4"]
    (out / skipped["outputs"][0]).write_bytes(b"cut short")
    third = run_batch(photo_folder, out, defaults={"frames": FRAMES})
    assert [r["source"] for r in third.named("ok")] == [skipped["source"]]


def test_only_failed_and_retry_failed(tmp_path, photo_folder, monkeypatch):
    out = tmp_path / "out"
    calls: list[str] = []
    failures = {"photos/stream.png": 1}  # how many more times the job fails
    real = worker_module.JobRunner._run

    def flaky(self, job, log):
        calls.append(job.source)
        if failures.get(job.source, 0) > 0:
            failures[job.source] -= 1
            raise CinemagraphError("the disk hiccuped")
        return real(self, job, log)

    monkeypatch.setattr(worker_module.JobRunner, "_run", flaky)
    first = run_batch(photo_folder, out, defaults={"frames": FRAMES})
    assert [r["source"] for r in first.failed] == ["photos/stream.png"]
    plan = plan_batch(photo_folder, out, defaults={"frames": FRAMES}, only_failed=True)
    assert [job.source for job in plan.todo] == ["photos/stream.png"]
    assert plan.left == [] and len(plan.done) == 2
    calls.clear()
    _narrow_mask(photo_folder / "pond.mask.png")  # pond is now unfinished
    again = run_batch(photo_folder, out, defaults={"frames": FRAMES}, only_failed=True)
    assert calls == ["photos/stream.png"]  # the unfinished pond is left alone
    assert [r["status"] for r in again.records] == ["skipped", "ok"]
    assert again.exit_code == 0 and again.plan.left[0].source == "photos/pond.png"
    assert again.lines()[0] == "batch: 3 jobs — 1 made, 1 already done, 1 left alone"

    retry_out = tmp_path / "retry"
    calls.clear()
    failures["photos/stream.png"] = 1
    retried = run_batch(photo_folder, retry_out, defaults={"frames": FRAMES},
                        retry_failed=True)
    assert calls == ["photos/pond.png", "photos/sea.png", "photos/stream.png",
                     "photos/stream.png"]
    assert retried.exit_code == 0
    assert [r.get("attempt") for r in retried.records] == [None, None, 2]
    lines = read_manifest(retry_out)
    assert [line["status"] for line in lines] == ["ok", "ok", "failed", "ok"]
    assert lines[2]["error"] == "the disk hiccuped"


def test_two_worker_processes_make_the_same_files_as_one(tmp_path, photo_folder):
    one = run_batch(photo_folder, tmp_path / "one", defaults={"frames": FRAMES})
    two = run_batch(photo_folder, tmp_path / "two", defaults={"frames": FRAMES}, workers=2)
    assert one.exit_code == two.exit_code == 0
    assert sorted(r["job"] for r in two.records) == sorted(r["job"] for r in one.records)
    digests = output_digests(tmp_path / "one")
    assert len(digests) == 5 * len(PHOTOS)  # video, field and its picture, two masks
    assert output_digests(tmp_path / "two") == digests


# --- the command line ----------------------------------------------------------------------


def test_command_dry_run_prints_the_plan_and_runs_nothing(jobs_file, tmp_path, capsys,
                                                          count_loads, tiny_model_dir):
    out = tmp_path / "out"
    code = main(["batch", str(jobs_file), "-o", str(out), "--dry-run",
                 "--model", str(tiny_model_dir)])
    text = capsys.readouterr().out
    assert code == 2  # one job is invalid
    assert "plan: 5 to run, 0 done, 1 invalid" in text
    assert "invalid  jobs.jsonl line 3: image not found" in text
    assert text.count("\nrun ") + text.startswith("run ") == 5
    code = main(["batch", str(jobs_file), "-o", str(out), "--dry-run",
                 "--model", "cinemagraph-tests/none"])
    text = capsys.readouterr().out
    assert code == 2
    assert "plan: 3 to run, 0 done, 3 invalid" in text  # the text jobs need the weights
    assert text.count("'cinemagraph-tests/none' is not in the Hugging Face cache") == 2
    assert count_loads == [] and not out.exists()


def test_command_runs_the_batch_with_shared_settings_and_exits_2_on_a_failure(
        jobs_file, tmp_path, capsys, tiny_model_dir):
    out = tmp_path / "out"
    code = main(["batch", str(jobs_file), "-o", str(out), "--model", str(tiny_model_dir),
                 "--set", "turbulence=0", "--seed", "3", "-q"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out.splitlines() == [
        "batch: 6 jobs — 5 made, 0 already done, 1 invalid",
        f"invalid: jobs.jsonl line 3: image not found: {jobs_file.parent}/photos/missing.png"]
    for record in read_manifest(out):
        if record["status"] == "ok":
            settings = json.loads((out / record["folder"] / "run.json").read_text())[
                "stages"]["job"]["settings"]
            assert settings["seed"] == 3 and settings["turbulence"] == 0.0
            assert record["folder"].endswith("-s3")
    code = main(["batch", str(jobs_file), "-o", str(out), "--model", str(tiny_model_dir),
                 "--set", "turbulence=0", "--seed", "3", "-q"])
    assert code == 2
    assert capsys.readouterr().out.splitlines()[0] == (
        "batch: 6 jobs — 0 made, 5 already done, 1 invalid")


@pytest.mark.parametrize(("args", "message"), [
    (["--ray", "somewhere"], "not a Ray address"),
    (["--only-failed", "--retry-failed"], "choose one of"),
    (["--set", "colour"], "--set takes NAME=VALUE"),
    (["--set", "colour=red"], "unknown setting 'colour'"),
    (["--workers", "0"], "0 is not in the range"),
])
def test_command_errors_are_one_line(jobs_file, tmp_path, capsys, args, message):
    code = main(["batch", str(jobs_file), "-o", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err
    assert not (tmp_path / "out").exists()


def test_without_ray_installed_ray_is_one_line_saying_how_to_install(
        jobs_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails
    code = main(["batch", str(jobs_file), "-o", str(tmp_path / "out"), "--ray"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip().splitlines() == [
        "error: running on Ray needs Ray Data, which is not installed (ray is missing): "
        "pip install 'cinemagraph[ray]'"]


def test_an_interrupted_batch_resumes_without_redoing_finished_jobs(tmp_path, photo_folder):
    for seed, name in enumerate(("delta", "estuary", "fjord"), start=len(PHOTOS)):
        write_photo(photo_folder, name, seed)
        (photo_folder / f"{name}.txt").write_text("a river flowing left\n")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "cinemagraph", "batch", str(photo_folder), "-o", str(out),
               "--frames", "30", "-q"]
    env = {**os.environ, "CINEMAGRAPH_DEBUG": ""}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    manifest = out / "manifest.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if manifest.exists() and manifest.read_text().count("\n") >= 1:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode == 143
    finished = {r["job"]: r for r in read_manifest(out)}
    assert 1 <= len(finished) < 6
    times = {job: (out / job / "cinemagraph.mp4").stat().st_mtime_ns for job in finished}
    code = main(["batch", str(photo_folder), "-o", str(out), "--frames", "30", "-q"])
    assert code == 0
    latest = {r["job"]: r for r in read_manifest(out)}
    assert len(latest) == 6 and all(r["status"] in ("ok", "skipped") for r in latest.values())
    for job, mtime in times.items():
        assert latest[job]["status"] == "skipped"
        assert (out / job / "cinemagraph.mp4").stat().st_mtime_ns == mtime
    assert not list(out.rglob("*.part*"))


def test_ctrl_c_stops_a_batch_of_worker_processes_with_one_line(tmp_path, photo_folder):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "cinemagraph", "batch", str(photo_folder), "-o", str(out),
               "--frames", "400", "--workers", "2", "-q"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob("*/mask.png")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.strip().splitlines() == ["error: interrupted"]
    assert not list(out.rglob("*.part*"))


def test_a_photo_job_without_masks_finds_its_fluids_with_the_batch_model(
        tmp_path, photo_folder, tiny_model_dir, count_loads):
    rows = [{"image": str(photo_folder / "pond.png"), "prompt": "a river in a meadow",
             "inversion_steps": 2, "frames": FRAMES},
            {"prompt": "a waterfall between two hills", "steps": 2, "size": "96x128",
             "frames": FRAMES}]
    summary = run_batch(rows, tmp_path / "out", options=BatchOptions(model=str(tiny_model_dir)))
    assert [r["status"] for r in summary.records] == ["ok", "ok"], summary.lines()
    assert len(count_loads) == 1
    photo = tmp_path / "out" / summary.records[0]["folder"]
    run = json.loads((photo / "run.json").read_text())
    assert run["stages"]["mask"]["source"] == "attention"
    assert (photo / "mask-river.png").is_file()
    assert summary.records[0]["folder"].startswith("pond-")


@pytest.mark.parametrize(("cluster", "workers", "device", "resources", "threads"), [
    ({"CPU": 16.0, "GPU": 4.0}, 4, "auto", {"num_gpus": 1.0, "num_cpus": 1.0}, 4),
    ({"CPU": 16.0, "GPU": 4.0}, 4, "cpu", {"num_cpus": 4.0}, 4),
    ({"CPU": 2.0}, 2, "auto", {"num_cpus": 1.0}, 1),
    ({"CPU": 2.0}, 8, "cuda", {"num_cpus": 1.0}, 1),
])
def test_each_ray_actor_takes_a_gpu_when_there_are_gpus_else_its_share_of_the_cpus(
        cluster, workers, device, resources, threads):
    from types import SimpleNamespace

    from cinemagraph.batch.on_ray import actor_resources

    fake_ray = SimpleNamespace(cluster_resources=lambda: cluster)
    assert actor_resources(fake_ray, workers, device) == (resources, threads)


@pytest.mark.parametrize("address", [None, "auto", "ray://head:10001", "10.0.0.5:6379"])
def test_ray_addresses_that_are_taken(address):
    from cinemagraph.batch.on_ray import check_address

    check_address(address)


@pytest.mark.parametrize("address", ["head", "jobs.jsonl", "ray://", ""])
def test_ray_addresses_that_are_refused(address):
    from cinemagraph.batch.on_ray import check_address

    with pytest.raises(CinemagraphError, match="not a Ray address"):
        check_address(address)


def test_a_worker_computes_on_its_share_of_the_cores_from_whichever_thread_calls_it(
        monkeypatch, tmp_path):
    """Ray Data calls an actor from a thread of its own; numba's thread count is per
    thread, so the worker sets it where the job runs."""
    import threading

    import numba

    from cinemagraph.batch import Job
    from cinemagraph.batch.worker import JobRunner

    seen = []

    def run(self, job, log):
        seen.append(numba.get_num_threads())
        return [], []

    monkeypatch.setattr(JobRunner, "_run", run)
    runner = JobRunner(str(tmp_path), threads=1)  # made in this thread …
    thread = threading.Thread(target=runner.run, args=(Job(1, "job 1", {"prompt": "x"}),))
    thread.start()  # … called from another
    thread.join()
    assert seen == [1]


def test_command_format_adds_to_the_mp4_as_the_one_shot_command_does(
        tmp_path, photo_folder, capsys):
    out = tmp_path / "out"
    code = main(["batch", str(photo_folder), "-o", str(out), "--format", "gif",
                 "--frames", str(FRAMES), "-q"])
    assert code == 0, capsys.readouterr()
    for record in read_manifest(out):
        assert sorted(Path(name).name for name in record["outputs"]) == [
            "cinemagraph.gif", "cinemagraph.mp4"]


def test_the_summary_counts_the_jobs_made_with_warnings(tmp_path, photo_folder):
    summary = run_batch(photo_folder, tmp_path / "out", defaults={"frames": 400})
    assert summary.exit_code == 0
    assert all(any("runs out of texture" in note for note in record["warnings"])
               for record in summary.records)
    assert summary.lines() == [
        "batch: 3 jobs — 3 made, 0 already done, 3 made with warnings (in manifest.jsonl)"]
