#!/usr/bin/env bash
# libFuzzer over the weights reader (Sources/Engine/Weights: the torch checkpoint's pickle
# machine, from bytes) and over the decode path (Sources/Video: VideoReader and probe on a file
# of those bytes), each for a bounded time, with AddressSanitizer. The harnesses are in Fuzz/;
# they are compiled here with swiftc -sanitize=fuzzer,address over the module's sources, into
# .build-fuzz/, never by `swift build`. Reports executions, time and the crashes, timeouts and
# out-of-memory inputs found (kept in .build-fuzz/artifacts/ to reproduce: run the fuzzer with
# the file as its argument). Not part of `make test`.
# Usage: scripts/fuzz.sh [seconds per target, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=.build-fuzz
mkdir -p "$out/artifacts"
flags=(-O -sanitize=fuzzer,address -parse-as-library)
echo "building the fuzzers into $out/ ..."
swiftc "${flags[@]}" -module-name WeightsFuzz Fuzz/WeightsFuzzer.swift \
  Sources/Engine/Weights/{Pickle,TorchCheckpoint,SHA256}.swift -o "$out/weights-fuzzer" 2>/dev/null
swiftc "${flags[@]}" -module-name VideoFuzz -I Sources/CFFmpeg Fuzz/VideoFuzzer.swift \
  Sources/Video/*.swift Sources/Video/Internal/*.swift -o "$out/video-fuzzer" 2>/dev/null

# Seeds: the head of the real weights file (all five pickles), and small pictures and clips.
seeds=$(mktemp -d /tmp/fuzz-seeds.XXXXXX)
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$seeds/weights" "$seeds/video" "$out/corpus-weights" "$out/corpus-video"
weights=${STYLIZE_VIDEO_WEIGHTS:-$HOME/.cache/stylize-video/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin}
[ -f "$weights" ] && head -c 6000 "$weights" >"$seeds/weights/head.bin"
python3 - "$seeds" <<'EOF'
import os, struct, sys, zlib
seeds = sys.argv[1]
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
def png(width, height, color_type, rows, palette=None):
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
    if palette: data += chunk(b"PLTE", palette)
    return data + chunk(b"IDAT", zlib.compress(b"".join(b"\0" + r for r in rows))) + chunk(b"IEND", b"")
rgb = [b"".join(bytes((x * 30 % 256, y * 30 % 256, 99)) for x in range(8)) for y in range(8)]
seeds_png = {
    "rgb.png": png(8, 8, 2, rgb),
    "palette.png": png(8, 8, 3, [bytes(x % 4 for x in range(8))] * 8, bytes(range(12))),
    "gray.png": png(8, 8, 0, [bytes(range(0, 64, 8))] * 8),
}
os.makedirs(f"{seeds}/frames", exist_ok=True)
for i in range(3):
    rows = [b"".join(bytes(((x + i) * 16 % 256, y * 16 % 256, 99)) for x in range(16)) for y in range(16)]
    open(f"{seeds}/frames/{i:05d}.png", "wb").write(png(16, 16, 2, rows))
for name, data in seeds_png.items():
    open(f"{seeds}/video/{name}", "wb").write(b"\0" + data)  # first byte 0: .png
EOF
# Clips: three 16x16 frames through the command itself (one iteration at 32 px), as mp4, mkv, webm.
bin=.build/release/stylize-video
if [ -x "$bin" ]; then
  for pair in 2:mp4 3:mkv 4:webm; do
    ext=${pair#*:}
    "$bin" "$seeds/frames" --style "$seeds/frames/00000.png" -o "$seeds/clip.$ext" --size 32 \
      --first-iterations 1 --first-scales 1 --iterations 1 --independent --quiet 2>/dev/null || continue
    { printf "\\x$(printf %02x "${pair%%:*}")"; head -c 8000 "$seeds/clip.$ext"; } >"$seeds/video/clip.$ext"
  done
fi

run() {  # $1 name, then libFuzzer options
  local name=$1; shift
  local log="$out/$name.log"
  local before
  before=$(ls "$out/artifacts" | wc -l)
  "$out/$name-fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3000 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$name-" "$@" \
    "$out/corpus-$name" "$seeds/$name" >"$log" 2>&1 || true
  local runs time found
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  time=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo "?")
  found=$(($(ls "$out/artifacts" | wc -l) - before))
  echo "$name: $runs executions in $time s, corpus $(ls "$out/corpus-$name" | wc -l) inputs, $found finding(s)"
  grep -E "^==[0-9]+==ERROR|deadly signal|ALARM|out-of-memory|Fatal error|failure:" "$log" | head -5 || true
}
run weights -max_len=8192
run video -max_len=8192
ls "$out/artifacts" | sed 's/^/artifact: /'
