"""``generate``: generative models through the optical testbed (the main job).

Every linear layer of each model runs on the optical backend (``sim``: the
bench's physics in process; ``bench``: drivers and instruments over VISA,
simulated SCPI servers on a simulated bench); the same latent seeds run through
the digital backend as the reference. Steps, in order:

1. ``batch i``: ``batch`` images per model through the optics and digitally
   (images appended to /entry/images, the batch PSNR to /entry/data).
   Several models run *at the same time* on disjoint edge nodes / ports and
   AWGR outputs of one wdm centre (:mod:`labctl.generation.parallel`).
2. ``link``: BER of the edge -> centre links at the same operating point
   (:mod:`labctl.generation.link_ber`), and for parallel runs the crosstalk
   matrix between the models' channels.
3. ``metrics``: PSNR, SSIM and label agreement against the digital reference,
   Frechet distances in the shipped classifier's features (with the real-vs-real
   floor, when the data set is installed), effective bits per layer, energy
   (mW/TOPS and pJ/MAC with the per-component breakdown; 1 MAC = 2 operations).

Batch b of model m uses latent seed ``SeedSequence([run seed, b, crc32(m)])``,
so a batch is a pure function of (bench, parameters, seed, batch index) and of
the frames run before it, which the plans of its products count in advance:
with a Dask farm (``--workers``) whole batches run as tasks when there is at
least one per worker (:mod:`labctl.generation.farmed_batches`), else the frames
of each product do; either way the serial run's bytes.
One model: images in /entry/images/{optical,digital}, metrics in
/entry/metrics. Several: each model's under ``<model>/`` (images and metrics);
/entry/images/{optical,digital} then hold the first model's images.
"""
from __future__ import annotations

import contextlib
import zlib
from typing import Iterator

import numpy as np

from labctl.engine import Param, ParameterError, Step, Stream
from sequences import sequence
from sequences.energy import boundary_metrics, boundary_streams

BACKENDS = ("sim", "bench")
MAX_COUNT = 10_000
COMPONENTS = ("lasers", "dacs", "adcs", "modulator_drivers", "tias", "amplifiers", "heaters")
QUALITY = (("psnr_db", "dB", "PSNR against the digital reference (peak 255)"),
           ("ssim", "1", "mean SSIM against the digital reference (Wang et al. 2004)"),
           ("label_agreement", "1", "fraction of images the shipped classifier labels alike"),
           ("frechet_optical", "1", "Frechet distance optical vs real images (classifier features)"),
           ("frechet_digital", "1", "Frechet distance digital vs real images"),
           ("frechet_floor", "1", "Frechet distance real vs real (disjoint subsets, same count)"))


def _prefix(params: dict, name: str) -> str:
    return "" if len(params["models"]) == 1 else f"{name}/"


def _streams(params: dict) -> list[Stream]:
    names = params["models"]
    models = _loaded(names, params["models_dir"])
    streams = [Stream("images_done", "1", np.int64, help="images per model made so far"),
               Stream("batch_psnr_db", "dB", shape=(len(names),), help="PSNR of the batch, per model")]
    for i, name in enumerate(names):
        m, pre = models[name], _prefix(params, name)
        shape = tuple(m.image_shape)
        if i == 0 and pre:
            streams += [Stream("optical", "1", np.uint8, shape, "images"),
                        Stream("digital", "1", np.uint8, shape, "images")]
        streams += [Stream(f"{pre}optical", "1", np.uint8, shape, "images", help=f"{name} through the optics"),
                    Stream(f"{pre}digital", "1", np.uint8, shape, "images", help=f"{name}, digital products")]
        streams += [Stream(pre + key, unit, help=text, group="metrics") for key, unit, text in QUALITY]
        streams += [Stream(pre + "effective_bits", "bit", shape=(len(m.layers),), group="metrics",
                           help="per layer: log2(range / (sqrt(12) rms error)); layers: "
                           + ", ".join(layer.name for layer in m.layers)),
                    Stream(pre + "effective_bits_min", "bit", group="metrics", help="worst layer"),
                    Stream(pre + "macs_per_image", "MAC", group="metrics")]
    streams += [Stream("ber", "1", group="metrics", help="edge -> centre link BER (PAM4 through the centre)"),
                Stream("ber_ci95", "1", shape=(2,), group="metrics", help="95 % Clopper-Pearson interval"),
                Stream("bit_errors", "1", np.int64, group="metrics"),
                Stream("bits", "1", np.int64, group="metrics"),
                Stream("link_snr_db", "dB", group="metrics", help="electrical SNR at the decision point"),
                Stream("energy_mw_per_tops", "mW/TOPS", group="metrics", help="at this operating point"),
                Stream("pj_per_mac", "pJ/MAC", group="metrics")]
    streams += [Stream(f"energy/{c}", "mW/TOPS", group="metrics", help=f"share of {c}") for c in COMPONENTS]
    streams += boundary_streams()  # energy/<boundary>/... (bench, system, centre)
    if len(names) > 1:
        streams.append(Stream("crosstalk_db", "dB", shape=(len(names), len(names)), group="metrics",
                              help="[victim, aggressor] data-dependent power leaking between models' channels"))
    return streams


_CACHE: dict = {}


def _loaded(names, directory: str = "") -> dict:
    """name -> model (shipped weights, or ``directory``'s), cached; ParameterError if unknown."""
    from labctl.models import UnknownModel, WeightsError, load_model
    for n in names:
        if (n, directory) not in _CACHE:
            try:
                _CACHE[n, directory] = load_model(n, directory or None)
            except (UnknownModel, WeightsError) as exc:
                raise ParameterError(str(exc).strip("\"'")) from None
    return {n: _CACHE[n, directory] for n in names}


def _check(ctx) -> None:
    p = ctx.params
    if not 1 <= p["count"] <= MAX_COUNT:
        raise ParameterError(f"count must be between 1 and {MAX_COUNT}, got {p['count']}")
    if p["batch"] < 1:
        raise ParameterError(f"batch must be at least 1, got {p['batch']}")
    if len(set(p["models"])) != len(p["models"]):
        raise ParameterError(f"models must differ, got {p['models']}")


@contextlib.contextmanager
def _setup(ctx) -> Iterator[None]:
    """Check parameters, load the models, open and calibrate the optical backend
    (``ctx.state["backend"]``) for the duration of the run: the engine enters this
    context before the run file is created and exits it however the run ends."""
    from labctl.mvm.backends import open_backend

    _check(ctx)
    p = ctx.params
    models = _loaded(p["models"], p["models_dir"])
    if len(models) > 1:
        from labctl.generation.parallel import edge_partitions
        try:
            edge_partitions(ctx.bench, len(models))
        except ValueError as exc:
            raise ParameterError(str(exc)) from None
    ctx.provenance["model_weights"] = {n: m.weights_sha256 for n, m in models.items()}
    kw = {"seed": ctx.seed, "calibration": p["calibration"] or None}
    path = "inprocess" if p["backend"] == "sim" else "socket"
    with open_backend(ctx.bench, path=path, **kw) as backend:
        ctx.state["backend"] = backend
        if ctx.farm is not None and hasattr(backend, "table"):   # in process: frames on Dask
            from labctl.generation.farmed_batches import farmable
            from labctl.mvm.farmed import FarmRunner
            backend.engine.runner = FarmRunner(ctx.farm)
            whole = farmable(ctx, backend.engine, p["models"], len(_batch_sizes(p["count"], p["batch"])))
            ctx.state["farm_batches"] = whole
            ctx.provenance["dask_tasks"] = "whole batches" if whole else "frames of each product"
        cal = backend.calibration
        if not p["calibration"] and p["calibration_save"] and cal is not None:
            cal.save(p["calibration_save"])
            cal.path = str(p["calibration_save"])
        ctx.provenance["calibration_file"] = ((cal.path or "measured at run start, not saved")
                                              if cal else "none")
        yield


def _batch_sizes(count: int, batch: int) -> list[int]:
    """Images in each batch: ``batch`` each, the last one the rest."""
    return [min(batch, count - start) for start in range(0, count, batch)]


def _batch_seed(seed: int, batch: int, name: str) -> int:
    return int(np.random.SeedSequence([seed, batch, zlib.crc32(name.encode())]).generate_state(1)[0])


@sequence(
    "generate",
    help="Generative models through the optical testbed, beside their digital reference",
    params=[
        Param("models", list[str], ["fashion-vae"],
              help="models (see `labctl generate --list`; several run in parallel, one edge node each)"),
        Param("count", int, 16, help=f"images per model (1..{MAX_COUNT})"),
        Param("backend", str, "sim", help="sim: in-process physics; bench: drivers over VISA", choices=BACKENDS),
        Param("batch", int, 16, help="images per step (a frame carries up to 64 signed columns: batches up to 64 cost the same)"),
        Param("calibration", str, "", help="calibration HDF5 file to load ('' = calibrate at the start)"),
        Param("calibration_save", str, "", help="where to save a calibration made at the start ('' = nowhere)"),
        Param("ber_frames", int, 4, help="frames of PAM4 for the link BER"),
        Param("models_dir", str, "", help="directory of model weights ('' = the shipped ones)"),
    ],
    streams=_streams,
    setup=_setup,
)
def generate(ctx, models, count, backend, batch, calibration, calibration_save, ber_frames, models_dir):
    """Images through the optics and digitally; link BER, crosstalk, quality, energy."""
    yield from _plan(ctx, models, count, batch, ber_frames)   # the backend closes with _setup


def _plan(ctx, names, count, batch, ber_frames):
    models = _loaded(names, ctx.params["models_dir"])
    optical = ctx.state["backend"]
    engine = optical.engine
    engine.before_frame = ctx.check_abort      # abort within one frame (a product can take minutes)
    try:
        yield from _batches(ctx, engine, optical, models, names, count, batch, ber_frames)
    finally:
        engine.before_frame = None


def _batches(ctx, engine, optical, models, names, count, batch, ber_frames):
    from labctl.generation.link_ber import measure_link_ber
    from labctl.imaging import psnr
    from labctl.models import DigitalBackend, ProductRecorder

    recorders = {n: ProductRecorder() for n in names}
    made = {n: ([], []) for n in names}
    sizes = _batch_sizes(count, batch)
    batches = len(sizes)
    ctx.set_total(batches + 2)
    for b, opt in enumerate(_optical_batches(ctx, engine, optical, models, names, sizes, recorders)):
        images, psnrs = {}, []
        for n, o in zip(names, opt):
            d = models[n].sample(sizes[b], _batch_seed(ctx.seed, b, n), DigitalBackend())
            made[n][0].append(o)
            made[n][1].append(d)
            pre = _prefix(ctx.params, n)
            images[f"{pre}optical"], images[f"{pre}digital"] = o, d
            psnrs.append(psnr(d, o))
        if len(names) > 1:
            images["optical"], images["digital"] = images[f"{names[0]}/optical"], images[f"{names[0]}/digital"]
        yield Step(f"batch {b + 1}/{batches}", data={"images_done": b * batch + sizes[b],
                                                     "batch_psnr_db": (np.array(psnrs), "dB")}, images=images)
    yield _link_step(ctx, engine, names, ber_frames, measure_link_ber)
    yield _metrics_step(ctx, engine, names, models, made, recorders)


def _optical_batches(ctx, engine, optical, models, names, sizes, recorders):
    """Each batch's optical images, one array per model: whole batches on the
    Dask farm when they pay (labctl.generation.farmed_batches), else here
    (several models at once on disjoint edge nodes, frames farmed if a farm is set)."""
    from labctl.generation.farmed_batches import farmed_batches

    seeds = [{n: _batch_seed(ctx.seed, b, n) for n in names} for b in range(len(sizes))]
    if ctx.state.get("farm_batches"):
        n = names[0]
        for result in farmed_batches(ctx, engine, models[n], n, sizes, [s[n] for s in seeds]):
            result.log.replay(recorders[n])
            yield [result.optical]
        return
    parallel = _parallel(engine, ctx.bench, len(names)) if len(names) > 1 else None
    for size, seed in zip(sizes, seeds):
        jobs = [lambda be, n=n: models[n].sample(size, seed[n], be, hook=recorders[n]) for n in names]
        yield parallel.run(jobs) if parallel else [jobs[0](optical)]


def _parallel(engine, bench, n):
    from labctl.generation.parallel import ParallelCentre, Rendezvous, edge_partitions
    return Rendezvous(ParallelCentre(engine, edge_partitions(bench, n)))


def _link_step(ctx, engine, names, frames, measure_link_ber) -> Step:
    metrics = {}
    if engine.scheme.measures_link_ber:
        est, snr_db = measure_link_ber(engine, "pam4", frames=frames, seed=int(ctx.rng("ber").integers(2**31)))
        metrics.update(ber=(est.ber, "1"), ber_ci95=(np.array(est.ci95), "1"), bit_errors=(est.errors, "1"),
                       bits=(est.bits, "1"), link_snr_db=(snr_db, "dB"))
        text = f"link BER {est.ber:.2e} ({est.errors}/{est.bits})"
    else:
        text = "link BER: time-scheme bench, not measured through the ring bank"
    if len(names) > 1:
        from labctl.generation.parallel import edge_partitions, measure_crosstalk
        xt = measure_crosstalk(engine, edge_partitions(ctx.bench, len(names)), frames=2,
                               seed=int(ctx.rng("crosstalk").integers(2**31)))
        metrics["crosstalk_db"] = (xt, "dB")
        text += f", crosstalk worst {np.nanmax(xt):.1f} dB"
    return Step(text, metrics=metrics)


def _metrics_step(ctx, engine, names, models, made, recorders) -> Step:
    from labctl.imaging import quality_metrics
    from labctl.mvm.energy_point import boundary_reports

    metrics, parts = {}, []
    for n in names:
        o, d = np.concatenate(made[n][0]), np.concatenate(made[n][1])
        q = quality_metrics(models[n].dataset, o, d, seed=ctx.seed)
        pre = _prefix(ctx.params, n)
        for key, unit, _ in QUALITY:
            if q[key] is not None:
                metrics[pre + key] = (q[key], unit)
        bits = recorders[n].effective_bits()
        enob = np.array([bits.get(layer.name, np.nan) for layer in models[n].layers])
        metrics[pre + "effective_bits"] = (enob, "bit")
        metrics[pre + "effective_bits_min"] = (float(np.nanmin(enob)), "bit")
        metrics[pre + "macs_per_image"] = (float(models[n].macs_per_image), "MAC")
        parts.append(f"{n}: PSNR {q['psnr_db']:.1f} dB, agreement {100 * q['label_agreement']:.0f} %")
    reports = boundary_reports(engine)
    rep = reports["bench"]
    metrics.update(boundary_metrics(reports))
    metrics["energy_mw_per_tops"] = (rep.mw_per_tops, "mW/TOPS")
    metrics["pj_per_mac"] = (rep.pj_per_mac, "pJ/MAC")
    for c, v in rep.breakdown_mw_per_tops().items():
        if c in COMPONENTS:
            metrics[f"energy/{c}"] = (v, "mW/TOPS")
    energy = ", ".join(f"{b} {r.mw_per_tops:.4g}" for b, r in reports.items())
    return Step("; ".join(parts) + f"; mW/TOPS: {energy}", metrics=metrics)
