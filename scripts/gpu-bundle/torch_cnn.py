"""PyTorch on the same card, for mnistgpu's side-by-side numbers.

Trains the report's CNN (or the 784-128-10 MLP) with Adam(lr=0.001), batch
64 (--batch), on the first 48,000 MNIST training images held on the GPU; prints JSON:
median ms per step over timed runs (after warm-up), one full epoch's seconds,
and the test accuracy after that epoch. fp32 with TF32 off, like mnistgpu's
parity mode, unless --tf32.

--mode eager launches every step from Python; --mode graph captures the whole
step (batch gather from a device-side position, forward, loss, backward, a
fused capturable Adam, the position's advance) in one CUDA graph and replays it,
the fastest form PyTorch offers for this network.
"""
import argparse, gzip, json, os, statistics, sys, time

import torch
import torch.nn as nn


def idx(path):
    """An IDX file as a uint8 tensor of its shape."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data), dtype=torch.uint8, offset=4 + 4 * dims).reshape(shape)


def model(name):
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def trainer(name, dev, x, y, mode, B):
    """The model, its optimizer and a step(i) that trains batch i (of B) of perm order."""
    torch.manual_seed(1)
    net = model(name).to(dev)
    n = x.shape[0]
    loss_fn = nn.CrossEntropyLoss()
    if mode == "eager":
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
        perm = torch.randperm(n, device=dev)

        def step(i):
            j = (i * B) % (n - n % B)
            b = perm[j : j + B]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[b]), y[b])
            loss.backward()
            opt.step()
            return loss
        return net, step
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7,
                           capturable=True, fused=True)
    perm = torch.randperm(n, device=dev)
    pos = torch.zeros((), dtype=torch.long, device=dev)
    offsets = torch.arange(B, device=dev)

    def body():
        b = perm[(pos + offsets) % (n - n % B)]
        loss = loss_fn(net(x[b]), y[b])
        loss.backward()
        opt.step()
        pos.add_(B)
        return loss
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            opt.zero_grad(set_to_none=True)
            body()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    opt.zero_grad(set_to_none=True)
    with torch.cuda.graph(graph):
        body()
    pos.zero_()

    def replay(i):
        graph.replay()
    return net, replay


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="cnn")
    ap.add_argument("--data", default="mnist")
    ap.add_argument("--mode", default="eager", choices=["eager", "graph"])
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    dev = torch.device("cuda")
    load = lambda name, dtype: idx(os.path.join(a.data, name)).to(device=dev, dtype=dtype)
    x = load("train-images-idx3-ubyte.gz", torch.float32)[:48000]
    y = load("train-labels-idx1-ubyte.gz", torch.long)[:48000]
    tx = load("t10k-images-idx3-ubyte.gz", torch.float32)
    ty = load("t10k-labels-idx1-ubyte.gz", torch.long)
    x, tx = (x / 255).unsqueeze(1), (tx / 255).unsqueeze(1)
    B = a.batch

    _, step = trainer(a.model, dev, x, y, a.mode, B)
    for i in range(20):
        step(i)
    torch.cuda.synchronize()
    runs = []
    for r in range(a.runs):
        t0 = time.perf_counter()
        for i in range(a.steps):
            step(i)
        torch.cuda.synchronize()
        runs.append((time.perf_counter() - t0) * 1000 / a.steps)
    net, step = trainer(a.model, dev, x, y, a.mode, B)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for i in range(48000 // B):
        step(i)
    torch.cuda.synchronize()
    epoch = time.perf_counter() - t0
    with torch.no_grad():
        acc = (net(tx).argmax(1) == ty).float().mean().item()
    json.dump({"framework": f"pytorch {torch.__version__} {a.mode}", "tf32": a.tf32,
               "device": torch.cuda.get_device_name(0),
               "model": a.model, "batch_size": B, "ms_per_step": statistics.median(runs), "ms_per_step_runs": runs,
               "epoch_seconds": epoch, "test_accuracy_after_1_epoch": acc}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
