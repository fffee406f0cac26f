"""GUI live-view speed: updates per second for 100k-sample scope traces.

Target (issue 6): 10 updates/s for 100k-sample traces.  Measured side by side
in one run, on a real 100k-sample trace acquired from the simulated bench:

1. render only: ``LiveView.show_frame`` (trace curve + eye histogram + image)
   followed by a synchronous repaint, as shipped (pyqtgraph peak downsampling
   + clip-to-view) versus the same widget with downsampling off;
2. eye histogram: :func:`gui.eye.eye_histogram` (bincount) versus
   ``numpy.histogram2d`` on the same samples;
3. end to end: the live loop on the simulated bench (acquisition in the bench
   worker thread over the SCPI socket, drawing in the GUI thread, pipelined).

Run:  QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--frames N]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

POINTS = 100_000


def rate(fn, frames: int) -> float:
    """Calls per second of ``fn`` over ``frames`` calls (after one warm-up call)."""
    fn()
    t0 = time.perf_counter()
    for _ in range(frames):
        fn()
    return frames / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    from gui.eye import eye_histogram
    from gui.main_window import MainWindow
    from labctl.bench import load_bench

    bench = load_bench()
    window = MainWindow(bench, run_dir="/tmp/labctl-bench-gui-runs")
    window.resize(1280, 820)
    window.show()
    live = window.live_view
    window.tabs.setCurrentWidget(live)

    def wait(predicate, timeout=60.0):
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise TimeoutError("benchmark step timed out")
            app.processEvents()
            time.sleep(0.001)

    window.bench_panel.request_connect_all.emit()
    wait(lambda: all(s != "disconnected" for s in window.bench_panel.states.values()))
    window.bench_panel.request_apply.emit("scope_a", "points", None, POINTS)
    wait(lambda: window.bench_panel.snapshots.get("scope_a", {}).get("points", (0,))[0] == POINTS)
    live.load_pattern()
    wait(lambda: "test pattern" in window.status.text())
    live.acquire_once()
    wait(lambda: live.last_frame is not None)
    frame = live.last_frame
    assert frame.volts.size == POINTS

    def render():
        live.show_frame(frame)
        live.repaint()

    shipped = rate(render, args.frames)
    live.trace_plot.setDownsampling(auto=False, ds=1)
    live.trace_plot.setClipToView(False)
    naive = rate(render, max(5, args.frames // 3))
    live.trace_plot.setDownsampling(auto=True, mode="peak")
    live.trace_plot.setClipToView(True)

    sps = (1 / frame.x_increment) / (live.baud_box.value() * 1e9)
    ours = rate(lambda: eye_histogram(frame.volts, sps, step=frame.scale_factor), args.frames)
    h2d = rate(lambda: np.histogram2d(np.mod(np.arange(frame.volts.size) / sps, 2), frame.volts,
                                      bins=(128, 128)), args.frames)

    # end to end: the live loop as the user runs it
    live.set_running(True)
    wait(lambda: live.frames >= 2)
    n0, t0 = live.frames, time.perf_counter()
    wait(lambda: live.frames >= n0 + max(5, args.frames // 3), timeout=300)
    live_rate = (live.frames - n0) / (time.perf_counter() - t0)
    live.set_running(False)
    t_acq0 = time.perf_counter()
    before = live.frames
    live.acquire_once()
    wait(lambda: live.frames > before)
    acquire_s = time.perf_counter() - t_acq0

    print(f"trace length: {POINTS} samples (scope_a, simulated bench), eye 128 x 128 bins")
    print(f"render (trace + eye + repaint), shipped settings: {shipped:6.1f} updates/s "
          f"= {shipped / 10:.1f} x the 10/s target")
    print(f"render, downsampling and clip-to-view off:      {naive:6.1f} updates/s "
          f"(shipped / naive = {shipped / naive:.1f})")
    print(f"eye histogram, bincount: {ours:6.1f}/s; numpy.histogram2d: {h2d:6.1f}/s "
          f"(ratio {ours / h2d:.1f})")
    print(f"end to end on the simulated bench (acquire over SCPI + draw): {live_rate:5.2f} updates/s; "
          f"one acquisition + draw: {acquire_s * 1e3:.0f} ms (the optical-table physics dominates)")
    window.shutdown()
    window.close()


if __name__ == "__main__":
    main()
