#!/usr/bin/env bash
# Runs mnistgpu's GPU checks on a machine with an NVIDIA GPU and no Go
# (made by `make gpu-bundle`), most important first, within BUDGET seconds
# (default 1500): the parity suite, benchmarks beside PyTorch on the same
# card (eager and whole-step CUDA graph) and beside the baseline binary when
# the bundle has one (baseline/mnistgpu), bit-identical reruns and resumes,
# the CPU backend on this host's cores beside PyTorch's, the CLI's CUDA tests,
# a kernel profile of the replayed Adam step, compute-sanitizer and the
# report's CNN at its full length.
# A step that would not fit the time left is skipped and says so. Everything
# goes to results/ (run.log and one file per step). ONLY=REGEX runs only the
# steps whose titles match it; REPO is the repository checkout, whose
# testdata the CLI's tests read.
set -uo pipefail
cd "$(dirname "$0")"
out=${RESULTS:-results}
budget=${BUDGET:-1500}
start=$SECONDS
mkdir -p "$out"
exec > >(tee "$out/run.log") 2>&1

left() { echo $((budget - (SECONDS - start))); }
# step NEED TITLE: runs the block that follows only when NEED seconds are left.
step() {
	echo; echo "== $2 [$(($SECONDS - start)) s in, $(left) s left]"
	if ! [[ "$2" =~ ${ONLY:-.} ]]; then echo "skipped: not in ONLY=$ONLY"; return 1; fi
	if [ "$(left)" -lt "$1" ]; then echo "skipped: needs $1 s"; return 1; fi
}
# t SECS CMD...: CMD with at most SECS seconds (fewer when the budget ends first).
t() {
	local s=$1; shift
	local l=$(($(left) - 5)); [ "$l" -lt "$s" ] && s=$l; [ "$s" -lt 1 ] && s=1
	timeout -k 5 "$s" "$@"
}
# datasha FILE: SHA-256 of a safetensors file's tensor data (header left out).
datasha() {
	python3 - "$@" <<'PY'
import hashlib, struct, sys
for p in sys.argv[1:]:
    try:
        b = open(p, "rb").read()
        n = struct.unpack("<Q", b[:8])[0]
        print(hashlib.sha256(b[8 + n:]).hexdigest()[:16], p)
    except OSError as e:
        print("missing", p, e)
PY
}
data=(--data-dir mnist --offline)
# TRAIN_LIMIT=N trains on N images only (a smoke test of this script).
[ -n "${TRAIN_LIMIT:-}" ] && data+=(--train-limit "$TRAIN_LIMIT")
# DEVICE=cpu runs the training steps on the CPU (a smoke test of this script).
dev=${DEVICE:-cuda}

if step 1 "machine"; then
	date -u
	nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap,clocks.max.sm --format=csv || echo "nvidia-smi failed"
	nproc; cat COMMIT 2>/dev/null; [ -x baseline/mnistgpu ] && echo "baseline: $(cat baseline/COMMIT 2>/dev/null)"
fi

if step 30 "parity, conformance, graph replay, convolution algorithms (gpu.test)"; then
	t 150 ./gpu.test -test.v -test.count=1 > "$out/gpu-tests.txt" 2>&1
	echo "gpu.test exit $?: $(grep -c -- '--- PASS' "$out/gpu-tests.txt") passed, $(grep -c -- '--- FAIL' "$out/gpu-tests.txt") failed, $(grep -c -- '--- SKIP' "$out/gpu-tests.txt") skipped"
	grep -E -- '--- FAIL|^panic|SKIP' "$out/gpu-tests.txt" | head -20
	grep -E 'counters_test.go|conv_test.go|^\s+n64 |TF32 (true|false)' "$out/gpu-tests.txt" | head -60
fi

if step 10 "check --device cuda (every kernel against the float64 reference)"; then
	t 60 ./mnistgpu check --device cuda > "$out/check.txt" 2>&1
	echo "exit $?"; tail -2 "$out/check.txt"
fi

# bench NAME BIN ARGS...: one `mnistgpu bench` as JSON in $out/bench-NAME.json.
bench() {
	local name=$1 bin=$2; shift 2
	t 60 "$bin" bench --format json "$@" > "$out/bench-$name.json" 2> "$out/bench-$name.err"
	echo "bench $name exit $?: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(f"{k}={d.get(k)}" for k in ("ms_per_step_median","kernels_per_step","graph_launches_per_step","host_syncs_per_step","tf32")))' "$out/bench-$name.json" 2>&1 | tail -1)"
}
if step 40 "bench, report's CNN and the MLP on cuda (this build, then the baseline on the same card)"; then
	bench cnn-cuda ./mnistgpu --device cuda --model cnn
	bench cnn-cuda-tf32 ./mnistgpu --device cuda --model cnn --tf32
	bench mlp-cuda ./mnistgpu --device cuda --model mlp
	bench mlp-cuda-tf32 ./mnistgpu --device cuda --model mlp --tf32
	if [ -x baseline/mnistgpu ]; then
		bench cnn-cuda-baseline baseline/mnistgpu --device cuda --model cnn
		bench cnn-cuda-tf32-baseline baseline/mnistgpu --device cuda --model cnn --tf32
		bench mlp-cuda-baseline baseline/mnistgpu --device cuda --model mlp
	fi
	bench cnn-cuda-b256 ./mnistgpu --device cuda --model cnn --batch-size 256
	bench cnn-cuda-again ./mnistgpu --device cuda --model cnn
fi

if step 60 "PyTorch on the same card: eager and whole-step CUDA graph"; then
	# TORCH_RUNS="cnn graph,mlp graph --tf32" picks others.
	runs=("cnn eager" "cnn graph" "cnn graph --tf32" "cnn eager --tf32" "mlp eager" "mlp graph")
	[ -n "${TORCH_RUNS:-}" ] && IFS=, read -ra runs <<< "$TORCH_RUNS"
	for v in "${runs[@]}"; do
		set -- $v; name=$(echo "$v" | tr -d '-' | tr ' ' '-')
		t 90 python3 torch_cnn.py --data mnist --model "$1" --mode "$2" ${3:-} > "$out/torch-$name.json" 2> "$out/torch-$name.err"
		echo "torch $name exit $?: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.3f ms/step, epoch %.2f s, test %.4f" % (d["ms_per_step"], d["epoch_seconds"], d["test_accuracy_after_1_epoch"]))' "$out/torch-$name.json" 2>&1 | tail -1)"
		tail -2 "$out/torch-$name.err"
	done
fi

if step 40 "cuda runs repeat bit for bit: CNN 3 epochs twice, and SIGKILLed + resumed; TF32 2 epochs twice"; then
	r=(--device "$dev" --model cnn --epochs 3 --seed 3 "${data[@]}" --quiet)
	t 60 ./mnistgpu train "${r[@]}" --out "$out/det-a" > "$out/det-a.txt" 2>&1; echo "a exit $?"
	t 60 ./mnistgpu train "${r[@]}" --out "$out/det-b" > "$out/det-b.txt" 2>&1; echo "b exit $?"
	# SIGKILL as soon as the first epoch's state is on disk.
	./mnistgpu train "${r[@]}" --out "$out/det-k" > "$out/det-k.txt" 2>&1 & pid=$!
	for i in $(seq 600); do [ -e "$out/det-k/state.safetensors" ] && break; sleep 0.05; done
	kill -KILL "$pid"; wait "$pid"; echo "killed run exit $? (137: SIGKILL; 0: it finished first)"
	ls "$out/det-k"
	t 60 ./mnistgpu train --resume "$out/det-k" --quiet >> "$out/det-k.txt" 2>&1; echo "resume exit $?"
	r=(--device "$dev" --model cnn --epochs 2 --seed 4 --tf32 "${data[@]}" --quiet)
	t 60 ./mnistgpu train "${r[@]}" --out "$out/det-t1" > "$out/det-t1.txt" 2>&1; echo "tf32 1 exit $?"
	t 60 ./mnistgpu train "${r[@]}" --out "$out/det-t2" > "$out/det-t2.txt" 2>&1; echo "tf32 2 exit $?"
	datasha "$out"/det-{a,b,k,t1,t2}/final.safetensors
	grep -E 'Trained|final weights|Epoch 3' "$out/det-a.txt" | head -4
fi

if step 60 "CPU backend on this host's cores beside PyTorch's (whole process, 300 CNN steps)"; then
	t 90 ./mnistgpu bench --device cpu --model cnn --threads 2,4,16 --runs 3 > "$out/cpu-bench-cnn.txt" 2>&1; echo "exit $?"; cat "$out/cpu-bench-cnn.txt"
	t 40 ./mnistgpu bench --device cpu --model mlp --threads 1,2,4,16 --runs 3 > "$out/cpu-bench-mlp.txt" 2>&1; echo "exit $?"; cat "$out/cpu-bench-mlp.txt"
	for th in 2 4 16; do
		for r in 1 2; do
			t0=$(date +%s.%N)
			GOMAXPROCS=$th t 60 ./mnistgpu bench --device cpu --model cnn --steps 300 --runs 1 --warmup 0 --threads "$th" > /dev/null 2>&1
			t1=$(date +%s.%N)
			OMP_NUM_THREADS=$th t 60 python3 torch_cnn_cpu.py --model cnn --data mnist --steps 300 --threads "$th" > "$out/torch-cpu-$th-$r.txt" 2>&1
			t2=$(date +%s.%N)
			echo "threads $th round $r: mnistgpu $(awk "BEGIN {print $t1 - $t0}") s, pytorch $(awk "BEGIN {print $t2 - $t1}") s ($(tail -1 "$out/torch-cpu-$th-$r.txt"))"
		done
	done
fi

# sanitize TOOL...: compute-sanitizer's tools on the conformance suite and a
# graph replay, where it is installed.
sanitize() {
	if ! command -v compute-sanitizer >/dev/null; then
		echo "no compute-sanitizer on PATH"
		return
	fi
	for tool in "$@"; do
		t 60 compute-sanitizer --tool "$tool" ./gpu.test -test.run 'TestConformance|TestGraphReplayIsEager' \
			> "$out/sanitizer-$tool.txt" 2>&1
		echo "$tool exit $?: $(grep -m1 'ERROR SUMMARY' "$out/sanitizer-$tool.txt")"
	done
}
if step 40 "compute-sanitizer memcheck on the conformance suite and a graph replay"; then
	sanitize memcheck
fi

# BenchmarkStep/graph is the report's step (CNN, batch 64, Adam(0.01), graph
# replay); two runs 32 steps apart give the kernels of those steps alone
# (ncu_steps.py; device-check.sh profiles the same way).
if step 40 "kernel times of the replayed Adam step (ncu, BenchmarkStep/graph)"; then
	if command -v ncu >/dev/null; then
		for n in 17 49; do
			t 90 ncu --clock-control none --cache-control none --metrics gpu__time_duration.sum --csv \
				./gpu.test -test.run '^$' -test.bench '^BenchmarkStep$/^graph$' -test.benchtime "${n}x" \
				> "$out/ncu-step-$n.csv" 2> "$out/ncu-step-$n.err"
			echo "ncu ${n}x exit $?"
		done
		python3 ncu_steps.py "$out/ncu-step-17.csv" "$out/ncu-step-49.csv" 32 \
			"BenchmarkStep/graph: the report's CNN, batch 64, parity, Adam(0.01), graph replay; commit $(cat COMMIT 2>/dev/null)" | head -24
	else
		echo "no ncu on PATH"
	fi
fi

if step 30 "the CLI's CUDA tests (cmd.test)"; then
	# From the repository's cmd/mnistgpu (REPO), where its test data lies.
	bundle=$PWD
	(cd "${REPO:-.}/cmd/mnistgpu" && t 120 "$bundle/cmd.test" -test.v -test.count=1 -test.run 'CUDA|Cuda|Runner|DeviceAuto|Dispatch') \
		> "$out/cmd-tests.txt" 2>&1
	echo "cmd.test exit $?"; grep -E -- '^(--- |ok|FAIL|PASS)' "$out/cmd-tests.txt" | head -20
fi

if step 60 "the report's CNN at its full length on cuda (Adam 0.01, batch 64, 100 epochs)"; then
	t 240 ./mnistgpu train --device "$dev" --model cnn --lr 0.01 --epochs "${REPORT_EPOCHS:-100}" "${data[@]}" --quiet \
		--out "$out/report-100" > "$out/report-100.txt" 2>&1
	echo "exit $?"; grep -E 'Trained|final weights|best|test' "$out/report-100.txt" | tail -6
fi

if step 40 "compute-sanitizer synccheck and racecheck, the same tests"; then
	sanitize synccheck racecheck
fi

step 0 "done"
