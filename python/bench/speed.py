"""Python against the CLI, side by side in one run (issue 26's speed table; a benchmark, not a
test). On gowalla (the LightGCN split):

1. one LightGCN epoch at the paper's settings (dim 64, 3 layers, batch 2048, lr 0.001, L2 1e-4)
   through ``gnnrec.LightGCN(...).fit`` and through ``gnnrec train``, alternating, ``--rounds``
   times: the epoch's seconds as each run's log records them (training only), and each call's
   wall time (load, graph, epoch, test evaluation, writing the run);
2. every test user's top 20: ``model.recommend(users, k=20)`` into numpy (from a run opened with
   ``gnnrec.load``) against ``gnnrec recommend --all-users --k 20 --out F.csv`` (a process that
   also reloads the dataset and writes the CSV), alternating;
3. with ``--pyg PYTHON``: PyTorch Geometric's step at the same settings
   (``xtask/pyg/lightgcn_step.py``) run from this script, its epoch implied from the step.

Prints a markdown table and writes JSON (``--json FILE``). Usage:

    GNNREC_DATA=../shared/data target/venv/bin/python python/bench/speed.py \\
        --cli target/release/gnnrec --rounds 3 --pyg target/pyg-venv/bin/python
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time

import gnnrec

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PAPER = dict(dim=64, layers=3, l2=1e-4, lr=1e-3, batch=2048, epochs=1, neg_pool=1, schedule="constant")


def cli_epoch(cli, out):
    args = [cli, "train", "--model", "lightgcn", "--dataset", "gowalla", "--out", out, "--quiet"]
    for k, v in PAPER.items():
        args += ["--set", f"{k}={v}"]
    t0 = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    with open(os.path.join(out, "log.jsonl")) as f:
        epoch = json.loads(f.readline())["seconds"]
    return epoch, wall


def python_epoch(data, out):
    t0 = time.perf_counter()
    m = gnnrec.LightGCN(**PAPER).fit(data, out=out, progress=False)
    wall = time.perf_counter() - t0
    return float(m.history["seconds"][0]), wall


def cli_export(cli, run, out):
    t0 = time.perf_counter()
    subprocess.run(
        [cli, "recommend", "--run", run, "--all-users", "--k", "20", "--out", out],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t0


def python_recommend(model, users):
    t0 = time.perf_counter()
    ids, scores = model.recommend(users, k=20)
    seconds = time.perf_counter() - t0
    assert ids.shape == (len(users), 20)
    return seconds


def pyg_epoch(python, data_dir):
    script = os.path.join(ROOT, "xtask", "pyg", "lightgcn_step.py")
    p = subprocess.run(
        [python, script, "--data", os.path.join(data_dir, "gowalla"), "--steps", "20"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default=os.path.join(ROOT, "target", "release", "gnnrec"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pyg", help="a Python with torch and torch_geometric")
    ap.add_argument("--json", help="write the measurements here")
    a = ap.parse_args()
    data_dir = gnnrec.datasets.data_dir()
    tmp = tempfile.mkdtemp(prefix="gnnrec-speed-")
    data = gnnrec.datasets.load("gowalla")
    rows = {"python epoch": [], "cli epoch": [], "python fit wall": [], "cli train wall": [],
            "python recommend": [], "cli export": []}
    test_users = None
    for r in range(a.rounds):
        e, w = cli_epoch(a.cli, os.path.join(tmp, f"cli{r}"))
        rows["cli epoch"].append(e)
        rows["cli train wall"].append(w)
        e, w = python_epoch(data, os.path.join(tmp, f"py{r}"))
        rows["python epoch"].append(e)
        rows["python fit wall"].append(w)
        run = os.path.join(tmp, f"cli{r}")
        model = gnnrec.load(run)
        if test_users is None:
            test_users = data.test_df()["user"].unique()
        rows["cli export"].append(cli_export(a.cli, run, os.path.join(tmp, f"export{r}.csv")))
        rows["python recommend"].append(python_recommend(model, test_users))
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in rows.items()), flush=True)
    med = {k: statistics.median(v) for k, v in rows.items()}
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "rounds": a.rounds,
        "test users": int(len(test_users)),
        "median seconds": med,
        "runs": rows,
        "python / cli epoch": med["python epoch"] / med["cli epoch"],
        "python recommend / cli export": med["python recommend"] / med["cli export"],
    }
    if a.pyg:
        pyg = pyg_epoch(a.pyg, data_dir)
        result["pyg"] = pyg
    print()
    print("| measurement | Python | CLI | Python / CLI |")
    print("|---|---|---|---|")
    print(f"| gowalla LightGCN epoch (paper settings), median of {a.rounds} | {med['python epoch']:.2f} s | "
          f"{med['cli epoch']:.2f} s | {result['python / cli epoch']:.3f} |")
    print(f"| the whole training call (load, graph, epoch, test evaluation, run written) | "
          f"{med['python fit wall']:.2f} s | {med['cli train wall']:.2f} s | "
          f"{med['python fit wall'] / med['cli train wall']:.3f} |")
    print(f"| top 20 of all {len(test_users)} test users: numpy vs `recommend --all-users` CSV | "
          f"{med['python recommend']:.2f} s | {med['cli export']:.2f} s | "
          f"{result['python recommend / cli export']:.3f} |")
    if a.pyg:
        print(f"| PyG {pyg.get('torch_geometric', '')} epoch implied by its step (same settings) | "
              f"{pyg.get('epoch_seconds', float('nan')):.1f} s | | |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
