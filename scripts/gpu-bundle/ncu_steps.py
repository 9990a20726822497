"""Kernels of N training steps alone, from two ncu runs that differ by N steps.

    python3 ncu_steps.py SHORT.csv LONG.csv N LABEL

SHORT.csv and LONG.csv are `ncu --csv --metrics gpu__time_duration.sum` of
the same benchmark run for k and k+N steps: everything else they did (set-up,
warm-up, graph capture) is the same, so LONG minus SHORT, kernel by kernel, is
what N steps launched. Prints LABEL, the kernels and GPU time per step, which
optimizer kernel ran (the label must match it), and the kernels by time. A
count that is not a whole number per step says the two runs differed in more
than N steps. Missing or empty files are reported, not raised.
"""
import collections
import csv
import sys

UNITS = {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1.0, "us": 1.0, "msecond": 1e3, "ms": 1e3, "second": 1e6, "s": 1e6}


def kernels(path):
    """{kernel name: [launches, total µs]} of one ncu CSV."""
    by = collections.defaultdict(lambda: [0, 0.0])
    with open(path) as f:
        for r in csv.DictReader(line for line in f if line.startswith('"')):
            if r.get("Metric Name") != "gpu__time_duration.sum":
                continue
            v = float(r["Metric Value"].replace(",", ""))
            k = by[r["Kernel Name"]]
            k[0] += 1
            k[1] += v * UNITS.get(r.get("Metric Unit", "ns"), 1e-3)
    return by


def main():
    short, long_, n, label = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    print(f"profiled: {label}")
    try:
        a, b = kernels(short), kernels(long_)
    except (OSError, ValueError, KeyError) as e:
        print(f"no profile: {e}")
        return
    if not b:
        print(f"no profile: no kernel rows in {long_}")
        return
    diff = {}
    for name in set(a) | set(b):
        c = b[name][0] - a[name][0]
        t = b[name][1] - a[name][1]
        if c:
            diff[name] = (c / n, t / n)
    count = sum(c for c, _ in diff.values())
    total = sum(t for _, t in diff.values())
    print(f"{count:.1f} kernels and {total:.1f} us of GPU time per step ({n} steps: {long_} minus {short}; ncu serialises kernels)")
    opt = sorted({name.split("(")[0] for name in diff if any(w in name.lower() for w in ("adam", "sgd", "rmsprop", "adagrad"))})
    print(f"optimizer kernels per step: {', '.join(opt) or 'none found'}")
    odd = [name for name, (c, _) in diff.items() if abs(c - round(c)) > 1e-9]
    if odd:
        print(f"warning: {len(odd)} kernels ran a fractional number of times per step (the runs differ by more than {n} steps): {', '.join(x[:40] for x in odd[:5])}")
    for name, (c, t) in sorted(diff.items(), key=lambda kv: -kv[1][1]):
        print(f"  {t:8.1f} us/step  {c:5.2f}x  {name[:90]}")


if __name__ == "__main__":
    main()
