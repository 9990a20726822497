#!/bin/bash
# A single-node Slurm cluster on this machine, for testing job scripts:
#
#   scripts/slurm-local.sh start    # prints the environment file to source
#   . "$(scripts/slurm-local.sh env)"; sbatch ...; squeue; sinfo
#   scripts/slurm-local.sh stop
#
# slurmctld and slurmd (Debian's slurm-wlm, installed with munge when
# missing; needs root), one node with this machine's CPUs, one partition;
# proctrack/linuxproc and task/none, so no cgroups are needed; munged with a
# fresh key. Everything — configuration, key, sockets, state, logs — lives in
# SLURM_LOCAL_DIR (default: a folder under ${TMPDIR:-/tmp}); nothing in /etc
# is touched. Ports: SLURM_LOCAL_PORT and the one after it (default 6817).
# Credentials expire after 5 s instead of 120, and with them the wait of a
# requeued job before it may start again (Slurm holds it that long after it
# ended), so that a test of requeues takes seconds.
set -euo pipefail

DIR=${SLURM_LOCAL_DIR:-${TMPDIR:-/tmp}/mnistgpu-slurm}
PORT=${SLURM_LOCAL_PORT:-6817}
ENVFILE=$DIR/env.sh
PATH=$PATH:/usr/sbin:/sbin

need_packages() {
	local missing=()
	command -v slurmctld >/dev/null || missing+=(slurmctld)
	command -v slurmd >/dev/null || missing+=(slurmd)
	command -v sbatch >/dev/null || missing+=(slurm-client)
	command -v munged >/dev/null || missing+=(munge)
	[ ${#missing[@]} -eq 0 ] && return
	if [ "$(id -u)" != 0 ]; then
		echo "slurm-local: ${missing[*]} missing; run as root (apt-get install slurm-wlm munge)" >&2
		exit 1
	fi
	echo "slurm-local: installing slurm-wlm and munge (Debian packages)" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null ||
		{ apt-get update >/dev/null && apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null; }
}

running() { [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

start() {
	if [ "$(id -u)" != 0 ]; then
		echo "slurm-local: slurmd starts jobs as their users and needs root" >&2
		exit 1
	fi
	need_packages
	if running slurmctld || running slurmd || running munged; then
		echo "slurm-local: already running in $DIR (scripts/slurm-local.sh stop first)" >&2
		exit 1
	fi
	local p
	for p in "$PORT" $((PORT + 1)); do
		if (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "slurm-local: port $p is in use (another Slurm?); set SLURM_LOCAL_PORT to another base port" >&2
			exit 1
		fi
	done
	rm -rf "$DIR"
	mkdir -p "$DIR"/{munge,ctld,spool,logs}
	chmod 0700 "$DIR/munge"
	# munged: its own key and socket; it insists on root-owned, private
	# folders and runs as root only when forced.
	dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
	chmod 0400 "$DIR/munge/munge.key"
	munged --force --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/socket" \
		--pid-file="$DIR/munged.pid" --log-file="$DIR/logs/munged.log" --seed-file="$DIR/munge/seed"

	local host cpus
	host=$(hostname -s)
	cpus=$(nproc)
	cat >"$DIR/slurm.conf" <<EOF
ClusterName=mnistgpu-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/socket,cred_expire=5
CredType=cred/munge
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/logs/slurmctld.log
SlurmdLogFile=$DIR/logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
	cat >"$ENVFILE" <<EOF
export SLURM_CONF=$DIR/slurm.conf
export PATH=\$PATH:/usr/sbin:/sbin
EOF
	export SLURM_CONF=$DIR/slurm.conf
	slurmctld -i
	slurmd -N "$host"
	# Wait for the node to come up idle.
	for _ in $(seq 60); do
		if sinfo -h -N -o '%T' 2>/dev/null | grep -qx idle; then
			echo "$ENVFILE"
			return
		fi
		sleep 1
	done
	echo "slurm-local: the node did not come up; logs in $DIR/logs:" >&2
	tail -n 20 "$DIR"/logs/*.log >&2 || true
	stop >/dev/null
	exit 1
}

stop() {
	local d
	for d in slurmd slurmctld munged; do
		if running "$d"; then
			kill "$(cat "$DIR/$d.pid")" 2>/dev/null || true
			for _ in $(seq 50); do
				running "$d" || break
				sleep 0.2
			done
		fi
	done
	echo "slurm-local: stopped ($DIR kept: logs in $DIR/logs)" >&2
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env) echo "$ENVFILE" ;;
*)
	echo "usage: $0 start|stop|env" >&2
	exit 2
	;;
esac
