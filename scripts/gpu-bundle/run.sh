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
