#!/usr/bin/env bash
# Stop the Slurm test cluster that tests/slurm/start.sh started.
STATE=${SUSY_SLURM_DIR:-/tmp/susy-slurm}
DAEMONS="slurmd slurmctld slurmdbd mariadbd munged"
for daemon in $DAEMONS; do
    pkill -x "$daemon" 2>/dev/null
done
for _ in $(seq 40); do
    running=0
    for daemon in $DAEMONS; do
        pgrep -x "$daemon" >/dev/null && running=1
    done
    [ "$running" = 0 ] && break
    sleep 0.25
done
rm -rf "$STATE/state" "$STATE/spool"
exit 0
