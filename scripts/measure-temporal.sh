#!/usr/bin/env bash
# Measures the temporal method against independent per-frame stylisation on the sample clip
# (processed at its own 384x216, a slow pan and zoom over a textured landscape with a moving balloon):
#   scripts/measure-temporal.sh [out-folder] [extra stylize options...]
# Prints seconds per frame, E_warp, E_Ruder and the mean style loss of both, and their ratios,
# and writes before/after strips (originals above, stylised below) into the out folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/stylize-video
out=${1:-/tmp/stylize-temporal}
shift || true
frames=${FRAMES:-48}
mkdir -p "$out"

for mode in temporal independent; do
  flag=()
  [ "$mode" = independent ] && flag=(--independent)
  "$bin" samples/clip.mp4 --style samples/style.png -o "$out/$mode.mp4" --preview "$frames" \
    --size 384 --overwrite --restart --json --print-every 1000 "${flag[@]}" "$@" > "$out/$mode.json"
  "$bin" metrics --original samples/clip.mp4 --stylized "$out/$mode.mp4" --frames "$frames" \
    --json --strip "$out/$mode-strip.png" > "$out/$mode-metrics.json" 2>/dev/null
done

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
rows = {}
for mode in ("temporal", "independent"):
    run = json.load(open(f"{out}/{mode}.json"))
    metrics = json.load(open(f"{out}/{mode}-metrics.json"))
    rows[mode] = (run["seconds"] / run["frames"], metrics["meanWarpingError"],
                  metrics["meanRuderError"], run["meanLosses"]["style"])
    print(f"{mode:12s} {rows[mode][0]:7.1f} s/frame  E_warp {rows[mode][1]:.5f}  "
          f"E_Ruder {rows[mode][2]:.5f}  mean style loss {rows[mode][3]:.4g}")
t, i = rows["temporal"], rows["independent"]
print(f"ratio temporal/independent: E_warp {t[1]/i[1]:.3f}  E_Ruder {t[2]/i[2]:.3f}  "
      f"style loss {t[3]/i[3]:.3f}")
print(f"strips: {out}/temporal-strip.png {out}/independent-strip.png")
PY
