#!/usr/bin/env bash
# kill -9 at 20 points of a short video run (start-up, the first frame, later frames, checkpoint
# writes, the encode), then the same command again: each resumed run must end with an output
# byte-identical to an uninterrupted run's, and no file may ever appear under the final name
# before it is complete (checked every few milliseconds while the killed run lives, and after
# the kill). Prints one table row per kill point. Slow (a few minutes); not part of `make test`.
# Usage: scripts/kill-points.sh [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/stylize-video
[ -x "$BIN" ] && [ -x .build/release/make-samples ] || swift build -c release >/dev/null
RANDOM=${1:-14}
dir=$(mktemp -d /tmp/kill-points.XXXXXX)
trap 'rm -rf "$dir"' EXIT
.build/release/make-samples "$dir/media" >/dev/null
args=("$dir/media/clip.mp4" --style "$dir/media/style.png" --preview 5 --size 48
  --first-iterations 20 --first-scales 1 --iterations 8 --print-every 1)

start=$(date +%s.%N)
"$BIN" "${args[@]}" -o "$dir/reference.mp4" 2>"$dir/reference.log"
whole=$(echo "$(date +%s.%N) - $start" | bc)
"$BIN" "${args[@]}" -o "$dir/again.mp4" 2>/dev/null
cmp -s "$dir/reference.mp4" "$dir/again.mp4" || { echo "two uninterrupted runs differ"; exit 1; }
printf 'uninterrupted run: %.1f s, %s bytes; a second one is byte-identical\n\n' "$whole" \
  "$(stat -c %s "$dir/reference.mp4")"

# The kill points: "time S" (seconds after the start), "checkpoint N" (as frame N's checkpoint
# is written), "encode MS" (MS milliseconds after the encode begins).
points=()
whole_ms=$(printf '%.0f' "$(echo "$whole * 1000" | bc)")
seconds() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
for _ in 1 2; do points+=("time $(seconds $((RANDOM % 1000)))"); done
for _ in $(seq 12); do points+=("time $(seconds $((1000 + RANDOM % (whole_ms - 1000))))"); done
for frame in 1 3; do points+=("checkpoint $frame"); done
for ms in 0 10 30 60; do points+=("encode $ms"); done

echo "| # | kill point | killed at | phase (from the log) | final name after the kill | resumed | output |"
echo "|---|---|---|---|---|---|---|"
failures=0
for i in "${!points[@]}"; do
  read -r kind value <<<"${points[$i]}"
  out="$dir/run$i.mp4" log="$dir/run$i.log" work="$dir/run$i-work"
  "$BIN" "${args[@]}" -o "$out" 2>"$log" &
  pid=$!
  started=$(date +%s.%N)
  early=""   # set when the final name held an incomplete file while the run lived
  trigger() {
    case $kind in
      time) [ "$(echo "$(date +%s.%N) - $started >= $value" | bc)" = 1 ] ;;
      checkpoint)
        name=$(printf '%05d' "$value")
        compgen -G "$work/.$name.partial-*" >/dev/null || [ -e "$work/$name.png" ] ;;
      encode) grep -q '^Encoding' "$log" 2>/dev/null && sleep "$(echo "scale=3; $value / 1000" | bc)" ;;
    esac
  }
  while kill -0 "$pid" 2>/dev/null && ! trigger; do
    if [ -e "$out" ] && ! cmp -s "$out" "$dir/reference.mp4"; then early="incomplete file seen"; fi
    sleep 0.002
  done
  killed=$(echo "$(date +%s.%N) - $started" | bc)
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  last=$( (grep -v '^$' "$log" || true) | tail -1 | cut -c1-60)
  if grep -q '^Encoding' "$log"; then phase="encode"
  elif grep -q '^frame' "$log"; then phase="${last%%  loss*}"
  else phase="start-up (weights, style)"; fi
  if [ "$kind" = checkpoint ]; then
    name=$(printf '%05d' "$value")
    if compgen -G "$work/.$name.partial-*" >/dev/null; then phase="writing checkpoint $name.png"
    else phase="just after checkpoint $name.png"; fi
  fi
  if [ -n "$early" ]; then after="VIOLATION: $early"; failures=$((failures + 1))
  elif [ ! -e "$out" ]; then after="absent"
  elif cmp -s "$out" "$dir/reference.mp4"; then after="complete, identical"
  else after="VIOLATION: incomplete"; failures=$((failures + 1)); fi
  if "$BIN" "${args[@]}" -o "$out" 2>"$log.resume"; then resumed="exit 0"
  elif grep -q "exists" "$log.resume" && [ "$after" = "complete, identical" ]; then
    resumed="already written"
  else resumed="FAILED: $(tail -1 "$log.resume")"; failures=$((failures + 1)); fi
  if cmp -s "$out" "$dir/reference.mp4"; then result="identical"
  else result="DIFFERS"; failures=$((failures + 1)); fi
  printf '| %d | %s %s | %.2f s | %s | %s | %s | %s |\n' "$((i + 1))" "$kind" "$value" \
    "$killed" "$phase" "$after" "$resumed" "$result"
done
echo
echo "$failures failures over ${#points[@]} kill points"
[ "$failures" = 0 ]
