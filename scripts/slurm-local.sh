#!/usr/bin/env bash
# Starts or stops a one-node SLURM cluster on this machine, for sweeps and their tests
# (docs/sweeps.md): munged, slurmctld and slurmd from Debian 12's slurm-wlm and munge, with
# proctrack/linuxproc and task/none (no cgroups) and no systemd. Everything lives in STATE_DIR
# (default /tmp/sisim-slurm): config, key, sockets, logs, pid files. Needs root (slurmd starts
# jobs as their users).
#
#   scripts/slurm-local.sh start [STATE_DIR]   # prints: export SLURM_CONF=STATE_DIR/slurm.conf
#   scripts/slurm-local.sh stop  [STATE_DIR]
#   scripts/slurm-local.sh status [STATE_DIR]
# Ports: SISIM_SLURM_PORT (default 16817) for slurmctld, +1 for slurmd.
# Exit status: 0 ok; 77 when the daemons cannot be started here (neither root nor password-less
# sudo, packages missing; 1 instead when CI=true, where they must start);
# 1 when they were started but the node did not come up (see the logs printed).
set -euo pipefail
cmd=${1:-}
D=${2:-/tmp/sisim-slurm}
port=${SISIM_SLURM_PORT:-16817}
conf=$D/slurm.conf
# 77 = "cannot run here" (CTest skips); under CI (CI=true) the daemons must start, so it fails.
cannot=77
[ "${CI:-}" = true ] && cannot=1

stop_pid() {  # stop_pid PIDFILE NAME: TERM, wait up to 10 s, then KILL (only that pid)
  local f=$1 name=$2 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    echo "slurm-local: stopped $name ($pid)"
  fi
  rm -f "$f"
}

# slurmd must run as root (it starts jobs as their users): without root, use sudo when it needs
# no password (CI runners), else the daemons cannot start here (77).
if [ "$(id -u)" -ne 0 ] && [ "$cmd" != status ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -n SISIM_SLURM_PORT="$port" "$0" "$@"
  fi
  [ "$cmd" = stop ] && exit 0
  echo "slurm-local: needs root or password-less sudo (slurmd runs jobs as their users)" >&2
  exit $cannot
fi

case "$cmd" in
start)
  for b in munged mungekey slurmctld slurmd sbatch sinfo scontrol; do
    if ! command -v "$b" >/dev/null && [ ! -x "/usr/sbin/$b" ]; then
      echo "slurm-local: $b not found (scripts/install-deps.sh installs slurm-wlm and munge)" >&2; exit $cannot
    fi
  done
  export PATH=$PATH:/usr/sbin
  mkdir -p "$D"/ctld "$D"/spool
  chmod 755 "$D"  # users reach the munge socket and read slurm.conf here; the key stays 0600
  node=$(hostname -s)
  cpus=$(nproc)
  mem=$(awk '/MemTotal/ {print int($2/1024*0.9)}' /proc/meminfo)
  # munge: our own key and socket, so a system munged (if any) is left alone.
  [ -f "$D/munge.key" ] || { mungekey --create --keyfile="$D/munge.key" 2>/dev/null || dd if=/dev/urandom of="$D/munge.key" bs=1024 count=1 status=none; }
  chmod 600 "$D/munge.key"
  if ! { [ -f "$D/munged.pid" ] && kill -0 "$(cat "$D/munged.pid")" 2>/dev/null; }; then
    munged --force --key-file="$D/munge.key" --socket="$D/munge.sock" --pid-file="$D/munged.pid" \
           --log-file="$D/munged.log" --seed-file="$D/munged.seed"
  fi
  cat > "$conf" <<CONF
# One-node SLURM written by scripts/slurm-local.sh
ClusterName=sisimlocal
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$D/munge.sock
CredType=cred/munge
StateSaveLocation=$D/ctld
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=600
KillWait=5
Waittime=0
MaxArraySize=100001
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
  export SLURM_CONF=$conf
  if ! { [ -f "$D/slurmctld.pid" ] && kill -0 "$(cat "$D/slurmctld.pid")" 2>/dev/null; }; then
    slurmctld -f "$conf" -i || { echo "slurm-local: slurmctld failed:" >&2; tail -n 20 "$D/slurmctld.log" >&2; exit 1; }
  fi
  if ! { [ -f "$D/slurmd.pid" ] && kill -0 "$(cat "$D/slurmd.pid")" 2>/dev/null; }; then
    slurmd -f "$conf" -N "$node" || { echo "slurm-local: slurmd failed:" >&2; tail -n 20 "$D/slurmd.log" >&2; exit 1; }
  fi
  for _ in $(seq 60); do
    state=$(sinfo -h -n "$node" -o %t 2>/dev/null || true)
    case "$state" in
      idle*|mix*|alloc*) echo "slurm-local: node $node up ($cpus CPUs)"; echo "export SLURM_CONF=$conf"; exit 0 ;;
      down*|drain*|unk*) scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 0.5
  done
  echo "slurm-local: the node did not come up (state '${state:-none}'); logs:" >&2
  tail -n 20 "$D"/munged.log "$D"/slurmctld.log "$D"/slurmd.log >&2 2>/dev/null || true
  exit 1
  ;;
stop)
  export SLURM_CONF=$conf
  stop_pid "$D/slurmd.pid" slurmd
  stop_pid "$D/slurmctld.pid" slurmctld
  stop_pid "$D/munged.pid" munged
  ;;
status)
  export SLURM_CONF=$conf PATH=$PATH:/usr/sbin
  sinfo && squeue
  ;;
*)
  echo "usage: $0 start|stop|status [STATE_DIR]" >&2
  exit 2
  ;;
esac
