#!/bin/bash
# make test-slurm: the Slurm job script of docs/study.md, exactly as written
# there (between its marker comments), on a one-node Slurm cluster started on
# this machine (scripts/slurm-local.sh; root, Debian's slurm-wlm and munge).
# A job array of 3 shards runs a small study; the shards are merged and
# reported, and every merged cell must hold the same weights, byte for byte,
# as the same study run in one process.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
BIN=${BIN:-bin/mnistgpu}
work=$(mktemp -d -t mnistgpu-slurm-test.XXXXXX)
export SLURM_LOCAL_DIR=$work/cluster
# Two free ports, so that test runs side by side (and a Slurm already here)
# do not collide.
free() { ! (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 50); do
	p=$((20000 + RANDOM % 20000))
	if free "$p" && free $((p + 1)); then
		export SLURM_LOCAL_PORT=$p
		break
	fi
done
cleanup() {
	"$repo/scripts/slurm-local.sh" stop 2>/dev/null || true
	if [ -n "${KEEP:-}" ]; then echo "test-slurm: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
	echo "test-slurm: FAILED: $*" >&2
	exit 1
}

# The job script, from the doc.
awk '/^<!-- study.sbatch -->$/ {on = 1; next} /^<!-- \/study.sbatch -->$/ {on = 0} on' docs/study.md |
	sed '/^```/d' >"$work/study.sbatch"
head -1 "$work/study.sbatch" | grep -qx '#!/bin/bash' || fail "no job script between <!-- study.sbatch --> markers in docs/study.md"

env=$(scripts/slurm-local.sh start) || fail "the local Slurm cluster did not start"
. "$env"
echo "test-slurm: cluster up: $(sinfo -h -o '%P %D node(s) %c CPUs %T')"

# The submit folder holds bin/mnistgpu, as the doc says.
run=$work/run
mkdir -p "$run/bin"
cp "$BIN" "$run/bin/mnistgpu"
cp "$work/study.sbatch" "$run/"
cat >"$run/small.json" <<'EOF'
{"name": "slurm-test",
 "axes": [{"name": "model", "values": ["cnn", "mlp"]},
          {"name": "optimizer", "values": ["sgd", "adam"]},
          {"name": "activation", "values": ["relu", "sigmoid"]}],
 "seeds": [1],
 "fixed": {"lr": "0.01", "batch-size": "50", "train-limit": "500"}}
EOF
data=(--data-dir "$repo/testdata/mnist-small" --no-verify)
cd "$run"
# This node has fewer CPUs than the file asks for: the command line overrides it.
start=$(date +%s)
if ! sbatch --wait --array=1-3 --cpus-per-task=1 study.sbatch small.json --epochs 2 "${data[@]}"; then
	tail -n 30 slurm-*.out >&2 || true
	fail "a task of the job array failed"
fi
echo "test-slurm: job array of 3 shards done in $(($(date +%s) - start))s"
[ "$(ls slurm-*.out | wc -l)" = 3 ] || fail "$(ls slurm-*.out | wc -l) task outputs, want 3"
for f in slurm-*.out; do
	grep -Eq '^([0-9T:.Z-]+ )?shard [123]/3: ' "$f" || { cat "$f" >&2; fail "$f does not end its shard"; }
done

bin/mnistgpu study merge --out merged shards/1 shards/2 shards/3
bin/mnistgpu study report merged >/dev/null
grep -q "^## The report's conclusions" merged/report/report.md || fail "no report"

# The same study in one process, unsharded.
bin/mnistgpu study run small.json --epochs 2 --out full "${data[@]}" 2>/dev/null

# A safetensors file less its header: 8 bytes of header length, the header.
data_section() {
	local n
	n=$(od -An -t u8 -N8 "$1" | tr -d ' ')
	tail -c +$((n + 9)) "$1"
}
cells=0
for d in full/cells/*/; do
	c=$(basename "$d")
	[ -f "merged/cells/$c/final.safetensors" ] || fail "cell $c is not in the merged study"
	cmp -s <(data_section "$d/final.safetensors") <(data_section "merged/cells/$c/final.safetensors") ||
		fail "cell $c: the merged shards' weights differ from the unsharded run's"
	cells=$((cells + 1))
done
[ "$cells" = 8 ] || fail "$cells cells in the unsharded run, want 8"
[ "$(ls merged/cells | wc -l)" = 8 ] || fail "$(ls merged/cells | wc -l) cells merged, want 8"
echo "test-slurm: PASSED (docs/study.md's job script as a 3-task array on slurm-wlm $(sinfo -V | cut -d' ' -f2); 8 merged cells byte-identical to the unsharded run; report written)"
