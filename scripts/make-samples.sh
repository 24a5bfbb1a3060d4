#!/usr/bin/env bash
# Generates the bundled sample clip and style image (procedural; see samples/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f samples/clip.mp4 ] && [ -f samples/style.png ] && exit 0
.build/release/make-samples samples
