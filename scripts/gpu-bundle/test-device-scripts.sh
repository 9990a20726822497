#!/usr/bin/env bash
# test-device-scripts.sh MNISTGPU: checks the device scripts without a GPU, in
# a few seconds (make check-gpu-scripts, part of make test): their syntax, a
# dry run of each (every step reached, every command printed with the flags
# the card run needs, one tar under OUT and nothing else written), the study's
# own --dry-run of exactly the report's grid through MNISTGPU (the CPU build:
# 96 cells), bad settings refused with exit 2, and ncu_steps.py's per-step
# arithmetic on two small ncu CSVs.
set -uo pipefail
bin=$(cd "$(dirname "${1:?usage: test-device-scripts.sh path/to/mnistgpu}")" && pwd)/$(basename "$1")
dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$dir/../.." && pwd)
tmp=$(mktemp -d -t device-scripts.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
# has FILE PATTERN...: each fixed string is in FILE.
has() {
	local f=$1 p
	shift
	for p in "$@"; do grep -qF -- "$p" "$f" || fail "$(basename "$f") lacks: $p"; done
}
# one_tar OUT NAME: OUT holds NAME.tar.gz and nothing else; prints its log.
one_tar() {
	local got
	got=$(ls -A "$1")
	[ "$got" = "$2.tar.gz" ] || fail "$1 holds '$got', not only $2.tar.gz"
	tar -xzOf "$1/$2.tar.gz" "$2/log.txt" >"$tmp/$2.log" || fail "$2.tar.gz has no $2/log.txt"
	tar -tzf "$1/$2.tar.gz" "$2/summary.txt" >/dev/null || fail "$2.tar.gz has no $2/summary.txt"
}

for f in device-lib.sh device-check.sh device-study.sh run.sh test-device-scripts.sh; do
	bash -n "$dir/$f" || fail "bash -n $f"
done
# The card has python3; a machine without it checks the shell alone.
py=1
command -v python3 >/dev/null || { py=0; echo "test-device-scripts: no python3 here: the Python parts are not checked"; }
[ "$py" = 0 ] || python3 -c 'import ast, sys; [ast.parse(open(f).read(), f) for f in sys.argv[1:]]' \
	"$dir/ncu_steps.py" "$dir/torch_cnn.py" || fail "python syntax"

# device-check.sh --dry-run
OUT=$tmp/check bash "$dir/device-check.sh" --dry-run >"$tmp/check.out" 2>&1 || fail "device-check.sh --dry-run exit $?"
one_tar "$tmp/check" device-check
has "$tmp/device-check.log" "== machine" "gpu.test -test.v" "check --device cuda" \
	"bench --device cuda --format json --model cnn" "--model cnn --tf32" "--model mlp" "--batch-size 256" \
	"torch_cnn.py --data mnist --mode graph --model cnn" "--mode graph --model mlp" "--model cnn --batch 256" \
	"MNISTGPU_OWN_TF32_GEMM=0" "MNISTGPU_OWN_TF32_GEMM=1" "MNISTGPU_CONV=own" "MNISTGPU_CONV=cudnn" "repeat\\ bit\\ for\\ bit" \
	"--tool memcheck" "--tool racecheck" "--tool synccheck" "TestImplicitConv\\|PoolArgmax\\|ConvPool\\|BiasLoss\\|TestTF32" \
	"-test.bench \\^BenchmarkStep\\$/\\^graph\\$ -test.benchtime 17x" "-test.benchtime 49x" \
	"profiled: BenchmarkStep/graph: the report's CNN, batch 64, parity, Adam(0.01), graph replay" \
	"cmd.test -test.v"
[ "$py" = 0 ] || has "$tmp/device-check.log" "side by side" "rerun (a, b): MISSING"
# A narrower sanitizer set is one variable away.
OUT=$tmp/narrow NEW_TESTS=TestOnlyThis ONLY=racecheck bash "$dir/device-check.sh" --dry-run >"$tmp/narrow.out" 2>&1
has "$tmp/narrow.out" "-test.run TestOnlyThis"
grep -q 'gpu.test -test.v -test.count=1$' "$tmp/narrow.out" && fail "ONLY=racecheck ran gpu.test"

# device-study.sh --dry-run: the study's own plan through the CPU build.
OUT=$tmp/study STUDY_DIR=$tmp/never MNISTGPU=$bin DATA_ARGS="--data-dir $repo/testdata/mnist-small --no-verify" \
	bash "$dir/device-study.sh" --dry-run >"$tmp/study.out" 2>&1 || fail "device-study.sh --dry-run exit $?"
one_tar "$tmp/study" device-study
has "$tmp/device-study.log" "plan exit 0: study report: 96 cells; 96 to run, 16 cells at once" \
	"study run default --epochs 100 --seeds 3 --data-dir $repo/testdata/mnist-small --no-verify --device cpu --jobs 16 --out $tmp/never" \
	"study report $tmp/never"
worst=$(sed -n 's/^dry run: [0-9]* commands, their timeouts add up to \([0-9]*\) s.*/\1/p' "$tmp/study.out")
[ -n "$worst" ] && [ "$worst" -le 560 ] || fail "device-study.sh: its commands' timeouts add up to '$worst' s, over its 560 s budget"
[ -e "$tmp/never" ] && fail "a dry run of device-study.sh wrote $tmp/never"
[ -e "$tmp/never.wall.txt" ] && fail "a dry run of device-study.sh wrote $tmp/never.wall.txt"

# Bad settings: exit 2, before anything runs.
for bad in "BUDGET=soon" "BUDGET=0" "BUDGET=9999999999999999999" "GRACE=abc" "ONLY=(" "X=1 --fast"; do
	read -r env arg <<<"$bad"
	env "$env" OUT="$tmp/bad" bash "$dir/device-check.sh" --dry-run ${arg:+"$arg"} >"$tmp/bad.out" 2>&1
	rc=$?
	[ "$rc" = 2 ] || fail "device-check.sh with $bad: exit $rc, want 2"
done
for bad in "ONLY=(" "JOBS=abc" "JOBS=-1"; do
	env "$bad" OUT="$tmp/bad" bash "$dir/device-study.sh" --dry-run >"$tmp/bad.out" 2>&1
	rc=$?
	[ "$rc" = 2 ] || fail "device-study.sh with $bad: exit $rc, want 2"
done
(unset OUT; bash "$dir/device-study.sh" >"$tmp/noout.out" 2>&1)
[ $? = 2 ] || fail "device-study.sh without OUT (not a dry run): want exit 2"
has "$tmp/noout.out" "OUT must name the folder"

# ncu_steps.py: 2 steps more in the long run than in the short one.
if [ "$py" = 1 ]; then
	row() { echo "\"$1\",\"1\",\"gpu.test\",\"h\",\"$2\",\"1\",\"7\",\"(256, 1, 1)\",\"(8, 1, 1)\",\"0\",\"9.0\",\"Command line profiler metrics\",\"gpu__time_duration.sum\",\"$3\",\"$4\""; }
	header='"ID","Process ID","Process Name","Host Name","Kernel Name","Context","Stream","Block Size","Grid Size","Device","CC","Section Name","Metric Name","Metric Unit","Metric Value"'
	{
		echo "==PROF== Connected to process"; echo "$header"
		row 1 init_kernel nsecond 9,000; row 2 "adam_step(float*)" nsecond 2,000; row 3 conv_fwd usecond 5
	} >"$tmp/short.csv"
	{
		echo "$header"; row 1 init_kernel nsecond 9,000
		for i in 1 2 3; do row 2 "adam_step(float*)" nsecond 2,000; row 3 conv_fwd usecond 5; done
	} >"$tmp/long.csv"
	python3 "$dir/ncu_steps.py" "$tmp/short.csv" "$tmp/long.csv" 2 "two steps" >"$tmp/ncu.out" 2>&1 || fail "ncu_steps.py exit $?"
	has "$tmp/ncu.out" "profiled: two steps" "2.0 kernels and 7.0 us of GPU time per step" "optimizer kernels per step: adam_step" \
		"5.0 us/step   1.00x  conv_fwd"
	grep -q init_kernel "$tmp/ncu.out" && fail "ncu_steps.py counted the set-up kernel"
	python3 "$dir/ncu_steps.py" "$tmp/none.csv" "$tmp/long.csv" 2 x >"$tmp/ncu-missing.out" 2>&1 || fail "ncu_steps.py on a missing file: exit $?"
	has "$tmp/ncu-missing.out" "no profile:"
fi

if [ "$failed" = 1 ]; then
	echo "test-device-scripts: FAILED (outputs in $tmp kept)"
	trap - EXIT
	exit 1
fi
echo "test-device-scripts: ok (syntax, dry runs of device-check.sh and device-study.sh, the study's plan of 96 cells, bad settings, ncu_steps.py)"
