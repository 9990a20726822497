#!/usr/bin/env bash
# device-check.sh: the first call on a GPU machine, in the unpacked bundle
# (make gpu-pack; scripts/device-run.md says how to call it). Within BUDGET
# seconds (default 330), each step under its own timeout, going on past a
# failed one, most important first:
#   the parity and conformance suite (gpu.test) and check --device cuda;
#   bench beside PyTorch's whole-step CUDA graph, same run: CNN, CNN --tf32,
#     MLP, CNN at batch 256 (and our TF32 GEMM on and off where the binary
#     reads MNISTGPU_OWN_TF32_GEMM; our convolution kernels against cuDNN's,
#     MNISTGPU_CONV=own|cudnn, for cnn and cnn --tf32);
#   rerun, SIGKILL + resume and a TF32 rerun bit-identical (run.sh's step);
#   compute-sanitizer memcheck on the new kernels' tests, the conformance
#     suite and a graph replay;
#   an ncu profile of the replayed Adam step (BenchmarkStep/graph);
#   racecheck on the new kernels' tests;
#   the CLI's CUDA tests (cmd.test, from REPO), synccheck.
# Everything is packed into $OUT/device-check.tar.gz; the summary ends stdout.
#
# Environment: BUDGET (seconds), ONLY (regex of step titles to run),
# NEW_TESTS (regex of the new kernels' tests, default below), MEMCHECK_RUN and
# RACECHECK_RUN (the -test.run sets of each sanitizer), REPO (the checkout
# whose testdata cmd.test reads; default: two folders up from the bundle).
# --dry-run prints every command instead of running it (no GPU needed).
set -uo pipefail
bundle=$(cd "$(dirname "$0")" && pwd)
. "$bundle/device-lib.sh"
device_start device-check 330 "$@"
cd "$bundle" || exit 2

# The tests of this round's kernels, by the names their authors gave them.
NEW_TESTS=${NEW_TESTS:-'TestImplicitConv|PoolArgmax|ConvPool|BiasLoss|TestTF32'}
MEMCHECK_RUN=${MEMCHECK_RUN:-"$NEW_TESTS|TestConformance|TestOwnPath|TestGraphReplayIsEager"}
RACECHECK_RUN=${RACECHECK_RUN:-$NEW_TESTS}
REPO=${REPO:-$(cd "$bundle/../.." && pwd)}

# have TOOL: TOOL is on PATH (always, in a dry run); says so when not.
have() {
	[ "$dry" = 1 ] && return 0
	command -v "$1" >/dev/null && return 0
	note "no $1 on PATH: not run"
	return 1
}

# gotest OUTFILE: a go test binary's verdict in one line.
gotest() {
	if grep -q 'no tests to run' "$1" 2>/dev/null; then echo "no test matched"; return; fi
	echo "$(grep -c -- '--- PASS' "$1" 2>/dev/null) passed, $(grep -c -- '--- FAIL' "$1" 2>/dev/null) failed, $(grep -c -- '--- SKIP' "$1" 2>/dev/null) skipped$(grep -q '^panic' "$1" 2>/dev/null && echo ', PANIC')"
}

if step 1 "machine"; then
	real nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap,clocks.max.sm --format=csv
	echo "cores: $(nproc); bundle commit: $(cat COMMIT 2>/dev/null)"
	real ncu --version | tail -1
	real compute-sanitizer --version | tail -1
	real python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda)'
	note "machine: $(real nvidia-smi --query-gpu=name,driver_version --format=csv,noheader), commit $(cat COMMIT 2>/dev/null)"
fi

if step 20 "parity, conformance, graph replay, the new kernels (gpu.test, all of it)"; then
	x 120 ./gpu.test -test.v -test.count=1 >"$res/gpu-tests.txt" 2>&1
	note "gpu.test exit $?: $(gotest "$res/gpu-tests.txt")"
	grep -E -- '--- FAIL|^panic' "$res/gpu-tests.txt" | head -20
	grep -E 'counters_test.go' "$res/gpu-tests.txt" | head -6
fi

if step 10 "check --device cuda (every kernel against the float64 reference)"; then
	x 60 ./mnistgpu check --device cuda >"$res/check.txt" 2>&1
	note "check exit $?: $(tail -1 "$res/check.txt" 2>/dev/null)"
fi

# bench NAME ARGS...: mnistgpu bench as JSON in bench-NAME.json (env first
# when ARGS starts with VAR=value).
bench() {
	local name=$1
	shift
	local envs=()
	while [[ "${1:-}" == *=* ]]; do envs+=("$1"); shift; done
	x 60 env ${envs[@]+"${envs[@]}"} ./mnistgpu bench --device cuda --format json "$@" >"$res/bench-$name.json" 2>"$res/bench-$name.err"
	echo "bench $name exit $?"
}
# torch NAME ARGS...: torch_cnn.py's whole-step CUDA graph in torch-NAME.json.
torch() {
	local name=$1
	shift
	x 90 python3 torch_cnn.py --data mnist --mode graph "$@" >"$res/torch-$name.json" 2>"$res/torch-$name.err"
	echo "torch $name exit $?"
	tail -2 "$res/torch-$name.err"
}
if step 60 "bench beside PyTorch's whole-step CUDA graph, same run: cnn, cnn --tf32, mlp, cnn batch 256"; then
	bench cnn --model cnn
	torch cnn --model cnn
	bench cnn-tf32 --model cnn --tf32
	torch cnn-tf32 --model cnn --tf32
	bench mlp --model mlp
	torch mlp --model mlp
	bench cnn-b256 --model cnn --batch-size 256
	torch cnn-b256 --model cnn --batch 256
	bench cnn-again --model cnn
	python3 - "$res" <<'PY' | tee -a "$res/summary.txt"
import json, os, sys
res = sys.argv[1]
def get(path, key):
    try:
        return json.load(open(os.path.join(res, path))).get(key)
    except (OSError, ValueError):
        return None
print("side by side (ms/step, median; this run, this card):")
for name in ("cnn", "cnn-tf32", "mlp", "cnn-b256", "cnn-again"):
    ours = get(f"bench-{name}.json", "ms_per_step_median")
    torch = get(f"torch-{name}.json", "ms_per_step")
    counts = " ".join(f"{k}={get(f'bench-{name}.json', k)}" for k in ("kernels_per_step", "graph_launches_per_step", "host_syncs_per_step"))
    ratio = f"ratio {ours / torch:.2f}" if ours and torch else "no ratio"
    print(f"  {name:10s} mnistgpu {ours if ours is None else round(ours, 4)}  pytorch graph {torch if torch is None else round(torch, 4)}  {ratio}  ({counts})")
PY
fi

# ab VAR VALUES WHAT RUN...: where the binary reads the environment variable
# VAR, bench each RUN ("prefix|args") with VAR set to each of VALUES (into
# bench-<prefix><value>.json), then one summary row a run: ms/step and
# kernels per value. WHAT names the comparison when the binary lacks VAR.
ab() {
	local var=$1 values=$2 what=$3 r v
	shift 3
	if [ "$dry" != 1 ] && ! grep -aq "$var" mnistgpu; then
		note "$what: this binary does not read $var; not measured"
		return
	fi
	for v in $values; do
		for r in "$@"; do
			# shellcheck disable=SC2086 # the run's arguments are words
			bench "${r%%|*}$v" "$var=$v" ${r#*|}
		done
	done
	python3 - "$res" "$var" "$values" "$@" <<'PY' | tee -a "$res/summary.txt"
import json, os, sys
res, var, values, runs = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4:]
for run in runs:
    prefix, args = run.split("|", 1)
    row = []
    for v in values:
        try:
            d = json.load(open(os.path.join(res, f"bench-{prefix}{v}.json")))
            row.append(f"{v} {d.get('ms_per_step_median'):.4f} ms ({d.get('kernels_per_step')} kernels)")
        except (OSError, ValueError, TypeError):
            row.append(f"{v} missing")
    print(f"  {args}, {var}: " + ", ".join(row))
PY
}

if step 20 "our TF32 GEMM on vs off (MNISTGPU_OWN_TF32_GEMM), cnn and mlp --tf32"; then
	ab MNISTGPU_OWN_TF32_GEMM "0 1" "own TF32 GEMM" "cnn-tf32-own|--model cnn --tf32" "mlp-tf32-own|--model mlp --tf32"
fi

if step 20 "our convolution kernels vs cuDNN (MNISTGPU_CONV=own|cudnn), cnn and cnn --tf32"; then
	ab MNISTGPU_CONV "own cudnn" "convolutions on cuDNN" "cnn-conv-|--model cnn" "cnn-tf32-conv-|--model cnn --tf32"
fi

if step 30 "rerun, SIGKILL + resume, TF32 rerun: bit-identical (run.sh's step)"; then
	x 90 env RESULTS="$res/repeat" ONLY='repeat bit for bit' BUDGET=85 bash run.sh >"$res/repeat.txt" 2>&1
	echo "run.sh exit $?"
	python3 - "$res/repeat" <<'PY' | tee -a "$res/summary.txt"
import hashlib, os, struct, sys
def data(run):
    """SHA-256 of final.safetensors' tensor data (its header left out)."""
    try:
        b = open(os.path.join(sys.argv[1], run, "final.safetensors"), "rb").read()
        return hashlib.sha256(b[8 + struct.unpack("<Q", b[:8])[0]:]).hexdigest()[:16]
    except (OSError, struct.error):
        return None
h = {r: data(r) for r in ("det-a", "det-b", "det-k", "det-t1", "det-t2")}
def same(*runs):
    v = [h[r] for r in runs]
    return "MISSING" if None in v else ("bit-identical" if len(set(v)) == 1 else "DIFFER")
print(f"rerun (a, b): {same('det-a', 'det-b')}; SIGKILL + resume (a, k): {same('det-a', 'det-k')}; TF32 rerun (t1, t2): {same('det-t1', 'det-t2')}  {h}")
PY
fi

# sanitize TOOL RUN SECS: compute-sanitizer TOOL on the gpu.test tests RUN selects.
sanitize() {
	have compute-sanitizer || return
	x "$3" compute-sanitizer --tool "$1" ./gpu.test -test.count=1 -test.v -test.run "$2" >"$res/sanitizer-$1.txt" 2>&1
	note "$1 exit $? on -test.run '$2': $(grep -m1 'ERROR SUMMARY' "$res/sanitizer-$1.txt" 2>/dev/null); tests: $(gotest "$res/sanitizer-$1.txt")"
}
if step 30 "compute-sanitizer memcheck: the new kernels, conformance, own path, a graph replay"; then
	sanitize memcheck "$MEMCHECK_RUN" 90
fi

# The profile: BenchmarkStep/graph is the report's step (the CNN, batch 64,
# Adam(0.01) through engine.Stepper, replayed from its captured graph). Two
# runs that differ by 32 replayed steps (2 passes of 16 batches: -benchtime
# 17x and 49x; each runs 1 step, then 16 to warm up and N) give the kernels
# of 32 steps alone, set-up and warm-up cancelled.
if step 40 "ncu: kernels of the replayed Adam step (BenchmarkStep/graph, CNN batch 64, Adam 0.01)"; then
	if have ncu; then
		for n in 17 49; do
			x 120 ncu --clock-control none --cache-control none --metrics gpu__time_duration.sum --csv \
				./gpu.test -test.run '^$' -test.bench '^BenchmarkStep$/^graph$' -test.benchtime "${n}x" \
				>"$res/ncu-step-$n.csv" 2>"$res/ncu-step-$n.err"
			echo "ncu ${n}x exit $?"
		done
		python3 ncu_steps.py "$res/ncu-step-17.csv" "$res/ncu-step-49.csv" 32 \
			"BenchmarkStep/graph: the report's CNN, batch 64, parity, Adam(0.01), graph replay; commit $(cat COMMIT 2>/dev/null)" |
			tee "$res/ncu-step.txt"
		note "ncu: $(grep -m1 'per step' "$res/ncu-step.txt" 2>/dev/null) $(grep -m1 'optimizer' "$res/ncu-step.txt" 2>/dev/null)"
	fi
fi

if step 30 "compute-sanitizer racecheck: the new kernels' tests"; then
	sanitize racecheck "$RACECHECK_RUN" 120
fi

if step 15 "the CLI's CUDA tests (cmd.test, from $REPO/cmd/mnistgpu)"; then
	if [ -d "$REPO/cmd/mnistgpu" ]; then
		cd "$REPO/cmd/mnistgpu" || exit 2
		x 60 "$bundle/cmd.test" -test.v -test.count=1 -test.run 'CUDA|Cuda|Runner|DeviceAuto|Dispatch' >"$res/cmd-tests.txt" 2>&1
		note "cmd.test exit $?: $(gotest "$res/cmd-tests.txt")"
		cd "$bundle" || exit 2
	else
		note "cmd.test: no $REPO/cmd/mnistgpu (set REPO to the checkout); not run"
	fi
fi

if step 20 "compute-sanitizer synccheck: the new kernels' tests"; then
	sanitize synccheck "$RACECHECK_RUN" 60
fi

device_finish
