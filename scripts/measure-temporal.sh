#!/usr/bin/env bash
# Measures the temporal method against independent per-frame stylisation on the sample clip
# (384x216, processed at its own size: a slow pan and zoom over a textured landscape with a
# moving balloon), both with the default settings:
#   scripts/measure-temporal.sh [out-folder] [extra stylize options...]
# FRAMES (default 48) frames in the default mode; INDEPENDENT_FRAMES (default FRAMES) in
# --independent mode, which costs a first frame's work per frame (minutes each on 2 cores).
# Prints seconds per frame, E_warp, E_Ruder and the mean style loss of both over the frames both
# ran, and their ratios; writes before/after strips (originals above, stylised below).
# Runs keep their work folders, so an interrupted measurement resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/stylize-video
out=${1:-/tmp/stylize-temporal}
shift || true
frames=${FRAMES:-48}
independent_frames=${INDEPENDENT_FRAMES:-$frames}
mkdir -p "$out"

for mode in temporal independent; do
  flag=()
  count=$frames
  if [ "$mode" = independent ]; then flag=(--independent); count=$independent_frames; fi
  "$bin" samples/clip.mp4 --style samples/style.png -o "$out/$mode.mp4" --preview "$count" \
    --overwrite --keep-work --json --print-every 1000 "${flag[@]}" "$@" > "$out/$mode.json"
  "$bin" metrics --original samples/clip.mp4 --stylized "$out/$mode.mp4" --frames "$count" \
    --json --strip "$out/$mode-strip.png" > "$out/$mode-metrics.json" 2>/dev/null
done
# The default mode over the frames the independent run has, for a like-for-like ratio.
"$bin" metrics --original samples/clip.mp4 --stylized "$out/temporal.mp4" \
  --frames "$independent_frames" --json > "$out/temporal-metrics-common.json" 2>/dev/null

python3 - "$out" "$independent_frames" <<'PY'
import json, sys
out, common = sys.argv[1], int(sys.argv[2])
def load(name):
    return json.load(open(f"{out}/{name}"))
runs = {mode: load(f"{mode}.json") for mode in ("temporal", "independent")}
for mode, run in runs.items():
    metrics = load(f"{mode}-metrics.json")
    print(f"{mode:12s} {run['frames']:3d} frames  {run['seconds'] / run['frames']:7.1f} s/frame  "
          f"whole run {run['seconds'] / 60:.1f} min  E_warp {metrics['meanWarpingError']:.5f}  "
          f"E_Ruder {metrics['meanRuderError']:.5f}  mean style loss {run['meanLosses']['style']:.4g}")
t, i = load("temporal-metrics-common.json"), load("independent-metrics.json")
# Style loss over the same frames: the per-frame losses of the default run's first frames.
frame_style = [f["style"] for f in runs["temporal"].get("frameLosses", [])][:common]
t_style = sum(frame_style) / len(frame_style) if frame_style else runs["temporal"]["meanLosses"]["style"]
i_style = runs["independent"]["meanLosses"]["style"]
print(f"over the first {common} frames: E_warp {t['meanWarpingError']:.5f} vs {i['meanWarpingError']:.5f} "
      f"(ratio {t['meanWarpingError'] / i['meanWarpingError']:.3f}), "
      f"E_Ruder ratio {t['meanRuderError'] / i['meanRuderError']:.3f}, "
      f"mean style loss {t_style:.4g} vs {i_style:.4g} (ratio {t_style / i_style:.3f})")
print(f"strips: {out}/temporal-strip.png {out}/independent-strip.png")
PY
