"""Run engine: steps, pause/resume, abort, failure, parameters, determinism."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from demo_sequences import FAILING, NOISE, UNDECLARED

from labctl.engine import ParameterError, RunEngine
from labctl.runfile import read_summary


def test_completed_run_writes_every_step(tmp_path):
    docs = []
    result = RunEngine([docs.append], progress=False).run(NOISE, {"points": 4}, out=tmp_path / "r.h5")
    assert (result.status, result.steps) == ("completed", 4)
    assert [d["kind"] for d in docs] == ["start"] + ["step"] * 4 + ["stop"]
    summary = read_summary(tmp_path / "r.h5")
    assert (summary.status, summary.live_status, summary.steps) == ("completed", "completed", 4)
    np.testing.assert_array_equal(summary.data["index"][0], np.arange(4))
    assert summary.metrics["rms"][0].shape == (4,)
    np.testing.assert_allclose(summary.metrics["rms"][0], result.metrics["rms"])


def test_pause_then_resume_from_another_thread(tmp_path):
    engine = RunEngine(progress=False)
    kinds, live_status = [], []

    def control(doc):
        kinds.append(doc["kind"])
        if doc["kind"] == "step" and doc["index"] == 1:
            engine.pause()
        if doc["kind"] == "pause":
            live_status.append(engine.paused)
            threading.Thread(target=engine.resume).start()

    engine.subscribe(control)
    result = engine.run(NOISE, {"points": 4}, out=tmp_path / "p.h5")
    assert result.status == "completed" and result.steps == 4
    assert kinds == ["start", "step", "step", "pause", "resume", "step", "step", "stop"]
    assert live_status == [True] and not engine.paused


def test_abort_stops_after_current_step_and_keeps_data(tmp_path):
    engine = RunEngine(progress=False)
    engine.subscribe(lambda d: d["kind"] == "step" and d["index"] == 2 and engine.abort())
    result = engine.run(NOISE, {"points": 50}, out=tmp_path / "a.h5")
    assert (result.status, result.steps) == ("aborted", 3)
    summary = read_summary(tmp_path / "a.h5")
    assert (summary.status, summary.steps) == ("aborted", 3)
    assert summary.data["trace"][0].shape == (3, 16)
    assert summary.images == {"optical": (3, 3, 4), "digital": (3, 3, 4)}


def test_abort_while_paused_ends_run(tmp_path):
    engine = RunEngine(progress=False)

    def control(doc):
        if doc["kind"] == "step" and doc["index"] == 0:
            engine.pause()
        if doc["kind"] == "pause":
            threading.Thread(target=engine.abort).start()

    engine.subscribe(control)
    result = engine.run(NOISE, {"points": 5}, out=tmp_path / "pa.h5")
    assert (result.status, result.steps) == ("aborted", 1)


def test_exception_marks_failed_and_keeps_completed_steps(tmp_path):
    result = RunEngine(progress=False).run(FAILING, {"fail_at": 3}, out=tmp_path / "f.h5")
    assert (result.status, result.steps) == ("failed", 3)
    assert isinstance(result.exception, ZeroDivisionError)
    summary = read_summary(tmp_path / "f.h5")
    assert summary.status == "failed" and summary.steps == 3
    assert summary.error == "ZeroDivisionError: instrument fell over"
    np.testing.assert_array_equal(summary.data["index"][0], [0, 1, 2])


def test_undeclared_stream_fails_with_clear_message(tmp_path):
    result = RunEngine(progress=False).run(UNDECLARED, out=tmp_path / "u.h5")
    assert result.status == "failed"
    assert "undeclared data stream 'surprise'" in result.error


@pytest.mark.parametrize("params, text, message", [
    ({"nope": 1}, None, "has no parameter 'nope'"),
    ({"points": "many"}, None, "parameter points: expected int, got 'many'"),
    (None, {"sigma": "loud"}, "parameter sigma: expected float, got 'loud'"),
    (None, {"points": "2.5"}, "parameter points: expected int, got '2.5'"),
])
def test_bad_parameters_raise_before_any_file(tmp_path, params, text, message):
    with pytest.raises(ParameterError, match=message):
        RunEngine(progress=False).run(NOISE, params, out=tmp_path / "x.h5", param_text=text)
    assert not (tmp_path / "x.h5").exists()


def test_same_seed_same_data_other_seed_differs(tmp_path):
    runs = [RunEngine(progress=False).run(NOISE, {"points": 3}, out=tmp_path / f"{i}.h5", seed=s)
            for i, s in enumerate((7, 7, 8))]
    traces = [read_summary(r.path).data["trace"][0] for r in runs]
    np.testing.assert_array_equal(traces[0], traces[1])
    assert not np.array_equal(traces[0], traces[2])
