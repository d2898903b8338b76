#!/usr/bin/env python3
"""Plot lockstep-bench results: steps per second against the number of worlds, one line per
JSON file (lockstep-bench --json FILE), log-log, labelled with the model or env, integrator,
substeps and device.

    python3 bench/plot.py ant.png ant_euler.json humanoid.json [--metric env|physics]

The output format follows the file name (.png, .pdf, .svg). Needs matplotlib.
"""
import argparse
import json
import os
import sys


def label(run):
    name = f"{run['env']} env" if run.get("env") else run.get("model_name") or os.path.basename(run["model"])
    return f"{name}, {run['integrator']}, {run['substeps']} substeps · {run['device']}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="image file to write (.png, .pdf, .svg)")
    parser.add_argument("runs", nargs="+", help="lockstep-bench --json files")
    parser.add_argument("--metric", choices=["env", "physics"], default="env",
                        help="env steps/s (default) or physics steps/s")
    args = parser.parse_args(argv)
    try:
        import matplotlib
    except ImportError:
        sys.exit("bench/plot.py needs matplotlib: pip install matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    key = "env_steps_per_s" if args.metric == "env" else "physics_steps_per_s"
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for path in args.runs:
        with open(path) as f:
            run = json.load(f)
        rows = sorted(run["rows"], key=lambda r: r["worlds"])
        if not rows:
            sys.exit(f"{path}: no rows")
        ax.plot([r["worlds"] for r in rows], [r[key] for r in rows], marker="o", label=label(run))
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("worlds (parallel environments)")
    ax.set_ylabel(f"{args.metric} steps / s")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("Lockstep throughput (median of repeats, after warm-up)", fontsize=9)
    fig.tight_layout()
    fig.savefig(args.output, dpi=150)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
