"""The main window: bench panel, live view, sequence runner and run browser as tabs.

It owns the bench worker thread and wires the widgets' request signals to the
worker's slots (queued across threads) and the worker's results back.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget

from gui.bench_panel import BenchPanel
from gui.live_view import LiveView
from gui.run_browser import RunBrowser
from gui.sequence_runner import SequenceRunner
from gui.workers import BenchWorker, start_in_thread, stop_thread


class MainWindow(QMainWindow):
    def __init__(self, bench, run_dir: str | Path = "runs", parent=None):
        super().__init__(parent)
        self.bench = bench
        self.setWindowTitle(f"labctl: {getattr(bench, 'name', '') or 'bench'}")
        self.bench_panel = BenchPanel(bench)
        self.live_view = LiveView(bench)
        self.runner = SequenceRunner(bench, run_dir)
        self.browser = RunBrowser()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.bench_panel, "Bench")
        self.tabs.addTab(self.live_view, "Live view")
        self.tabs.addTab(self.runner, "Sequences")
        self.tabs.addTab(self.browser, "Run browser")
        self.setCentralWidget(self.tabs)
        self.status = QLabel("instruments disconnected")
        self.statusBar().addWidget(self.status, 1)

        self.worker = BenchWorker(bench)
        self._wire()
        self.worker_thread = start_in_thread(self.worker, "bench-io")
        self.runner.run_file_ready.connect(self.browser.open_path)
        self.resize(1280, 820)

    def _wire(self) -> None:
        w, panel, live = self.worker, self.bench_panel, self.live_view
        panel.request_connect_all.connect(w.connect_all)
        panel.request_disconnect_all.connect(w.disconnect_all)
        panel.request_refresh.connect(w.refresh)
        panel.request_apply.connect(w.apply)
        w.connected.connect(panel.on_connected)
        w.connect_failed.connect(panel.on_connect_failed)
        w.disconnected.connect(panel.on_disconnected)
        w.snapshot_ready.connect(panel.on_snapshot)
        w.error.connect(panel.on_error)
        w.error.connect(self.on_error)
        w.setting_applied.connect(self.on_setting_applied)
        w.servers_started.connect(self.on_servers)
        live.request_acquire.connect(w.acquire)
        live.request_powers.connect(w.read_powers)
        live.request_pattern.connect(w.load_pattern)
        w.trace_ready.connect(live.on_trace)
        w.powers_ready.connect(live.on_powers)
        w.pattern_loaded.connect(self.on_pattern)

    # -- status bar
    def on_servers(self, resources: dict) -> None:
        if resources:
            self.status.setText(f"{len(resources)} simulated instruments served on 127.0.0.1")

    def on_error(self, name: str, message: str) -> None:
        self.status.setText(f"<span style='color:#d62728'>{name}: {message}</span>")
        if name in self.bench.instruments and self.live_view.running and \
                name == self.live_view.scope_box.currentText():
            self.live_view.set_running(False)       # stop hammering a failing scope

    def on_setting_applied(self, name: str, key: str, channel, value) -> None:
        where = f" ch{channel}" if channel is not None else ""
        self.bench_panel.set_state(name, "connected")
        self.status.setText(f"{name}{where}: {key} = {value:g}" if isinstance(value, float)
                            else f"{name}{where}: {key} = {value}")

    def on_pattern(self, awg: str, text: str) -> None:
        self.status.setText(f"{awg}: test pattern loaded ({text})")

    # -- closing
    def shutdown(self) -> None:
        """Stop the live view, abort a run, close instruments and servers, stop threads."""
        self.live_view.set_running(False)
        self.runner.shutdown()
        if self.worker_thread is not None and self.worker_thread.isRunning():
            from PySide6.QtCore import QMetaObject, Qt
            QMetaObject.invokeMethod(self.worker, "shutdown", Qt.BlockingQueuedConnection)
            stop_thread(self.worker_thread)
        self.worker_thread = None

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
