#!/usr/bin/env bash
# device-study.sh: the report's full study on one GPU, in the unpacked bundle
# (make gpu-pack; scripts/device-run.md says how to call it): the default
# grid (cnn/mlp × sgd/adam × relu/sigmoid × lr 0.1…0.0001: 32 settings,
# batch 64, validation split 0.2, the best val_loss checkpointed), 100
# epochs, seeds 1–3: 96 cells, JOBS at once (default 16: one per core of the
# 16-core H200 host; the cells' steps are small, so they share the card).
# Ends within BUDGET seconds (default 560) even if every command runs to its
# timeout: the study gets what is left after the plan, less 60 s; at its limit
# it is sent TERM and stops at a step boundary with its running cells' states
# saved (KILL 20 s later).
#
# Its folder (STUDY_DIR, default REPO/bin/device-study) stays on the machine
# while it is warm: the next call continues it there. On a fresh machine it
# continues from the complete cells of the last call's tar when that tar is
# given as RESUME (default REPO/bin/carry/device-study.tar.gz; the carried
# folder): complete cells are skipped, the others train from the start.
# The wall time of each call's study is summed (STUDY_DIR.wall.txt, and
# wall.txt in the tar).
#
# Packed into $OUT/device-study.tar.gz: the log, report.md (study report),
# results.csv, and every complete cell without its weights (history, metrics,
# config, result: enough for the report and to continue elsewhere).
#
# Environment: BUDGET, JOBS, STUDY_DIR, RESUME, REPO, MNISTGPU (the binary,
# default the bundle's), DATA_ARGS (default: the bundle's MNIST, offline),
# DEVICE (default cuda; cpu smoke-tests the script's stop, continue and packing).
# --dry-run prints the commands, runs only the study's own --dry-run (on the
# CPU: the same cells and flags), and writes nothing but the tar.
set -uo pipefail
bundle=$(cd "$(dirname "$0")" && pwd)
. "$bundle/device-lib.sh"
JOBS=${JOBS:-16}
case $JOBS in '' | *[!0-9]*) echo "device-study: JOBS must be a number of cells at once, got '$JOBS'" >&2; exit 2 ;; esac
device_start device-study 560 "$@"
cd "$bundle" || exit 2

REPO=${REPO:-$(cd "$bundle/../.." && pwd)}
STUDY_DIR=${STUDY_DIR:-$REPO/bin/device-study}
RESUME=${RESUME:-$REPO/bin/carry/device-study.tar.gz}
MNISTGPU=${MNISTGPU:-./mnistgpu}
read -ra data <<<"${DATA_ARGS:---data-dir mnist --offline}"
# The report's study, exactly: the default grid at the report's 100 epochs, 3 seeds.
study=(study run default --epochs 100 --seeds 3 "${data[@]}")
cells=96
device=${DEVICE:-cuda}
# Each call's study seconds, one line per call, beside the study folder.
walls=$STUDY_DIR.wall.txt
[ "$dry" = 1 ] && device=cpu walls=$res/wall.txt

if step 1 "machine"; then
	real nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
	note "machine: $(nproc) cores, $(real nvidia-smi --query-gpu=name --format=csv,noheader), commit $(cat COMMIT 2>/dev/null); study in $STUDY_DIR, --jobs $JOBS"
fi

if step 1 "continue: this machine's study folder, else the last call's tar"; then
	if [ -f "$STUDY_DIR/study.json" ]; then
		note "continuing $STUDY_DIR: $(find "$STUDY_DIR/cells" -name result.json 2>/dev/null | wc -l) of $cells cells complete"
	elif [ -f "$RESUME" ]; then
		if [ "$dry" = 0 ]; then
			mkdir -p "$STUDY_DIR"
			tar -xzf "$RESUME" -C "$STUDY_DIR" --strip-components 2 device-study/study
			tar -xzf "$RESUME" -O device-study/wall.txt >"$walls" 2>/dev/null
		fi
		note "continuing from $RESUME: $(find "$STUDY_DIR/cells" -name result.json 2>/dev/null | wc -l) of $cells cells complete"
	else
		rm -f "$walls"
		note "a new study in $STUDY_DIR"
	fi
fi

# The study's own plan: every cell, its slot, memory and a time estimated
# from 5 timed steps of each model on the card (on the CPU in a dry run).
if step 20 "the plan (study run --dry-run)"; then
	timeout -k 5 60 "$MNISTGPU" "${study[@]}" --device "$device" --jobs "$JOBS" --out "$STUDY_DIR" --dry-run >"$res/plan.txt" 2>&1
	note "plan exit $?: $(grep -m1 'study report:' "$res/plan.txt") $(grep -m1 'estimated time' "$res/plan.txt")"
fi

if step 60 "the study: 32 settings × 3 seeds, 100 epochs, --jobs $JOBS on $device"; then
	# What is left, less 60 s: 20 for the running cells to save their states
	# after TERM, 35 for the report, 5 to pack (the worst case stays in BUDGET).
	limit=$(($(left) - 60))
	t0=$SECONDS
	# TERM at the limit, KILL 20 s later: time for every running cell to save its state.
	GRACE=20 x "$limit" "$MNISTGPU" "${study[@]}" --device "$device" --jobs "$JOBS" --out "$STUDY_DIR" >"$res/study.txt" 2>&1
	rc=$? wall=$((SECONDS - t0))
	echo "$wall" >>"$walls"
	[ "$walls" = "$res/wall.txt" ] || cp "$walls" "$res/wall.txt"
	total=$(awk '{s += $1} END {print s + 0}' "$walls")
	done_cells=$(find "$STUDY_DIR/cells" -name result.json 2>/dev/null | wc -l)
	case $dry$rc in
	1*) verdict="not trained (dry run)" ;;
	00) verdict="finished" ;;
	0124 | 0137) verdict="STOPPED at its limit ($limit s), running cells saved: call again to continue it" ;;
	*) verdict="exit $rc (see study.txt)" ;;
	esac
	note "study: $verdict; $done_cells of $cells cells complete; this call ${wall} s, all calls $total s ($(tr '\n' '+' <"$res/wall.txt" | sed 's/+$//') s)"
	tail -3 "$res/study.txt"
fi

if step 10 "study report"; then
	x 30 "$MNISTGPU" study report "$STUDY_DIR" >"$res/report.txt" 2>&1
	note "report exit $?"
	# The study, complete cells only (no weights), for the report and to continue elsewhere.
	mkdir -p "$res/study"
	cp "$STUDY_DIR/study.json" "$STUDY_DIR/results.csv" "$res/study/" 2>/dev/null
	cp "$STUDY_DIR/report/report.md" "$STUDY_DIR/results.csv" "$res/" 2>/dev/null
	[ -d "$STUDY_DIR/report" ] && cp -r "$STUDY_DIR/report" "$res/study/"
	for r in "$STUDY_DIR"/cells/*/result.json; do
		[ -f "$r" ] || continue
		c=$(dirname "$r")
		mkdir -p "$res/study/cells/${c##*/}"
		find "$c" -maxdepth 1 -type f ! -name '*.safetensors' ! -name .lock -exec cp {} "$res/study/cells/${c##*/}/" \;
	done
	note "packed: $(find "$res/study/cells" -name result.json 2>/dev/null | wc -l) complete cells, report.md, results.csv"
fi

device_finish
