"""``labctl train MODEL [--epochs N] [--seed N] [--out DIR]``: train one shipped model.

Needs the optional ``train`` extra (PyTorch): ``pip install -e '.[train]'``.
Writes ``<MODEL>.npz`` and ``<MODEL>.json`` (manifest with sha256) to ``--out``
(default: the package's weights directory, i.e. replaces the shipped model).
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
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: shipped weights)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from labctl.training import TrainingUnavailable, train

    if args.epochs is not None and args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1, not {args.epochs}")
    try:
        manifest = train(args.model, epochs=args.epochs, seed=args.seed, out_dir=args.out)
    except TrainingUnavailable as exc:
        raise UsageError(str(exc)) from exc
    print(f"trained {args.model}: {manifest} and {manifest.with_suffix('.npz')}")
    return 0
