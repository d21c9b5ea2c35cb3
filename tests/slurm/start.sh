#!/usr/bin/env bash
# Start a real single-node Slurm on 127.0.0.1 for the workflow's Slurm test:
# munge, MariaDB (own data directory), slurmdbd (accounting, so that sacct
# works), slurmctld and slurmd, with a fake GPU. No systemd: every daemon is
# started by hand. Installs the Debian packages if they are missing.
# Stop it with tests/slurm/stop.sh.
set -euo pipefail

STATE=${SUSY_SLURM_DIR:-/tmp/susy-slurm}
CLUSTER=susy
DB_PORT=3307

if ! command -v slurmctld >/dev/null || ! command -v mariadbd >/dev/null; then
    # Keep apt from starting the daemons itself.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        slurmctld slurmd slurmdbd slurm-client munge mariadb-server >/dev/null
fi

mkdir -p "$STATE"/{state,spool,log,run} /etc/slurm /run/munge

# munge: the authentication every Slurm daemon and client uses.
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key /run/munge
chmod 400 /etc/munge/munge.key
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged

# MariaDB for slurmdbd, bound to 127.0.0.1 only, in its own data directory.
if [ ! -d "$STATE/mysql/mysql" ]; then
    mariadb-install-db --user=root --datadir="$STATE/mysql" \
        --auth-root-authentication-method=normal >"$STATE/log/mariadb-install.log"
fi
if ! pgrep -x mariadbd >/dev/null; then
    mariadbd --user=root --datadir="$STATE/mysql" --bind-address=127.0.0.1 \
        --port=$DB_PORT --socket="$STATE/run/mysql.sock" \
        --pid-file="$STATE/run/mariadb.pid" >"$STATE/log/mariadb.log" 2>&1 &
fi
for _ in $(seq 60); do
    mariadb -S "$STATE/run/mysql.sock" -e "SELECT 1" >/dev/null 2>&1 && break
    sleep 0.5
done
mariadb -S "$STATE/run/mysql.sock" -e "
    CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurm';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"

cat >/etc/slurm/slurmdbd.conf <<CONF
DbdHost=localhost
DbdAddr=127.0.0.1
CommunicationParameters=NoInAddrAny
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=slurm
StorageLoc=slurm_acct_db
PidFile=$STATE/run/slurmdbd.pid
LogFile=$STATE/log/slurmdbd.log
CONF
chmod 600 /etc/slurm/slurmdbd.conf

# The plugin strips SLURM_* variables before srun inside a job, so the
# config must be at the default path. The node claims 8 CPUs and a GPU
# (backed by /dev/null) so the profile's requests can be scheduled here.
# Accounting keeps each job's comment, where the plugin names its rules.
cat >/etc/slurm/slurm.conf <<CONF
ClusterName=$CLUSTER
SlurmctldHost=localhost(127.0.0.1)
CommunicationParameters=NoInAddrAny
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$STATE/state
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmdParameters=config_overrides
DefMemPerCPU=1000
GresTypes=gpu
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStorageTRES=gres/gpu
AccountingStoreFlags=job_comment
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=8 RealMemory=64000 Gres=gpu:1 State=UNKNOWN
PartitionName=main Nodes=localhost Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=localhost MaxTime=INFINITE State=UP
CONF
cat >/etc/slurm/gres.conf <<CONF
NodeName=localhost Name=gpu File=/dev/null
CONF

pgrep -x slurmdbd >/dev/null || slurmdbd
for _ in $(seq 60); do
    sacctmgr -n list cluster >/dev/null 2>&1 && break
    sleep 0.5
done
# Accounting knows the cluster, an account and this user: sacct then works.
sacctmgr -i add cluster $CLUSTER >/dev/null 2>&1 || true
sacctmgr -i add account test Cluster=$CLUSTER >/dev/null 2>&1 || true
sacctmgr -i add user "$(id -un)" Account=test DefaultAccount=test >/dev/null 2>&1 || true

pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd -N localhost
for _ in $(seq 60); do
    state=$(sinfo -h -n localhost -o %t 2>/dev/null | head -1)
    case "$state" in idle*|mix*|alloc*) echo "slurm is up: node $state"; exit 0 ;; esac
    scontrol update NodeName=localhost State=RESUME >/dev/null 2>&1 || true
    sleep 0.5
done
echo "slurm did not come up; logs in $STATE/log" >&2
exit 1
