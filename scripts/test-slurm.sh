#!/bin/bash
# make test-slurm: the Slurm job script and submit.sh of docs/study.md, exactly
# as written there (between their marker comments), on a one-node Slurm
# cluster started on this machine (scripts/slurm-local.sh; root, Debian's
# slurm-wlm and munge). A 0-based job array of 3 shards runs a small study,
# submitted with its dependent merge-and-report job. While it runs, task 1
# gets the TERM that --signal=B:TERM@120 sends to the batch shell before the
# time limit (its cell stops with its state saved, the task requeues itself
# and the cell resumes), and task 2 is requeued mid-cell by `scontrol
# requeue` (it continues). Then a cell of task 0's shard is removed and task
# 0 alone resubmitted: it trains that cell again in the same shard; a
# contradicting --shards is refused. Every merged cell must hold the same
# weights, byte for byte, as the same study run in one process. A subset of
# tasks submitted before the count is recorded, without --shards, is refused.
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
full_pid= run=
cleanup() {
	[ -z "$full_pid" ] || kill "$full_pid" 2>/dev/null || true
	"$repo/scripts/slurm-local.sh" stop 2>/dev/null || true
	if [ -n "${KEEP:-}" ]; then echo "test-slurm: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
	echo "test-slurm: FAILED: $*" >&2
	tail -n 20 "$run"/slurm-*.out >&2 2>/dev/null || true
	exit 1
}

# The job script and the submission, from the doc.
snippet() {
	awk -v name="$1" '$0 == "<!-- " name " -->" {on = 1; next} $0 == "<!-- /" name " -->" {on = 0} on' docs/study.md | sed '/^```/d'
}
snippet study.sbatch >"$work/study.sbatch"
snippet submit.sh >"$work/submit.sh"
for f in study.sbatch submit.sh; do
	head -1 "$work/$f" | grep -qx '#!/bin/bash' || fail "no $f between <!-- $f --> markers in docs/study.md"
done

env=$(scripts/slurm-local.sh start) || fail "the local Slurm cluster did not start"
. "$env"
echo "test-slurm: cluster up: $(sinfo -h -o '%P %D node(s) %c CPUs %T')"

# The submit folder holds bin/mnistgpu, as the doc says.
run=$work/run
mkdir -p "$run/bin"
cp "$BIN" "$run/bin/mnistgpu"
cp "$work/study.sbatch" "$work/submit.sh" "$run/"
cat >"$run/small.json" <<'EOF'
{"name": "slurm-test",
 "axes": [{"name": "model", "values": ["cnn", "mlp"]},
          {"name": "optimizer", "values": ["sgd", "adam"]},
          {"name": "activation", "values": ["relu", "sigmoid"]}],
 "seeds": [1],
 "fixed": {"lr": "0.01", "batch-size": "50", "train-limit": "1000"}}
EOF
args=(small.json --epochs 3 --data-dir "$repo/testdata/mnist-small" --no-verify)
cd "$run"

# mid_cell DIR: a cell of the study in DIR that has trained an epoch and not
# finished, once there is one.
mid_cell() {
	local m
	for _ in $(seq 1800); do
		for m in "$1"/cells/*/metrics.jsonl; do
			if [ -f "$m" ] && grep -q '"event":"epoch"' "$m" && [ ! -f "$(dirname "$m")/result.json" ]; then
				dirname "$m"
				return
			fi
		done
		sleep 0.1
	done
	fail "no cell of $1 was ever in training"
}
# requeued TASK: waits until TASK is pending again after a requeue (it
# starts once the credentials of its first run have expired: 5 s on the
# local cluster, 2 minutes by default).
requeued() {
	for _ in $(seq 600); do
		[ "$(squeue -h -j "$1" -o %T 2>/dev/null)" = PENDING ] && return
		sleep 0.1
	done
	fail "task $1 was not requeued"
}
# ended JOB: its state once it has ended.
ended() {
	local s
	for _ in $(seq 3000); do
		s=$(scontrol show job "$1" -o 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
		case $s in PENDING | RUNNING | CONFIGURING | COMPLETING | REQUEUED | REQUEUE_HOLD | "") ;; *)
			echo "$s"
			return
			;;
		esac
		sleep 0.1
	done
	echo "still running after 5 minutes"
}
# submit ARGS...: bash submit.sh ARGS; sets array and report, the job IDs.
submit() {
	local out
	out=$(bash submit.sh "$@") || fail "submit.sh $*"
	echo "test-slurm: $out"
	array=$(sed -n 's/^job array \([0-9]*\);.*/\1/p' <<<"$out")
	report=$(sed -n 's/.* in job \([0-9]*\) .*/\1/p' <<<"$out")
	[ -n "$array" ] && [ -n "$report" ] || fail "submit.sh said: $out"
}

# This node has fewer CPUs than the file asks for: the command line overrides it.
start=$(date +%s)
submit --array=0-2 --cpus-per-task=1 study.sbatch --shards 3 "${args[@]}"
first=$array
# The same study in one process, unsharded, meanwhile.
bin/mnistgpu study run "${args[@]}" --out full 2>full.log &
full_pid=$!

# Task 1 runs shard 1: the TERM of --signal=B:TERM@120 reaches its shell.
cell=$(mid_cell shards/1)
scancel --batch --signal=TERM "${first}_1"
requeued "${first}_1"
# Task 2 runs shard 2: requeued while a cell trains.
cell=$(mid_cell shards/2)
scontrol requeue "${first}_2"
requeued "${first}_2"

state=$(ended "$report")
[ "$state" = COMPLETED ] || { cat slurm-"$report"-report.out >&2 || true; fail "merge and report job $report: $state"; }
echo "test-slurm: job array of 3 shards (two requeued) and its merge and report done in $(($(date +%s) - start))s"
for k in 1 2; do
	log=slurm-${first}_$k.out
	grep -q "run 1: shard $k/3\$" "$log" && grep -q "run 2: shard $k/3\$" "$log" ||
		fail "$log does not hold both runs of task $k (--open-mode=append)"
	grep -Eq '^([0-9T:.Z-]+ )?shard '"$k"'/3: ' "$log" || fail "$log does not end its shard"
	grep -l '"event":"resumed"' shards/"$k"/cells/*/metrics.jsonl >/dev/null ||
		fail "no cell of shard $k resumed after the requeue"
done
grep -q "requeueing ${first}_1" "slurm-${first}_1.out" || fail "task 1 did not requeue itself after its TERM"
grep -q "^## The report's conclusions" runs/report/report/report.md || fail "no report"

# Task 0 alone, after a cell of its shard (3) is lost: the same shard again.
lost=$(ls shards/3/cells | head -1)
rm -rf "shards/3/cells/$lost" runs/report
submit --array=0 --cpus-per-task=1 study.sbatch "${args[@]}"
state=$(ended "$report")
[ "$state" = COMPLETED ] || fail "the resubmission's merge and report job: $state"
grep -Eq '^([0-9T:.Z-]+ )?shard 3/3: [0-9]+ cells, 1 run now' "slurm-${array}_0.out" ||
	fail "task 0 resubmitted did not train the lost cell of shard 3"
[ -f "runs/report/cells/$lost/final.safetensors" ] || fail "the lost cell $lost is not in the merged study"
# A shard count that contradicts the one recorded is refused.
if sbatch --wait --array=0 --cpus-per-task=1 study.sbatch --shards 4 "${args[@]}" >refused.txt 2>&1; then
	fail "--shards 4 with a study of 3 shards was not refused"
fi
refused=$(sed -n 's/^Submitted batch job \([0-9]*\)/\1/p' refused.txt)
grep -q "holds a study of 3 shards" "slurm-${refused}_0.out" || fail "the refusal does not say why"

# A subset of tasks before any task recorded the count, without --shards:
# its array (1,2) is not the study's count, which it does not know.
mkdir -p subset
cp -r bin study.sbatch small.json subset/
if (cd subset && sbatch --wait --array=1,2 --cpus-per-task=1 study.sbatch "${args[@]}" >refused.txt 2>&1); then
	fail "a subset (--array=1,2) without --shards and without shards/.count was not refused"
fi
refused=$(sed -n 's/^Submitted batch job \([0-9]*\)/\1/p' subset/refused.txt)
for t in 1 2; do
	grep -q "no shard count: pass --shards N first" "subset/slurm-${refused}_$t.out" ||
		fail "the refusal of a subset without a count does not say why (task $t)"
done
[ -z "$(ls -A subset/shards)" ] || fail "a refused subset trained shards: $(ls -A subset/shards)"

wait "$full_pid" || { cat full.log >&2; fail "the unsharded study failed"; }
full_pid=

# A safetensors file less its header: 8 bytes of header length, the header.
data_section() {
	local n
	n=$(od -An -t u8 -N8 "$1" | tr -d ' ')
	tail -c +$((n + 9)) "$1"
}
cells=0
for d in full/cells/*/; do
	c=$(basename "$d")
	[ -f "runs/report/cells/$c/final.safetensors" ] || fail "cell $c is not in the merged study"
	cmp -s <(data_section "$d/final.safetensors") <(data_section "runs/report/cells/$c/final.safetensors") ||
		fail "cell $c: the merged shards' weights differ from the unsharded run's"
	cells=$((cells + 1))
done
[ "$cells" = 8 ] || fail "$cells cells in the unsharded run, want 8"
[ "$(ls runs/report/cells | wc -l)" = 8 ] || fail "$(ls runs/report/cells | wc -l) cells merged, want 8"
[ "$(wc -l <runs/report/results.csv)" = 9 ] || fail "runs/report/results.csv does not hold 8 cells"
echo "test-slurm: PASSED (docs/study.md's job script and submit.sh on slurm-wlm $(sinfo -V | cut -d' ' -f2): a 0-based 3-task array, one task stopped by TERM and requeued by itself, one requeued by scontrol, both resumed mid-cell; one task resubmitted alone; a subset without a count refused; 8 merged cells byte-identical to the unsharded run; report written; $(($(date +%s) - start))s)"
