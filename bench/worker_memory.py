"""A sweep worker's memory: resident size after each of several varied runs (issue 21, loky's warning).

loky measures each worker's resident memory after its first task and restarts a worker that grew by
300 MB since (« A worker stopped while some jobs were given to the executor »). This runs varied short
runs (wide layers, Dropout, trajectory…) one after the other in this process, as a loky worker does,
through the sweep's own `train_in_worker` (pipeline/experiments/worker.py), and prints the resident size after each (after gc, as loky).

    python -m bench.worker_memory                     # each run in its own process, as the sweep does
    python -m bench.worker_memory --same-process      # before the fix: every run in this process
A measurement, not a test: exits 1 only if this process grew by loky's limit.
"""
from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOKY_LIMIT_MB = 300  # joblib/externals/loky/process_executor.py: _MAX_MEMORY_LEAK_SIZE
VARIANTS = ({"hidden_units": 512, "early_stopping.patience": 99}, {"trajectory": True}, {"dropout": 0.5},
            {"hidden_units": 32, "validation": "test"}, {"trajectory": True, "hidden_units": 512},
            {"dropout": 0.2, "learning_rate": 0.01})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--same-process", action="store_true", help="every run in this process (before the fix)")
    args = parser.parse_args()
    import psutil

    from pipeline.workflow.stages import table
    from pipeline.common.config import load_params
    from pipeline.data import dataset
    from pipeline.experiments.questions import with_changes
    from pipeline.experiments.worker import train_in_worker

    train = {s.name: s for s in table(ROOT)}["train"]
    base, inputs, me = load_params(ROOT / "params.yaml"), {"dataset": dataset.ensure_dataset()}, psutil.Process()
    reference = None
    for i in range(args.runs):
        changes = {"epochs": args.epochs, "batch_size": 512, "trajectory": False, **VARIANTS[i % len(VARIANTS)]}
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            result = train_in_worker(train, f"bench{i}", with_changes(base, changes, base.seed + i), inputs,
                                     folder, fresh_process=not args.same_process)
        if "error" in result:
            raise SystemExit(result["error"])
        del result
        gc.collect()
        rss = me.memory_info().rss / 1e6
        reference = reference or rss  # loky's reference: after the first task
        print(f"run {i} {changes}: {time.perf_counter() - started:.1f} s, resident {rss:.0f} MB, "
              f"{rss - reference:+.0f} MB since run 0", flush=True)
    return 1 if rss - reference >= LOKY_LIMIT_MB else 0


if __name__ == "__main__":
    raise SystemExit(main())
