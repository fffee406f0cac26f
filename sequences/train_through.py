"""``train-through``: physics-aware fine-tuning of a model through the optical backend.

Wright et al., Nature 601, 549 (2022); :mod:`labctl.training.physics_aware`. Every
affine layer's forward pass goes through the run's optical backend (``through``:
``sim`` = the bench's physics in process, ``bench`` = the drivers over VISA, simulated
SCPI servers on a simulated bench) or, for comparison, through the Gaussian test error
model (``gaussian``: :class:`labctl.models.GaussianNoiseBackend` at ``bits``, i.e.
noise-aware training); gradients are those of the exact product or, with ``twin`` (a
bench file, e.g. ``labctl twin fit``'s output), of the twin's error model y = g ⊙ (W x) + c
measured at set-up on that bench in process with the run's calibration
(:mod:`labctl.training.twin_model`; file, sha256 and fitted gains in the provenance
under ``twin_file``, ``twin_sha256``, ``twin_model``). Objective: the
shipped model's digital output for the same latents (distillation, mean squared error
over pixels in the model's output range).

Steps, in order:

1. ``step i`` (``steps`` of them): ``batch`` fresh latents (``SeedSequence([seed, i])``),
   one optical forward pass, one Adam update of the ``layers``; data: optical and
   digital loss, PSNR of the optical output, gradient norm, seconds.
2. the fine-tuned weights are written to ``out_dir`` (``<model>.npz`` + manifest with
   sha256, like the shipped ones; never the shipped directory), their sha256 (file and
   content) go to /entry/metrics.
3. ``evaluate`` (unless ``eval_count`` = 0): the shipped and the fine-tuned model through
   the same bench (in process: a fresh backend per model, seed ``eval_seed`` and the
   run's calibration, so both see the same noise streams; over sockets: the run's
   backend), same ``eval_count`` latents (seed ``eval_seed``): PSNR / SSIM / label
   agreement against the shipped model's digital images, Frechet distances, PSNR
   against the model's own digital images; images under /entry/images/<model set>/.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import platform
from pathlib import Path
from typing import Iterator

import numpy as np

from labctl.engine import Param, ParameterError, Step, Stream
from sequences import sequence

THROUGH = ("sim", "bench", "gaussian")
SETS = ("shipped", "trained")
QUALITY = (("psnr_db", "dB", "PSNR against the shipped model's digital images (peak 255)"),
           ("psnr_own_db", "dB", "PSNR against the model's own digital images"),
           ("ssim", "1", "mean SSIM against the shipped model's digital images"),
           ("label_agreement", "1", "fraction labelled alike with the shipped digital images"),
           ("frechet_optical", "1", "Frechet distance optical vs real images (classifier features)"),
           ("frechet_digital", "1", "Frechet distance of the shipped digital images vs real"),
           ("frechet_floor", "1", "Frechet distance real vs real (disjoint subsets, same count)"))


def _image_shape(params):
    from labctl.models import read_manifest
    manifest = read_manifest(params["model"], params["models_dir"] or None)
    return tuple(manifest["architecture"]["image_shape"])


def _streams(params: dict) -> list[Stream]:
    streams = [
        Stream("step", "1", np.int64, help="training step (0-based)"),
        Stream("loss_optical", "1", help="mean squared error of the optical output vs the shipped "
               "digital output (output units, [0, 1] pixels), the differentiated loss"),
        Stream("loss_digital", "1", help="the same loss with exact products, same weights and "
               "latents (after the step's update)"),
        Stream("psnr_optical_db", "dB", help="10 log10(range^2 / loss_optical)"),
        Stream("grad_norm", "1", help="L2 norm of the gradient over the trained parameters"),
        Stream("step_seconds", "s", help="wall time of the step"),
        Stream("weights_sha256", "1", "S64", group="metrics",
               help="hex SHA-256 of the fine-tuned .npz file (as in its manifest)"),
        Stream("weights_content_sha256", "1", "S64", group="metrics",
               help="hex SHA-256 of the weights' float32 bytes (reproducible for a seed)"),
        Stream("final_loss_optical", "1", group="metrics", help="mean over the last 3 steps"),
        Stream("final_loss_digital", "1", group="metrics", help="mean over the last 3 steps"),
    ]
    if params["eval_count"] > 0:
        shape = _image_shape(params)
        for s in SETS:
            streams += [Stream(f"{s}/{key}", unit, group="metrics", help=f"{s}: {text}")
                        for key, unit, text in QUALITY]
            streams += [Stream(f"{s}/optical", "1", np.uint8, shape, "images",
                               help=f"{s} model through the bench"),
                        Stream(f"{s}/digital", "1", np.uint8, shape, "images",
                               help=f"{s} model, digital products")]
    return streams


def _check(ctx) -> None:
    from labctl.models.weights import WEIGHTS_DIR
    p = ctx.params
    for key in ("steps", "batch"):
        if p[key] < 1:
            raise ParameterError(f"{key} must be at least 1, got {p[key]}")
    if p["twin_count"] < 1:
        raise ParameterError(f"twin_count must be at least 1, got {p['twin_count']}")
    if p["eval_count"] < 0:
        raise ParameterError(f"eval_count must be >= 0, got {p['eval_count']}")
    if not p["lr"] > 0:
        raise ParameterError(f"lr must be positive, got {p['lr']}")
    if not p["out_dir"]:
        raise ParameterError("out_dir must name a directory for the fine-tuned weights")
    if Path(p["out_dir"]).resolve() in (WEIGHTS_DIR.resolve(),
                                        Path(p["models_dir"] or WEIGHTS_DIR).resolve()):
        raise ParameterError("out_dir is the directory of the model's weights: choose another one")


def _layers(params) -> tuple[str, ...] | None:
    text = params["layers"].strip()
    return None if text in ("", "all") else tuple(n.strip() for n in text.split(",") if n.strip())


@contextlib.contextmanager
def _setup(ctx) -> Iterator[None]:
    """Check parameters, load the model, open (and calibrate) the optical backend."""
    from labctl.models import UnknownModel, WeightsError, load_model
    from labctl.models.backends import GaussianNoiseBackend
    from labctl.models.weights import load_weights
    from labctl.mvm.backends import open_backend

    _check(ctx)
    p = ctx.params
    try:
        model = load_model(p["model"], p["models_dir"] or None)
        manifest, arrays = load_weights(p["model"], p["models_dir"] or None)
    except (UnknownModel, WeightsError) as exc:
        raise ParameterError(str(exc).strip("\"'")) from None
    if manifest["architecture"]["kind"] not in ("vae", "gan"):
        raise ParameterError(f"{p['model']}: train-through supports latent decoders (vae, gan)")
    layers = _layers(p)
    names = [s["name"] for s in manifest["architecture"]["layers"]]
    if layers is not None and not set(layers) <= set(names):
        raise ParameterError(f"layers {p['layers']!r}: the model's layers are {', '.join(names)}")
    ctx.provenance["model_weights"] = {p["model"]: model.weights_sha256}
    ctx.state.update(model=model, manifest=manifest, arrays=arrays)
    if p["through"] == "gaussian" and p["eval_count"] == 0:
        ctx.state["backend"] = GaussianNoiseBackend(p["bits"], seed=ctx.seed)
        ctx.provenance["calibration_file"] = "none (gaussian test error model)"
        _measure_twin(ctx, None)
        yield
        return
    kw = {"seed": ctx.seed, "calibration": p["calibration"] or None}
    path = "socket" if p["through"] == "bench" else "inprocess"
    with open_backend(ctx.bench, path=path, **kw) as backend:
        ctx.state["optical"] = backend
        ctx.state["backend"] = (GaussianNoiseBackend(p["bits"], seed=ctx.seed)
                                if p["through"] == "gaussian" else backend)
        cal = backend.calibration
        ctx.provenance["calibration_file"] = ((cal.path or "measured at run start, not saved")
                                              if cal else "none")
        _measure_twin(ctx, cal)
        yield


def _measure_twin(ctx, calibration) -> None:
    """With ``twin``: fit its error model (gains for the backward pass) and record it."""
    from labctl.bench import BenchError, load_bench
    from labctl.training.twin_model import measure_twin

    p = ctx.params
    if not p["twin"]:
        return
    try:
        twin_bench = load_bench(p["twin"])
    except BenchError as exc:
        raise ParameterError(f"twin: {exc}") from None
    manifest, arrays = ctx.state["manifest"], ctx.state["arrays"]
    model = measure_twin(twin_bench, manifest["architecture"]["layers"], arrays,
                         calibration=calibration, seed=ctx.seed, count=p["twin_count"],
                         latent_dim=int(manifest["architecture"]["latent_dim"]))
    ctx.state["twin_gains"] = model.gains()
    name = model.file if model.file != "<embedded>" else f"<embedded {p['twin']}>"
    ctx.provenance.update(twin_file=name, twin_sha256=model.sha256,
                          twin_model=model.summary())


@sequence(
    "train-through",
    help="Physics-aware fine-tuning: forward through the optics, exact-product gradients "
         "(Wright et al. 2022)",
    params=[
        Param("model", str, "fashion-vae", help="shipped latent-decoder model (vae or gan)"),
        Param("through", str, "sim", choices=THROUGH,
              help="sim: in-process bench; bench: drivers over VISA; gaussian: test error model"),
        Param("bits", float, 4.5, unit="bit", help="effective bits of the gaussian error model"),
        Param("steps", int, 12, help="training steps (one optical forward pass each)"),
        Param("batch", int, 64, help="latents per step (a frame carries up to 64 columns)"),
        Param("lr", float, 3e-5, help="Adam learning rate"),
        Param("layers", str, "", help="comma-separated layers to train ('' = all)"),
        Param("calibration", str, "", help="calibration HDF5 file ('' = calibrate at the start)"),
        Param("out_dir", str, "trained-through", help="directory for the fine-tuned weights"),
        Param("eval_count", int, 64, help="images of the final evaluation (0 = none)"),
        Param("eval_seed", int, 1000, help="seed of the evaluation's latents and bench noise"),
        Param("models_dir", str, "", help="directory of the model to start from ('' = shipped)"),
        Param("twin", str, "", help="twin bench file whose error model gives the gradients "
              "('' = exact-product gradients)"),
        Param("twin_count", int, 64, help="latents of the twin measurement (twin only)"),
    ],
    streams=_streams,
    setup=_setup,
)
def train_through(ctx, model, through, bits, steps, batch, lr, layers, calibration, out_dir,
                  eval_count, eval_seed, models_dir, twin, twin_count):
    """Fine-tune through the optics, save the weights, evaluate shipped vs fine-tuned."""
    optical = ctx.state.get("optical")
    engine = getattr(optical, "engine", None)
    if engine is not None:
        engine.before_frame = ctx.check_abort
    try:
        yield from _plan(ctx, steps, batch, lr, eval_count, eval_seed)
    finally:
        if engine is not None:
            engine.before_frame = None


def _plan(ctx, steps, batch, lr, eval_count, eval_seed):
    from labctl.training.physics_aware import arrays_sha256, fine_tune

    p = ctx.params
    ctx.set_total(steps + (1 if eval_count else 0))
    state = None
    for record, state in fine_tune(ctx.state["manifest"], ctx.state["arrays"],
                                   ctx.state["backend"], steps, batch, seed=ctx.seed, lr=lr,
                                   trainable=_layers(p), gains=ctx.state.get("twin_gains")):
        yield Step(f"step {record.step}", data={
            "step": record.step, "loss_optical": record.loss_optical,
            "loss_digital": record.loss_digital, "psnr_optical_db": record.psnr_optical_db,
            "grad_norm": record.grad_norm, "step_seconds": record.seconds})
    arrays = state.net.arrays()
    manifest_path = _save(ctx, arrays, state)
    from labctl.models import load_model, read_manifest
    sha = read_manifest(p["model"], manifest_path.parent)["sha256"]
    last = state.records[-3:]
    metrics = {"weights_sha256": (sha.encode(), "1"),
               "weights_content_sha256": (arrays_sha256(arrays).encode(), "1"),
               "final_loss_optical": (float(np.mean([r.loss_optical for r in last])), "1"),
               "final_loss_digital": (float(np.mean([r.loss_digital for r in last])), "1")}
    if not eval_count:
        yield Step("saved", metrics=metrics)
        return
    models = {"shipped": ctx.state["model"], "trained": load_model(p["model"], manifest_path.parent)}
    results = _evaluate(ctx, models, eval_count, eval_seed)
    images = {}
    for label, res in results.items():
        images[f"{label}/optical"] = res.pop("optical")
        images[f"{label}/digital"] = res.pop("digital")
        for key, unit, _ in QUALITY:
            if res.get(key) is not None:
                metrics[f"{label}/{key}"] = (res[key], unit)
    yield Step("evaluate", metrics=metrics, images=images)


def _evaluate(ctx, models, count, seed):
    from labctl.mvm.backends import SimBackend
    from labctl.training.physics_aware import evaluate

    optical = ctx.state["optical"]
    if hasattr(optical, "table"):     # in process: a fresh backend per model, same noise streams
        cal = optical.calibration

        def backends(label):
            return SimBackend(ctx.bench, seed=seed, calibration=cal if cal is not None else False)
    else:
        def backends(label):
            return optical
    return evaluate(models, backends, count, seed)


def _save(ctx, arrays, state) -> Path:
    import torch

    from labctl.models.weights import save_weights

    p = ctx.params
    base = ctx.state["manifest"]
    records = state.records
    manifest = {key: value for key, value in base.items()
                if key not in ("name", "weights_file", "sha256", "date", "trained_with")}
    manifest["fine_tuned"] = {
        "method": "physics-aware training (Wright et al., Nature 601, 549, 2022): forward "
                  "through the backend, " + ("gradients of the twin's error model g * (W x) + c"
                                             if p["twin"] else "exact-product gradients"),
        "twin": ({"file": ctx.provenance["twin_file"], "sha256": ctx.provenance["twin_sha256"]}
                 if p["twin"] else None),
        "objective": "MSE to the shipped model's digital output, same latents",
        "through": p["through"], "bits": p["bits"] if p["through"] == "gaussian" else None,
        "bench": str(ctx.bench.path) if ctx.bench.path else "<embedded>",
        "steps": p["steps"], "batch": p["batch"], "lr": p["lr"], "optimizer": "Adam",
        "layers": list(state.net.trainable), "seed": ctx.seed,
        "base_sha256": base["sha256"],
        "loss_optical": [r.loss_optical for r in records],
        "loss_digital": [r.loss_digital for r in records],
        "train_seconds": round(sum(r.seconds for r in records), 1),
    }
    manifest["date"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    manifest["trained_with"] = {"torch": torch.__version__, "python": platform.python_version()}
    return save_weights(Path(p["out_dir"]), p["model"], arrays, manifest)
