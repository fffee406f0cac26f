"""Several models at once on one wdm computing centre (the paper's parallel demonstration).

Each client (a generative model) owns one edge node: its inputs are modulated
on that edge's ports only, and it owns the same number of AWGR outputs (the
photodiodes ``outputs[i]``, by default the outputs numbered like its ports).
One frame then carries a block-diagonal weight tile: client i's tile sits in
rows ``outputs[i]`` and columns ``ports[i]``; every other micro-ring of those
rows is switched *off* (unsigned weight 0), so client j's light reaches client
i's photodiodes only through the hardware's crosstalk (ring extinction, AWGR
adjacent/non-adjacent leakage), which :func:`measure_crosstalk` measures.

Values are encoded as the single-product path does (:class:`_Block`: per-row and
per-column full scale, only a signed operand offset-encoded, signed inputs as
positive/negative columns) and decoded per block with the block's own sums,
because the rings outside a client's block are dark rather than at an offset.

Clients run in their own threads (each model's ``sample`` is ordinary code that
calls ``backend.matmul``); a rendezvous collects one product request from every
client still running, runs them together frame by frame, and hands each its
result. A client that finishes leaves its block dark for the others.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from labctl.mvm.plan import tile_plan
from labctl.mvm.schemes import scheme_for
from labctl.mvm.signed import col_scales, decode_offset, row_scales, to_unsigned


@dataclass(frozen=True)
class Partition:
    """Ports (centre inputs, 0-based) and AWGR outputs owned by one client."""

    name: str
    ports: tuple[int, ...]
    outputs: tuple[int, ...]


def edge_partitions(bench, count: int) -> list[Partition]:
    """One partition per edge node for ``count`` clients (edge order of the bench file).

    Raises ValueError for a time-scheme bench (one shared input stream per frame)
    or more clients than edge nodes.
    """
    topo = bench.topology
    if not scheme_for(topo).supports_parallel_models:
        raise ValueError("parallel models need a wdm computing centre (scheme = 'wdm'); "
                         f"this bench uses {topo.scheme!r}")
    if count > len(topo.edges):
        raise ValueError(f"{count} models need {count} edge nodes; the bench has {len(topo.edges)}")
    return [Partition(e.name, tuple(e.ports), tuple(e.ports)) for e in topo.edges[:count]]


class ParallelCentre:
    """Runs products of several clients in the same frames on one optical engine."""

    def __init__(self, engine, partitions: list[Partition]):
        self.engine = engine
        self.partitions = partitions
        self.n = engine.topo.centre.ports
        self.frames = 0

    def run_together(self, requests: list[tuple[np.ndarray, np.ndarray] | None]) -> list[np.ndarray | None]:
        """Y_i = W_i X_i for every non-None request, all in shared frames."""
        jobs = []
        for part, req in zip(self.partitions, requests):
            if req is None:
                jobs.append(None)
                continue
            w, x = (np.asarray(a, float) for a in req)
            if w.ndim != 2 or x.ndim != 2 or w.shape[1] != x.shape[0]:
                raise ValueError(f"{part.name}: shapes do not multiply: W {w.shape}, X {x.shape}")
            scheme, frame_slots = self.engine.scheme, self.engine.frame.payload
            shape = scheme.tile_shape(w.shape[1], ports=len(part.ports), lanes=len(part.ports),
                                      frame_slots=frame_slots)
            plan = tile_plan(w.shape[0], w.shape[1], x.shape[1], *shape, scheme.kind)
            jobs.append((w, x, plan, np.zeros((w.shape[0], x.shape[1]))))
        for t in range(max((len(j[2].tiles) for j in jobs if j), default=0)):
            self._frame([(j[0], j[1], j[2].tiles[t], j[3]) if j and t < len(j[2].tiles) else None
                         for j in jobs])
        return [None if j is None else j[3] for j in jobs]

    def _frame(self, tiles: list) -> None:
        """One frame: block-diagonal unsigned weights, each client's inputs on its ports."""
        payload = self.engine.frame.payload
        w_u = np.zeros((self.n, self.n))
        x_u = np.zeros((self.n, payload))
        blocks = []
        for part, item in zip(self.partitions, tiles):
            if item is None:
                continue
            block = _Block.encode(item, len(part.outputs), len(part.ports), payload)
            rows, cols = list(part.outputs), list(part.ports)
            w_u[np.ix_(rows, cols)], x_u[cols] = block.w_u, block.x_u
            blocks.append((block, rows, cols))
        y_u = self.engine.tile_product(w_u, x_u, signed=False)
        self.frames += 1
        for block, rows, _ in blocks:
            block.accumulate(y_u[rows])


@dataclass
class _Block:
    """One client's tile, encoded as in :meth:`labctl.mvm.engine.OpticalEngine.matmul`:
    each W row and X column at full scale (scaled back digitally), only a signed
    operand offset-encoded, signed X as positive/negative columns when the frame
    has room for both (labctl.mvm.signed)."""

    tile: Any
    acc: np.ndarray
    w_u: np.ndarray
    x_u: np.ndarray
    sw: np.ndarray
    sx: np.ndarray
    w_signed: bool
    x_signed: bool
    split: bool

    @classmethod
    def encode(cls, item, rows: int, cols: int, payload: int) -> "_Block":
        w, x, tile, acc = item
        wt, xt = np.zeros((rows, cols)), np.zeros((cols, payload))
        wt[:tile.rows, :tile.ks] = w[tile.r0:tile.r0 + tile.rows, tile.k0:tile.k0 + tile.ks]
        xt[:tile.ks, :tile.bs] = x[tile.k0:tile.k0 + tile.ks, tile.b0:tile.b0 + tile.bs]
        sw, sx = row_scales(wt), col_scales(xt)
        wn, xn = wt / sw[:, None], xt / sx[None, :]
        w_signed, x_signed = bool(wn.min() < 0), bool(xn.min() < 0)
        split = x_signed and 2 * tile.bs <= payload
        if split:
            parts = np.zeros_like(xn)
            parts[:, :tile.bs] = np.maximum(xn[:, :tile.bs], 0)
            parts[:, tile.bs:2 * tile.bs] = np.maximum(-xn[:, :tile.bs], 0)
            xn, x_signed = parts, False
        return cls(tile, acc, to_unsigned(wn) if w_signed else wn, to_unsigned(xn) if x_signed else xn,
                   sw, sx, w_signed, x_signed, split)

    def accumulate(self, y_u: np.ndarray) -> None:
        """Decode this block's rows of the frame and add them to the client's product."""
        t = self.tile
        y = decode_offset(y_u, self.w_u, self.x_u, self.w_signed, self.x_signed)
        if self.split:
            y[:, :t.bs] -= y[:, t.bs:2 * t.bs]
        y = y * self.sw[:, None] * self.sx[None, :]
        self.acc[t.r0:t.r0 + t.rows, t.b0:t.b0 + t.bs] += y[:t.rows, :t.bs]


class _Client:
    """The backend a client's model sees: ``matmul`` waits for the shared frame."""

    name = "parallel"

    def __init__(self, rendezvous: "Rendezvous", index: int):
        self._rv, self._i = rendezvous, index

    def matmul(self, w, x) -> np.ndarray:
        return self._rv.request(self._i, w, x)


class Rendezvous:
    """Collects one request per running client, runs them together, returns results."""

    def __init__(self, centre: ParallelCentre):
        self.centre = centre
        self._cond = threading.Condition()
        self._requests: dict[int, tuple] = {}
        self._results: dict[int, Any] = {}
        self._running: set[int] = set()

    def request(self, i: int, w, x) -> np.ndarray:
        with self._cond:
            self._requests[i] = (w, x)
            self._cond.notify_all()
            self._cond.wait_for(lambda: i in self._results)
            result = self._results.pop(i)
        if isinstance(result, BaseException):
            raise result
        return result

    def run(self, jobs: list[Callable[[Any], Any]], timeout: float = 3600.0) -> list[Any]:
        """Run ``jobs[i](backend_i)`` in threads, serving their products together.

        Returns each job's result; re-raises the first job's exception.
        """
        outcomes: list[Any] = [None] * len(jobs)
        self._running = set(range(len(jobs)))

        def worker(i: int) -> None:
            try:
                outcomes[i] = jobs[i](_Client(self, i))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                outcomes[i] = exc
            finally:
                with self._cond:
                    self._running.discard(i)
                    self._cond.notify_all()

        threads = [threading.Thread(target=worker, args=(i,), daemon=True, name=f"client-{i}")
                   for i in range(len(jobs))]
        for t in threads:
            t.start()
        while True:
            with self._cond:
                ready = self._cond.wait_for(
                    lambda: not self._running or set(self._requests) >= self._running, timeout)
                if not ready:
                    raise TimeoutError(f"parallel clients did not answer within {timeout} s")
                if not self._running:
                    break
                requests = [self._requests.pop(i, None) for i in range(len(jobs))]
            try:
                results = self.centre.run_together(requests)
            except Exception as exc:  # the optics failed: every waiting client gets the error
                results = [exc if r is not None else None for r in requests]
            with self._cond:
                for i, y in enumerate(results):
                    if requests[i] is not None:
                        self._results[i] = y
                self._cond.notify_all()
        for t in threads:
            t.join(timeout)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return outcomes


def measure_crosstalk(engine, partitions: list[Partition], frames: int = 2, seed: int = 0) -> np.ndarray:
    """Inter-channel crosstalk matrix in dB: entry [victim, aggressor].

    Method (works on a real bench too, noise included): the victim's ports carry
    constant light (u = 1/2) and its rings random weights; the aggressor's ports
    carry full-swing random data through its own random weights. The aggressor's
    data-dependent power leaking into the victim's photodiodes is
    ``var(victim | aggressor on) - var(victim | aggressor constant)``, compared with
    the aggressor's own output variance: 10 log10(leak / own). Returns NaN where the
    leak is below the measurement's noise (negative difference).
    """
    rng = np.random.default_rng(seed)
    n, payload = engine.topo.centre.ports, engine.frame.payload
    out = np.full((len(partitions), len(partitions)), np.nan)
    for a, agg in enumerate(partitions):
        for v, vic in enumerate(partitions):
            if a == v:
                continue
            on, off, own = [], [], []
            for _ in range(frames):
                w_u = np.zeros((n, n))
                w_u[np.ix_(vic.outputs, vic.ports)] = rng.uniform(0, 1, (len(vic.outputs), len(vic.ports)))
                w_u[np.ix_(agg.outputs, agg.ports)] = rng.uniform(0, 1, (len(agg.outputs), len(agg.ports)))
                x_on = np.zeros((n, payload))
                x_on[list(vic.ports)] = 0.5
                x_on[list(agg.ports)] = rng.uniform(0, 1, (len(agg.ports), payload))
                x_off = x_on.copy()
                x_off[list(agg.ports)] = 0.5
                y_on = engine.tile_product(w_u, x_on, signed=False)
                y_off = engine.tile_product(w_u, x_off, signed=False)
                on.append(y_on[list(vic.outputs)].var(axis=1).mean())
                off.append(y_off[list(vic.outputs)].var(axis=1).mean())
                own.append(y_on[list(agg.outputs)].var(axis=1).mean())
            leak = np.mean(on) - np.mean(off)
            if leak > 0:
                out[v, a] = 10 * np.log10(leak / np.mean(own))
    return out
