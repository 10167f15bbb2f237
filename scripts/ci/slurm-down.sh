#!/usr/bin/env bash
# Stops the one-node Slurm cluster started by scripts/ci/slurm-up.sh (for local cleanup).
# Idempotent: does nothing for daemons that are not running.
#
# Jobs still queued or running are cancelled first, so that no job processes (slurmstepd and
# the job's own processes) outlive the cluster. Then slurmd and slurmctld are stopped, using
# the pid files that slurm-up.sh's slurm.conf names.
#
# munged is left running by default: it is cheap, other programs on the machine may use it,
# and slurm-up.sh simply reuses it. Pass --all to stop munged as well (a fully cold state).
# The configuration, the munge key and the saved controller state are kept.
set -euo pipefail

stop_munge=0
case "${1:-}" in
  --all) stop_munge=1 ;;
  "") ;;
  *) echo "usage: $0 [--all]" >&2; exit 2 ;;
esac

[ "$(id -u)" -eq 0 ] || { echo "slurm-down: must run as root" >&2; exit 1; }

running() { # name pidfile
  local pid
  [ -f "$2" ] || return 1
  pid=$(cat "$2" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]
}
stop() { # name pidfile
  local pid
  if ! running "$1" "$2"; then
    echo "slurm-down: $1 not running"
    return 0
  fi
  pid=$(cat "$2")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { echo "slurm-down: $1 stopped"; return 0; }
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  echo "slurm-down: $1 killed"
}

if running slurmctld /run/slurmctld.pid; then
  jobs=$(squeue -h -o '%F' 2>/dev/null | sort -u || true)
  if [ -n "$jobs" ]; then
    # shellcheck disable=SC2086 # one job id per word
    scancel $jobs || true
    for _ in $(seq 1 30); do
      [ -z "$(squeue -h -o '%i' 2>/dev/null || true)" ] && break
      sleep 0.5
    done
  fi
fi

stop slurmd /run/slurmd.pid
stop slurmctld /run/slurmctld.pid
if [ "$stop_munge" -eq 1 ]; then
  stop munged /run/munge/munged.pid
fi
