"""``labctl train MODEL [--epochs N] [--seed N] [--out DIR]``: train one shipped model.

Needs the optional ``train`` extra (PyTorch): ``pip install -e '.[train]'``.
Writes ``<MODEL>.npz`` and ``<MODEL>.json`` (manifest with sha256) to ``--out``
(default: the package's weights directory, i.e. replaces the shipped model).

Physics-aware fine-tuning of a shipped model (sequence ``train-through``,
:mod:`labctl.training.physics_aware`)::

    labctl train MODEL --through sim|bench|gaussian [--bench FILE] [--steps N] [--batch B]
                 [--lr LR] [--layers dec3,...] [--bits B] [--calibration FILE]
                 [--twin FITTED.toml] [--eval-count N] [--seed S] [--out DIR] [--run FILE]

Forward passes through the optics (``sim``: in process; ``bench``: drivers over VISA)
or the Gaussian test error model (``gaussian``, ``--bits``); gradients of the exact
product or, with ``--twin``, of the twin's error model y = g * (W x) + c measured on
that bench file in process (:mod:`labctl.training.twin_model`). Weights go to ``--out`` (default ``./<MODEL>-through-<THROUGH>``; never the
shipped directory), the run file to ``--run`` (default ``<out>/<MODEL>-train-through.h5``).
"""
from __future__ import annotations

from pathlib import Path

from labctl.cli import UsageError


def register(subparsers) -> None:
    from labctl.training import trainable_models

    parser = subparsers.add_parser("train", help="train a generative model or classifier (needs torch)",
                                   description="Train one model and write its weights + manifest "
                                   "(needs PyTorch: pip install -e '.[train]').")
    parser.add_argument("model", metavar="MODEL", help="one of: " + ", ".join(trainable_models()))
    parser.add_argument("--epochs", type=int, default=None, help="passes over the training set (default: the recipe's)")
    parser.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: shipped "
                        "weights; with --through: ./MODEL-through-THROUGH)")
    pat = parser.add_argument_group("physics-aware fine-tuning of the shipped model (--through)")
    pat.add_argument("--through", choices=("sim", "bench", "gaussian"), default=None,
                     help="forward passes through the in-process bench (sim), the drivers over "
                     "VISA (bench) or the Gaussian test error model; exact-product gradients")
    pat.add_argument("--bench", default=None, help="bench file or embedded name (default: the "
                     "embedded simulated bench)")
    pat.add_argument("--steps", type=int, default=12, help="training steps (default 12)")
    pat.add_argument("--batch", type=int, default=64, help="latents per step (default 64)")
    pat.add_argument("--lr", type=float, default=3e-5, help="Adam learning rate (default 3e-5)")
    pat.add_argument("--layers", default="", help="comma-separated layers to train (default all)")
    pat.add_argument("--bits", type=float, default=4.5,
                     help="effective bits of the gaussian error model (default 4.5)")
    pat.add_argument("--calibration", default="", help="calibration HDF5 file (default: "
                     "calibrate at the start)")
    pat.add_argument("--twin", default="", help="twin bench file (e.g. from `labctl twin fit`): "
                     "gradients from its per-output gain error model instead of the exact product")
    pat.add_argument("--eval-count", type=int, default=64, help="images evaluated through the "
                     "bench at the end, shipped and fine-tuned (default 64, 0 = none)")
    pat.add_argument("--models-dir", default="", help="directory of the model to start from "
                     "(default: the shipped weights)")
    pat.add_argument("--run", type=Path, default=None,
                     help="run file (default OUT/MODEL-train-through.h5)")
    parser.set_defaults(func=run)


def run(args) -> int:
    if args.through is not None:
        return run_through(args)
    if args.twin:
        raise UsageError("--twin needs --through (it gives the gradients of physics-aware training)")
    from labctl.training import TrainingUnavailable, train

    if args.epochs is not None and args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1, not {args.epochs}")
    try:
        manifest = train(args.model, epochs=args.epochs, seed=args.seed, out_dir=args.out)
    except TrainingUnavailable as exc:
        raise UsageError(str(exc)) from exc
    print(f"trained {args.model}: {manifest} and {manifest.with_suffix('.npz')}")
    return 0


def run_through(args) -> int:
    """``--through``: the ``train-through`` sequence through the run engine."""
    import sys

    import sequences
    from labctl.bench import BenchError, load_bench
    from labctl.engine import ParameterError, RunEngine

    try:
        import torch  # noqa: F401
    except ImportError:
        raise UsageError("training needs PyTorch: pip install -e '.[train]'") from None
    if args.calibration and not Path(args.calibration).is_file():
        raise UsageError(f"--calibration: no such file {args.calibration!r}")
    if args.twin:
        try:
            load_bench(args.twin)
        except BenchError as exc:
            raise UsageError(f"--twin: {exc}") from None
    out = args.out or Path(f"{args.model}-through-{args.through}")
    seq = sequences.get("train-through")
    try:
        params = seq.resolve_params(given={
            "model": args.model, "through": args.through, "bits": args.bits,
            "steps": args.steps, "batch": args.batch, "lr": args.lr, "layers": args.layers,
            "calibration": args.calibration, "out_dir": str(out),
            "eval_count": args.eval_count, "models_dir": args.models_dir, "twin": args.twin})
        bench = load_bench(args.bench)
    except (ParameterError, BenchError) as exc:
        raise UsageError(str(exc)) from None
    run_file = args.run or out / f"{args.model}-train-through.h5"
    run_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = RunEngine().run(seq, params, bench, out=run_file, seed=args.seed)
    except ParameterError as exc:       # found by the sequence's set-up, before the run file
        raise UsageError(str(exc)) from None
    print(f"{result.status}: {result.steps} steps -> {run_file}; weights -> {out}")
    if result.status == "failed":
        print(f"error: {result.error}", file=sys.stderr)
    return 0 if result.status == "completed" else 1
