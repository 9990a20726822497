# What device-check.sh and device-study.sh share (sourced, not run): a time
# budget that the script never overruns, steps that run or say why they were
# skipped, every command under its own timeout, one log, and the results
# packed into ONE tar under $OUT after every step, so that a call cut short
# still brings back what it had (the device tool returns at most 8 files).
#
# --dry-run prints each command with its timeout instead of running it and
# adds up the worst case (every command running to its timeout), so that the
# scripts' syntax, steps and packing are checked where there is no GPU
# (scripts/gpu-bundle/test-device-scripts.sh, run by make test).

# device_start NAME DEFAULT_BUDGET ARGS...: reads --dry-run, sets dry, res
# (the results folder), budget (BUDGET seconds or DEFAULT_BUDGET) and starts
# the log (res/log.txt and stdout).
device_start() {
	name=$1 budget=${BUDGET:-$2}
	shift 2
	dry=0
	local a
	for a in "$@"; do
		case $a in
		--dry-run) dry=1 ;;
		-h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
		*) echo "$name: unknown argument '$a' (the only one is --dry-run; settings are environment variables, see --help)" >&2; exit 2 ;;
		esac
	done
	case $budget in '' | *[!0-9]*) echo "$name: BUDGET must be a number of seconds, got '$budget'" >&2; exit 2 ;; esac
	# 0 would skip every step; beyond 18 digits bash's arithmetic wraps.
	if [ "${#budget}" -gt 18 ] || [ "$((10#$budget))" -lt 1 ]; then
		echo "$name: BUDGET must be at least 1 second and at most 18 digits, got '$budget'" >&2
		exit 2
	fi
	budget=$((10#$budget))
	case ${GRACE:-5} in *[!0-9]*) echo "$name: GRACE must be a number of seconds, got '$GRACE'" >&2; exit 2 ;; esac
	# A regex bash cannot read would skip every step of a call unseen.
	[[ "" =~ ${ONLY:-.} ]]
	[ $? = 2 ] && { echo "$name: ONLY must be a regex of step titles (bash =~), got '$ONLY'" >&2; exit 2; }
	if [ -z "${OUT:-}" ]; then
		if [ "$dry" = 0 ]; then
			echo "$name: OUT must name the folder whose files come back (the device tool sets it)" >&2
			exit 2
		fi
		OUT=$(mktemp -d -t "$name-out.XXXXXX")
	fi
	mkdir -p "$OUT" || exit 2
	work=$(mktemp -d -t "$name.XXXXXX")
	res=$work/$name
	mkdir -p "$res"
	start=$SECONDS worst=0 commands=0
	exec 4>&1
	exec > >(tee -a "$res/log.txt") 2>&1
	tee_pid=$!
	trap 'echo "$name: stopped by a signal"; device_finish; exit 143' TERM INT
	echo "$name: $(date -u '+%F %T') UTC, budget $budget s$([ "$dry" = 1 ] && echo ', DRY RUN: commands are printed, not run'), results in $res, packed into $OUT/$name.tar.gz"
}

left() { echo $((budget - (SECONDS - start))); }

# step NEED TITLE: true when the block that follows should run: its title
# matches ONLY (a regex, default all) and at least NEED seconds are left.
# Packs what the earlier steps left first.
step() {
	pack
	echo
	echo "== $2 [$((SECONDS - start)) s in, $(left) s left]"
	if ! [[ "$2" =~ ${ONLY:-.} ]]; then echo "skipped: not in ONLY=$ONLY"; return 1; fi
	if [ "$dry" = 0 ] && [ "$(left)" -lt "$1" ]; then note "$2: skipped, needs $1 s, $(left) s left"; return 1; fi
}

# x SECS CMD...: CMD with at most SECS seconds (fewer when the budget ends
# first; TERM, then KILL GRACE seconds later, default 5); printed, not run, in
# a dry run.
x() {
	local s=$1 g=${GRACE:-5}
	shift
	commands=$((commands + 1)) worst=$((worst + s + g))
	if [ "$dry" = 1 ]; then
		local line
		line="+ timeout -k $g $s$(printf ' %q' "$@")"
		echo "$line" >&4
		echo "$line" >>"$res/log.txt"
		return 0
	fi
	local l=$(($(left) - 5))
	[ "$l" -lt "$s" ] && s=$l
	[ "$s" -lt 1 ] && s=1
	timeout -k "$g" "$s" "$@"
}

# real CMD...: runs CMD, or in a dry run says it would.
real() {
	if [ "$dry" = 1 ]; then echo "(dry run: not run: $*)"; return 0; fi
	"$@"
}

# note LINE: a line of the summary printed at the end (and kept in summary.txt).
note() {
	echo "$*"
	echo "$*" >>"$res/summary.txt"
}

# pack: the results folder, weights left out, as $OUT/NAME.tar.gz (written
# beside and renamed, so a cut leaves the last whole one).
pack() {
	tar -C "$work" --exclude='*.safetensors' -czf "$OUT/.$name.tar.gz" "$name" 2>/dev/null &&
		mv -f "$OUT/.$name.tar.gz" "$OUT/$name.tar.gz"
}

# device_finish: prints the summary, ends the log and packs it.
device_finish() {
	trap - TERM INT
	echo
	echo "==== $name summary ($((SECONDS - start)) s of $budget)"
	cat "$res/summary.txt" 2>/dev/null
	if [ "$dry" = 1 ]; then
		echo "dry run: $commands commands, their timeouts add up to $worst s (a real run cuts them to the $budget s budget)"
	fi
	exec >&4 2>&1
	wait "$tee_pid" 2>/dev/null
	pack
	echo "$name: $(du -h "$OUT/$name.tar.gz" | cut -f1) in $OUT/$name.tar.gz ($(tar -tzf "$OUT/$name.tar.gz" | wc -l) entries)"
}
