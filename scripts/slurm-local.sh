#!/bin/bash
# Runs a plan's segments as a real Slurm job array on this machine, then checks the result
# against one worker: installs Debian's slurm-wlm (with munge) when missing, configures a
# one-node cluster on localhost, starts munged, slurmctld and slurmd (and stops them at the
# end), stylises a generated 48x32 clip with a hard cut through deploy/slurm/stylize.sbatch,
# assembles it, and compares frames and video byte for byte with a one-worker run.
# Needs root (or sudo) and the release build (make build) and weights (make weights).
#   bash scripts/slurm-local.sh [work folder, default a new one under /tmp]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
binary=$root/.build/release/stylize-video
sudo=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
work=${1:-$(mktemp -d /tmp/slurm-local.XXXXXX)}
mkdir -p "$work"
[ -x "$binary" ] || { echo "missing $binary: run make build" >&2; exit 1; }

if ! command -v slurmctld >/dev/null; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq slurm-wlm >/dev/null
fi

node=$(hostname -s)
cpus=$(nproc)
memory=$(awk '/MemTotal/ { print int($2 / 1024) - 512 }' /proc/meminfo)
state=$work/slurm-state
$sudo mkdir -p /etc/slurm "$state/ctld" "$state/d" /etc/munge /var/log/munge /run/munge
$sudo tee /etc/slurm/slurm.conf >/dev/null <<CONF
ClusterName=local
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MpiDefault=none
NodeName=$node CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

started=()
stop() { for pid in "${started[@]}"; do $sudo kill "$pid" 2>/dev/null || true; done; }
trap stop EXIT
[ -s /etc/munge/munge.key ] || $sudo dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
$sudo chown -R munge:munge /etc/munge /var/log/munge /run/munge 2>/dev/null || true
$sudo chmod 400 /etc/munge/munge.key
if ! pgrep -x munged >/dev/null; then
  $sudo -u munge /usr/sbin/munged 2>/dev/null || $sudo runuser -u munge -- /usr/sbin/munged
  started+=("$(pgrep -x munged | head -1)")
fi
$sudo slurmctld -c -i
sleep 1
started+=("$(cat "$state/slurmctld.pid")")
$sudo slurmd -c
for _ in $(seq 30); do
  [ -s "$state/slurmd.pid" ] && sinfo -h -o %T 2>/dev/null | grep -qE '^idle' && break
  sleep 1
done
started+=("$(cat "$state/slurmd.pid")")
sinfo

# The clip: 8 frames of a smooth scene drifting right, a hard cut, 10 frames of checks.
python3 - "$work/clip" <<'PY'
import math, os, struct, sys, zlib
folder = sys.argv[1]; os.makedirs(folder, exist_ok=True)
def png(path, w, h, rgb):
    raw = b''.join(b'\0' + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))
    chunk = lambda k, b: struct.pack('>I', len(b)) + k + b + struct.pack('>I', zlib.crc32(k + b))
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
                           + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
for i in range(18):
    rgb = bytearray()
    for y in range(32):
        for x in range(48):
            if i < 8:
                sx = x - i
                rgb += bytes([int(128 + 60 * math.sin(sx / 5 + y / 13)), int(128 + 50 * math.sin((sx + 2 * y) / 9)),
                              int(128 + 60 * math.cos((sx - y) / 6))])
            else:
                rgb += bytes([220, 40 + x, 40] if ((x + i) // 6 + y // 6) % 2 == 0 else [30, 60 + y, 200])
    png('%s/%03d.png' % (folder, i), 48, 32, bytes(rgb))
PY
python3 - "$work/style.png" <<'PY'
import struct, sys, zlib
rgb = b''.join(bytes([230 if (x + y) // 4 % 2 == 0 else 20, x * 8, 90]) for y in range(32) for x in range(32))
raw = b''.join(b'\0' + rgb[y * 96:(y + 1) * 96] for y in range(32))
chunk = lambda k, b: struct.pack('>I', len(b)) + k + b + struct.pack('>I', zlib.crc32(k + b))
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 32, 32, 8, 2, 0, 0, 0))
                              + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
PY

options=(--style "$work/style.png" --size 48 --first-iterations 20 --first-scales 1 --iterations 8
  --tolerance 0 --segment-frames 4 --overlap 2)
"$binary" plan "$work/clip" "${options[@]}" -o "$work/slurm-plan.json" --overwrite --quiet
"$binary" plan "$work/clip" "${options[@]}" -o "$work/one-plan.json" --overwrite --quiet
segments=$(python3 -c "import json, sys; print(len(json.load(open(sys.argv[1]))['segments']))" "$work/slurm-plan.json")

begin=$(date +%s)
cd "$work"
STYLIZE_VIDEO=$binary sbatch --wait --array=0-$((segments - 1)) --cpus-per-task=1 --mem=1G \
  "$root/deploy/slurm/stylize.sbatch" "$work/slurm-plan.json"
echo "Slurm array of $segments tasks: $(($(date +%s) - begin)) s"
sacct >/dev/null 2>&1 || true
grep -h "complete in\|Error" "$work"/stylize-video-*.log || true

# The tasks had one core each, so OpenBLAS one thread: the same here (another thread count
# sums products in another order, which changes the last bits and then the frames).
for index in $(seq 0 $((segments - 1))); do
  OPENBLAS_NUM_THREADS=1 "$binary" run-segment "$work/one-plan.json" --index "$index" --quiet
done
"$binary" assemble "$work/slurm-plan.json" -o "$work/slurm.mp4" --overwrite
"$binary" assemble "$work/one-plan.json" -o "$work/one.mp4" --overwrite
"$binary" assemble "$work/slurm-plan.json" -o "$work/slurm-frames/" --overwrite --quiet
"$binary" assemble "$work/one-plan.json" -o "$work/one-frames/" --overwrite --quiet
diff -r --exclude=settings.json --exclude=.lock "$work/slurm-plan-segments" "$work/one-plan-segments"
diff -r "$work/slurm-frames" "$work/one-frames"
echo "Slurm array and one worker: the same segment frames and assembled frames, byte for byte ($work)"
# The H.264 encode of the same frames was seen to differ on a loaded machine (1 in 8 runs), so
# the videos are compared for information only.
cmp -s "$work/slurm.mp4" "$work/one.mp4" && echo "the two videos are identical too" \
  || echo "the two videos' H.264 bytes differ (same frames in)"
