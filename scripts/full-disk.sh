#!/usr/bin/env bash
# The output and the work folder on a small tmpfs that fills up mid-run: once among the
# checkpoints (frame 3 of 5 finds no space) and once in the encode (every checkpoint fits, the
# video does not). Each must fail with one clear line naming the file and ENOSPC, leave nothing
# under the final name, and, once space is freed, the same command must resume and finish with
# the same output as a run on a roomy disk. Needs `mount -t tmpfs` (root); skips otherwise.
# Usage: scripts/full-disk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.build/release/stylize-video
[ -x "$BIN" ] && [ -x .build/release/make-samples ] || swift build -c release >/dev/null
dir=$(mktemp -d /tmp/full-disk.XXXXXX)
disk="$dir/disk"
mkdir -p "$disk"
cleanup() { umount "$disk" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
if ! mount -t tmpfs -o size=256k tmpfs "$disk" 2>/dev/null; then
  echo "SKIPPED: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)"
  exit 0
fi
.build/release/make-samples "$dir/media" >/dev/null
args=("$dir/media/clip.mp4" --style "$dir/media/style.png" --preview 5 --size 48
  --first-iterations 20 --first-scales 1 --iterations 8 --print-every 100)

# A run on a roomy disk: the output to compare with, and how many 4 KiB pages the work folder's
# files take (tmpfs allocates whole pages).
"$BIN" "${args[@]}" -o "$dir/reference.mp4" --keep-work 2>/dev/null
pages() { local total=0; for f in "$@"; do total=$((total + ($(stat -c %s "$f") + 4095) / 4096)); done; echo $total; }
settings_pages=$(pages "$dir/reference-work/settings.json")
frames_pages=$(pages "$dir"/reference-work/0000[1-5].png)
two_frames=$(pages "$dir"/reference-work/0000[1-2].png)
echo "reference: $(stat -c %s "$dir/reference.mp4") bytes; work folder: settings $settings_pages page(s), frames $frames_pages page(s)"

# Leaves exactly $1 free pages on the tmpfs: fill it, then give back $1 pages.
leave_free() {
  rm -f "$disk/filler"
  dd if=/dev/zero of="$disk/filler" bs=4096 2>/dev/null || true
  truncate -s "-$(($1 * 4096))" "$disk/filler"
}

scenario() {  # $1 name, $2 free pages
  local out="$disk/$1.mp4"
  leave_free "$2"
  echo
  echo "== $1: $2 free page(s) of 4 KiB =="
  echo "\$ stylize-video ${args[*]##*/} -o $out"
  set +e
  "$BIN" "${args[@]}" -o "$out" 2>"$dir/$1.log"
  local status=$?
  set -e
  grep -v '^frame' "$dir/$1.log" || true
  echo "exit $status; df: $(df -k --output=avail "$disk" | tail -1 | tr -d ' ') KiB free"
  [ "$status" != 0 ] || { echo "FAIL: the run did not fail"; return 1; }
  grep -q "No space left on device" "$dir/$1.log" || { echo "FAIL: no ENOSPC in the message"; return 1; }
  [ ! -e "$out" ] || { echo "FAIL: '$out' exists after the failure"; return 1; }
  echo "nothing under the final name; work folder: $(ls "$disk/$1-work" | tr '\n' ' ')"
  rm -f "$disk/filler"
  echo "space freed; the same command again:"
  "$BIN" "${args[@]}" -o "$out" 2>&1 | grep -E "already done|^Wrote" || true
  cmp "$out" "$dir/reference.mp4" && echo "resumed output identical to the reference"
  rm -rf "$out" "$disk/$1-work"
}

scenario among-checkpoints $((settings_pages + two_frames))
scenario in-the-encode $((settings_pages + frames_pages))
