"""Check the PyTorch peer (torch_peer.py) against the reference table: CNN4Conv trained to
convergence on 51/151/251 RANDOM labels of dermamnist-ham10000-28's train split, balanced
accuracy on its test split (reference: 51: 19.8-23.0%, 151: 26.3-27.4%, 251: 34.8-35.4%).

Goes through the peer's real command line (a jobs file), so the interface is checked too.
  nice -n 5 /usr/bin/python3 bench/learning/peer_check.py [--npz FILE] [--seeds 1,2,3] [--sizes 51,151,251]
Prints a markdown table: per-seed balanced accuracy, mean +- std (sample std), seconds per job.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--npz", default=os.path.join(HERE, "../../../shared/datasets/dermamnist-ham10000-28.npz"))
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--sizes", default="51,151,251")
    ap.add_argument("--out", default=os.path.join(HERE, "results/peer-check.json"))
    ap.add_argument("--threads", default="1")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    sizes = [int(s) for s in args.sizes.split(",")]
    n_train = len(np.load(args.npz)["train_labels"])

    # Random labels: a seeded draw without replacement from the whole train split, one per (size, seed).
    jobs = []
    for size in sizes:
        for seed in seeds:
            idx = np.random.RandomState(1000 * size + seed).choice(n_train, size, replace=False)
            jobs.append({"key": f"n{size}-seed{seed}", "train": sorted(int(i) for i in idx), "seed": seed})
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    jobs_file = args.out.replace(".json", "-jobs.json")
    with open(jobs_file, "w") as f:
        json.dump(jobs, f)

    subprocess.run([sys.executable, os.path.join(HERE, "torch_peer.py"), "--npz", args.npz, "--jobs", jobs_file,
                    "--out", args.out, "--threads", args.threads], check=True, stdout=subprocess.DEVNULL)
    res = json.load(open(args.out))

    print("| labels | " + " | ".join(f"seed {s}" for s in seeds) + " | mean +- std | steps | s/job |")
    print("|---|" + "---|" * len(seeds) + "---|---|---|")
    for size in sizes:
        rs = [res[f"n{size}-seed{s}"] for s in seeds]
        ba = [100 * r["balancedAccuracy"] for r in rs]
        std = statistics.stdev(ba) if len(ba) > 1 else 0.0
        secs = statistics.mean(r["seconds"] for r in rs)
        print(f"| {size} | " + " | ".join(f"{b:.1f}%" for b in ba)
              + f" | {statistics.mean(ba):.1f} +- {std:.1f}% | {rs[0]['steps']} | {secs:.0f} |")


if __name__ == "__main__":
    main()
