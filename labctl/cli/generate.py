"""``labctl generate``: the main job, generative models through the optical testbed.

    labctl generate [--model fashion-vae] [--count 16] [--backend sim|bench]
                    [--bench FILE] [--seed N] [--out FILE] [--calibration FILE]

Runs the ``generate`` sequence (sequences/generate.py) on the embedded simulated
bench unless ``--bench`` is given, writes one HDF5 run file (default
``runs/<timestamp>_generate.h5``) and a PNG contact sheet per model next to it
(optical beside digital), and prints a short summary with both paths.
``--model a,b`` runs several models at the same time on different edge nodes.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from labctl.cli import UsageError
from labctl.cli.farm_options import add_farm_options, farm_for


def register(subparsers) -> None:
    p = subparsers.add_parser("generate", help="run generative models through the optical testbed (main job)")
    p.add_argument("--model", default="fashion-vae",
                   help="model name, or several separated by commas (run in parallel); see --list")
    p.add_argument("--list", action="store_true", help="list the shipped models and exit")
    p.add_argument("--count", type=int, default=16, help="images per model (default 16)")
    p.add_argument("--backend", default="sim", help="sim (in-process physics, default) or bench (drivers over VISA)")
    p.add_argument("--bench", help="bench file or embedded name: default (the default), default-time, high-rate, ..."
                   )
    p.add_argument("--seed", type=int, help="run seed (default: the bench file's seed)")
    p.add_argument("--out", help="run file (default: runs/<timestamp>_generate.h5)")
    p.add_argument("--calibration", help="calibration HDF5 file to load (default: calibrate at the start "
                   "and save it beside the run file)")
    p.add_argument("--batch", type=int, default=16, help="images per step (default 16)")
    p.add_argument("--models-dir", help="directory of trained weights (from `labctl train MODEL --out DIR`; "
                   "default: the shipped ones)")
    add_farm_options(p)
    p.set_defaults(func=cmd_generate)


def cmd_generate(args) -> int:
    from labctl.bench import BenchError, load_bench
    from labctl.cli.run import default_out_path
    from labctl.engine import ParameterError, RunEngine
    from labctl.models import available_models

    if args.list:
        for name in available_models():
            print(name)
        return 0
    directory = Path(args.models_dir) if args.models_dir else None
    if directory is not None and not directory.is_dir():
        raise UsageError(f"--models-dir: no such directory {args.models_dir!r}")
    known = available_models(directory)
    models = [m.strip() for m in args.model.split(",") if m.strip()]
    unknown = [m for m in models if m not in known]
    if unknown or not models:
        raise UsageError(f"--model: unknown model {(unknown or [''])[0]!r} (available: {', '.join(known)})")
    if args.count < 1:
        raise UsageError(f"--count: must be at least 1, got {args.count}")
    if args.backend not in ("sim", "bench"):
        raise UsageError(f"--backend: must be 'sim' or 'bench', got {args.backend!r}")
    if args.calibration and not Path(args.calibration).is_file():
        raise UsageError(f"--calibration: no such file {args.calibration!r}")
    try:
        bench = load_bench(args.bench)
    except BenchError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out) if args.out else default_out_path("generate")
    out.parent.mkdir(parents=True, exist_ok=True)
    params = {"models": models, "count": args.count, "backend": args.backend, "batch": args.batch,
              "models_dir": str(directory or ""),
              "calibration": args.calibration or "",
              "calibration_save": "" if args.calibration else str(out.with_name(out.stem + "_calibration.h5"))}
    note = "" if args.calibration else "; calibrating the bench first"
    print(f"labctl generate: {', '.join(models)} x {args.count} images, {args.backend} backend{note}")
    try:
        with farm_for(args) as farm:
            result = RunEngine().run("generate", params, bench, out=out, seed=args.seed, farm=farm)
    except ParameterError as exc:
        raise UsageError(str(exc)) from None
    sheets = write_sheets(out) if result.steps else []
    print_summary(out, sheets, result)
    return 0 if result.status == "completed" else 1


def write_sheets(path: Path) -> list[Path]:
    """One contact sheet per image set of run file ``path``: <stem>[_<model>].png."""
    from labctl.imaging import write_contact_sheet
    from labctl.runfile import open_run

    sheets = []
    with open_run(path) as f:
        images = f["entry/images"]
        models = json.loads(f["entry/provenance/parameters"][()])["models"]
        sets = [("", models[0])] if len(models) == 1 else [(f"{m}/", m) for m in models]
        for prefix, model in sets:
            optical, digital = images[prefix + "optical"][()], images[prefix + "digital"][()]
            if not len(optical):
                continue
            suffix = "" if len(models) == 1 else f"_{model}"
            sheet = path.with_name(f"{path.stem}{suffix}.png")
            write_contact_sheet(sheet, optical, digital, title=f"{model}: optical (left) vs digital (right)")
            sheets.append(sheet)
    return sheets


def print_summary(path: Path, sheets: list[Path], result) -> None:
    """Status, the paths, and the headline metrics of a generate run."""
    from labctl.runfile import read_summary

    s = read_summary(path)
    print(f"{s.status}: {s.steps} steps")
    for key in sorted(k for k in s.metrics if k.endswith(("psnr_db", "label_agreement", "effective_bits_min"))):
        print(f"  {key:34s} {_fmt(s.metrics[key])}")
    for key in ("ber", "energy_mw_per_tops", "pj_per_mac", "crosstalk_db"):
        if key in s.metrics:
            print(f"  {key:34s} {_fmt(s.metrics[key])}")
    from labctl.energy import boundary_summary
    for line in boundary_summary(s.metrics):
        print(f"  {line}")
    if result.error:
        print(f"  error: {result.error}")
    print(f"run file:      {path}")
    for sheet in sheets:
        print(f"contact sheet: {sheet}")


def _fmt(item) -> str:
    value, unit = item
    arr = np.asarray(value, float).reshape(-1)
    text = " ".join(f"{v:.4g}" for v in arr[-4:] if np.isfinite(v)) if arr.size else "-"
    return f"{text} {'' if unit == '1' else unit}".strip()
