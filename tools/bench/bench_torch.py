#!/usr/bin/python3
"""The PyTorch side of `plaincnn bench`: the same cases, timed the same way.

Runs, in PyTorch, what `plaincnn bench` times in plaincnn, so that the two
can be compared in one session on one machine:

  course  conv (50000,28,28,1)*(3,3,1,2) valid relu forward, and 2x2/2 max
          pooling on (50000,28,28,2) forward
  lenet   LeNet-5's C3 convolution, (32,14,14,6)*(5,5,6,16) valid relu,
          forward and backward
  epoch   one LeNet-5 training epoch: 50,000 images, batch 32, Adam with
          TensorFlow 1's constants (lr 0.001, betas 0.9/0.999, eps 1e-8),
          from fresh weights, data already in memory

each at 1 thread and at the chosen count, as the median of several runs.
Inputs are seeded random numbers, as in `plaincnn bench`. PyTorch stores
images as (m, c, h, w); the shapes above are plaincnn's (m, h, w, c).

Needs Debian's python3-torch, run by Debian's own interpreter (this file's
first line), since another python3 on PATH (pyenv, a venv) will not see it:

  apt-get install -y python3-torch
  make bench-torch          # or: /usr/bin/python3 tools/bench/bench_torch.py --threads 2
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

# PyTorch's best setting on this machine class (the speed issue's figures):
# its own threads for the convolutions, OpenBLAS single-threaded, since two
# thread pools on two cores get in each other's way.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit("bench_torch.py: PyTorch not found; install it with: apt-get install -y python3-torch "
             "(and run this file with /usr/bin/python3)")

TRAIN_IMAGES = 50000


def median_time(f, runs, min_run=0.02):
    """Median seconds per call of f over runs runs; short calls are repeated to last min_run."""
    t0 = time.perf_counter()
    f()  # warm-up, and a first estimate of the cost
    first = time.perf_counter() - t0
    calls = 1 if first >= min_run else max(1, int(min_run / max(first, 1e-7)) + 1)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        for _ in range(calls):
            f()
        times.append((time.perf_counter() - t) / calls)
    return statistics.median(times)


class LeNet5(torch.nn.Module):
    """The course's LeNet-5: C1 6@5x5 same relu, S2 max 2x2, C3 16@5x5 valid relu,
    S4 max 2x2, F5 120 relu, F6 84 relu, F7 10 (softmax in the loss)."""

    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(1, 6, 5, padding=2)
        self.c3 = torch.nn.Conv2d(6, 16, 5)
        self.f5 = torch.nn.Linear(400, 120)
        self.f6 = torch.nn.Linear(120, 84)
        self.f7 = torch.nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c3(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.f5(x))
        x = F.relu(self.f6(x))
        return self.f7(x)


def epoch(X, y, batch):
    """One epoch from fresh weights over a shuffled order, as plaincnn's bench runs it."""
    model = LeNet5()
    opt = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-8)
    order = torch.randperm(X.shape[0])
    for begin in range(0, X.shape[0], batch):
        idx = order[begin:begin + batch]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(X[idx]), y[idx])
        loss.backward()
        opt.step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=int(os.environ.get("PLAINCNN_THREADS", "0") or 0),
                        help="threads for the multi-threaded rows, 0 for all cores (default: PLAINCNN_THREADS, else all)")
    parser.add_argument("--runs", type=int, default=5, help="runs per pass case (default 5)")
    parser.add_argument("--epoch-runs", type=int, default=3, help="runs per epoch case (default 3)")
    parser.add_argument("--only", default="course,lenet,epoch", help="groups: course,lenet,epoch (default all)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = parser.parse_args()
    if args.runs < 1 or args.epoch_runs < 1 or args.threads < 0:
        sys.exit("bench_torch.py: --runs and --epoch-runs must be at least 1, --threads at least 0")
    groups = args.only.split(",")
    for g in groups:
        if g not in ("course", "lenet", "epoch"):
            sys.exit(f"bench_torch.py: --only: unknown group '{g}' (expected course, lenet or epoch)")
    threads = args.threads or os.cpu_count() or 1
    counts = sorted({1, threads})
    torch.manual_seed(0)
    torch.set_grad_enabled(False)
    rows = []

    def add(group, name, t, seconds, runs):
        rows.append({"group": group, "case": name, "threads": t, "median_s": seconds, "runs": runs})
        unit = f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1e3:.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.1f} us"
        print(f"{group:8}{name:62}{t:3}{unit:>11}", flush=True)

    print(f"{'group':8}{'case':62}{'thr':>3}{'median':>11}   (PyTorch {torch.__version__})")
    if "course" in groups:
        A = torch.rand(TRAIN_IMAGES, 1, 28, 28)
        W = torch.rand(2, 1, 3, 3) - 0.5
        b = torch.rand(2) * 0.2 - 0.1
        P = torch.rand(TRAIN_IMAGES, 2, 28, 28)
        runs = min(args.runs, 5)
        for t in counts:
            torch.set_num_threads(t)
            add("course", "conv (50000,28,28,1)*(3,3,1,2) valid relu forward", t,
                median_time(lambda: F.relu(F.conv2d(A, W, b)), runs), runs)
        for t in counts:
            torch.set_num_threads(t)
            add("course", "pool max 2x2/2 (50000,28,28,2) forward", t, median_time(lambda: F.max_pool2d(P, 2), runs), runs)
    if "lenet" in groups:
        A = torch.rand(32, 6, 14, 14, requires_grad=True)
        W = (torch.rand(16, 6, 5, 5) - 0.5).requires_grad_()
        b = (torch.rand(16) * 0.2 - 0.1).requires_grad_()
        dZ = torch.rand(32, 16, 10, 10) * 2 - 1
        for t in counts:
            torch.set_num_threads(t)
            add("lenet", "C3 conv (32,14,14,6)*(5,5,6,16) valid relu forward", t,
                median_time(lambda: F.relu(F.conv2d(A, W, b)), args.runs), args.runs)
        with torch.enable_grad():
            Z = F.conv2d(A, W, b)
            for t in counts:
                torch.set_num_threads(t)
                add("lenet", "C3 conv (32,14,14,6)*(5,5,6,16) valid relu backward", t,
                    median_time(lambda: torch.autograd.grad(Z, (A, W, b), dZ, retain_graph=True), args.runs), args.runs)
    if "epoch" in groups:
        X = torch.rand(TRAIN_IMAGES, 1, 28, 28)
        y = torch.randint(0, 10, (TRAIN_IMAGES,))
        with torch.enable_grad():
            for t in counts:
                torch.set_num_threads(t)
                add("epoch", "LeNet-5, PyTorch, batch 32", t, median_time(lambda: epoch(X, y, 32), args.epoch_runs, 0.0),
                    args.epoch_runs)

    if args.json:  # written whole to a temporary file, then renamed: never half a file
        folder = os.path.dirname(os.path.abspath(args.json))
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".tmp") as f:
            json.dump({"torch_version": torch.__version__, "cases": rows}, f, indent=2)
            f.write("\n")
        os.replace(f.name, args.json)


if __name__ == "__main__":
    main()
