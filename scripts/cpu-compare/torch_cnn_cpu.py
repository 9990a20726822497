"""PyTorch on the CPU, the other side of mnistgpu's CPU comparison.

Trains the report's CNN (or the 784-128-10 MLP) with Adam(lr=0.001, eps=1e-7),
batch 64, for --steps steps on MNIST's first training images, with --threads
threads, as `mnistgpu bench --steps N --runs 1 --warmup 0` does on synthetic
digits. The whole process is what is timed (scripts/cpu-compare/run.sh).
"""
import argparse, os, sys, time

import torch
import torch.nn as nn

# The IDX reader and the two models are the GPU bundle's, so both sides of
# every comparison train the same network.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gpu-bundle"))
from torch_cnn import idx, model  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="cnn")
    ap.add_argument("--data", required=True)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    B = 64
    n = min(60000, B * a.steps)
    x = (idx(os.path.join(a.data, "train-images-idx3-ubyte.gz"))[:n].float() / 255).unsqueeze(1)
    y = idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz"))[:n].long()
    torch.manual_seed(1)
    net = model(a.model)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for i in range(a.steps):
        j = (i * B) % (n - B + 1)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x[j : j + B]), y[j : j + B])
        loss.backward()
        opt.step()
    print(f"torch {torch.__version__} {a.model} {a.threads} threads: {a.steps} steps in {time.perf_counter() - start:.2f} s "
          f"({1000 * (time.perf_counter() - start) / a.steps:.2f} ms/step), loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
