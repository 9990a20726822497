#!/usr/bin/env bash
# Runs mnistgpu's GPU checks on a machine with an NVIDIA GPU and no Go
# (made by `make gpu-bundle`): the parity suite, one training epoch of each
# model, benchmarks, and PyTorch on the same card side by side. Everything
# goes to results/ (run.log, summary.md and one file per step).
set -uo pipefail
cd "$(dirname "$0")"
out=${RESULTS:-results}
# TRAIN_LIMIT=N trains on N images only (a smoke test of this script).
limit=()
[ -n "${TRAIN_LIMIT:-}" ] && limit=(--train-limit "$TRAIN_LIMIT")
mkdir -p "$out"
exec > >(tee "$out/run.log") 2>&1

step() { echo; echo "== $*"; }
# No step may hang the run: each gets at most 15 minutes.
t() { timeout 900 "$@"; }

step "machine"
date -u
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv || echo "nvidia-smi failed"
ls -d /usr/local/cuda*/lib64 2>/dev/null
python3 -c 'import nvidia; print("python nvidia packages:", list(nvidia.__path__))' 2>/dev/null || echo "no python nvidia packages"

# cuDNN 9 and cuBLAS often live only in Python CUDA wheels: put their lib
# folders on LD_LIBRARY_PATH (mnistgpu also searches them itself).
wheel_libs=$(python3 - 2>/dev/null <<'PY'
import glob, os
import nvidia
print(":".join(sorted(d for p in nvidia.__path__ for d in glob.glob(os.path.join(p, "*", "lib")))))
PY
)
[ -n "$wheel_libs" ] && export LD_LIBRARY_PATH=$wheel_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

step "parity and conformance (gpu.test)"
t ./gpu.test -test.v -test.count=1 > "$out/gpu-tests.txt" 2>&1
echo "gpu.test exit $?: $(grep -c -- '--- PASS' "$out/gpu-tests.txt") passed, $(grep -c -- '--- FAIL' "$out/gpu-tests.txt") failed"
grep -E -- '--- FAIL|panic' "$out/gpu-tests.txt" | head -20

step "device work per step, graph replay (from gpu.test)"
grep -E 'counters_test.go|--- (PASS|FAIL): Test(StepCounts|GraphReplayIsEager|CaptureRefusesHostSync)' "$out/gpu-tests.txt"

step "convolution algorithms of the CNN, timed per layer and pass on this card (parity, then TF32)"
t ./gpu.test -test.run 'TestConvAlgorithmsOfTheCNN' -test.v -test.count=1 > "$out/conv-algorithms.txt" 2>&1
echo "exit $?"; grep -E '^\s+n64 |TF32 (true|false)|--- (PASS|FAIL)' "$out/conv-algorithms.txt"

step "CNN step launched eagerly vs replayed as a CUDA graph (gpu.test benchmark)"
t ./gpu.test -test.run '^$' -test.bench 'Step' -test.benchtime 500x > "$out/bench-step-graph.txt" 2>&1
echo "exit $?"; grep -E '^Benchmark' "$out/bench-step-graph.txt"

step "kernel times of the eager CNN step (ncu), where installed"
if command -v ncu >/dev/null; then
	# 22 steps: the warm-up step, then the benchmark's runs of 1 and 20.
	t ncu --clock-control none --cache-control none --metrics gpu__time_duration.sum --csv \
		./gpu.test -test.run '^$' -test.bench 'Step/eager' -test.benchtime 20x > "$out/ncu-step.csv" 2> "$out/ncu-step.err"
	echo "exit $?"
	python3 - "$out/ncu-step.csv" <<'PY'
import csv, sys, collections
rows = [r for r in csv.DictReader(l for l in open(sys.argv[1]) if l.startswith('"'))]
by = collections.defaultdict(lambda: [0, 0.0])
for r in rows:
    if r.get("Metric Name") != "gpu__time_duration.sum":
        continue
    v = float(r["Metric Value"].replace(",", ""))
    scale = {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1.0, "us": 1.0, "msecond": 1e3, "ms": 1e3}.get(r.get("Metric Unit", "ns"), 1e-3)
    k = by[r["Kernel Name"][:70]]
    k[0] += 1
    k[1] += v * scale
steps = 22
print(f"{sum(c for c, _ in by.values()) / steps:.1f} kernels and {sum(t for _, t in by.values()) / steps:.1f} us of GPU time per step (all kernels of the run / {steps}, including setup)")
for name, (c, t) in sorted(by.items(), key=lambda kv: -kv[1][1])[:25]:
    print(f"  {t / steps:8.1f} us/step  {c / steps:5.1f}x  {name}")
PY
else
	echo "no ncu on PATH"
fi

step "compute-sanitizer on the conformance suite and a graph replay, where installed"
if command -v compute-sanitizer >/dev/null; then
	for tool in memcheck racecheck synccheck; do
		t compute-sanitizer --tool "$tool" ./gpu.test -test.run 'TestConformance|TestGraphReplayIsEager' \
			> "$out/sanitizer-$tool.txt" 2>&1
		echo "$tool exit $?: $(grep -m1 'ERROR SUMMARY' "$out/sanitizer-$tool.txt")"
	done
else
	echo "no compute-sanitizer on PATH"
fi

step "check --device cuda (parity table, max errors)"
t ./mnistgpu check --device cuda > "$out/check.txt" 2>&1
echo "exit $?"; head -3 "$out/check.txt"; tail -3 "$out/check.txt"

for m in cnn mlp mlp2; do
	step "train $m, 1 epoch, --device cuda"
	t ./mnistgpu train --device cuda --model "$m" --epochs 1 --data-dir mnist --offline --quiet \
		"${limit[@]}" --out "$out/train-$m" > "$out/train-$m.txt" 2>&1
	echo "exit $?"; grep -E 'Epoch|step -|Trained|final weights' "$out/train-$m.txt"
done

step "train cnn, the report's settings (Adam 0.01), 3 epochs, --device cuda"
t ./mnistgpu train --device cuda --model cnn --lr 0.01 --epochs 3 --data-dir mnist --offline --quiet \
	"${limit[@]}" --out "$out/train-report" > "$out/train-report.txt" 2>&1
echo "exit $?"; grep -E 'step -|Trained|final weights|best checkpoint' "$out/train-report.txt"

for m in cnn mlp; do
	for d in cuda cpu; do
		step "bench $m --device $d"
		t ./mnistgpu bench --device "$d" --model "$m" --format json > "$out/bench-$m-$d.json" 2>&1
		echo "exit $?"; cat "$out/bench-$m-$d.json"
	done
done

step "PyTorch, same models, same card"
for m in cnn mlp; do
	t python3 torch_cnn.py --model "$m" --data mnist > "$out/torch-$m.json" 2> "$out/torch-$m.err"
	echo "exit $?"; cat "$out/torch-$m.json"; tail -3 "$out/torch-$m.err"
done

step "summary"
python3 - "$out" <<'PY' | tee "$out/summary.md"
import json, sys, os, re
out = sys.argv[1]
def load(name):
    try:
        return json.load(open(os.path.join(out, name)))
    except Exception as e:
        return None
print("| model | mnistgpu cuda ms/step | mnistgpu cpu ms/step | PyTorch eager ms/step | PyTorch epoch s | cuda/PyTorch |")
print("|---|---|---|---|---|---|")
for m in ("cnn", "mlp"):
    g, c, t = load(f"bench-{m}-cuda.json"), load(f"bench-{m}-cpu.json"), load(f"torch-{m}.json")
    gm = g and g.get("ms_per_step_median"); cm = c and c.get("ms_per_step_median"); tm = t and t.get("ms_per_step")
    ratio = f"{gm / tm:.2f}" if gm and tm else "-"
    f = lambda v: f"{v:.3f}" if isinstance(v, (int, float)) else "-"
    print(f"| {m} | {f(gm)} | {f(cm)} | {f(tm)} | {f(t and t.get('epoch_seconds'))} | {ratio} |")
for m in ("cnn", "mlp", "mlp2", "report"):
    try:
        text = open(os.path.join(out, f"train-{m}.txt")).read()
        acc = re.findall(r"final weights:.*test accuracy ([0-9.]+)", text)
        took = re.findall(r"Trained .*", text)
        print(f"- train {m}: test accuracy {acc[-1] if acc else '?'}; {took[-1] if took else 'no result'}")
    except OSError:
        pass
PY
