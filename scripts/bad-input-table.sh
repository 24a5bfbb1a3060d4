#!/usr/bin/env bash
# Runs the bad-input corpus (Tests/StylizeVideoTests/BadInputTests.swift: broken, truncated, odd
# and extreme inputs through stylize, probe, flow and metrics) and prints its table: case,
# command, exit code, first line of the message, seconds. Temporary paths are shortened.
# Usage: scripts/bad-input-table.sh [table.md]
set -euo pipefail
cd "$(dirname "$0")/.."
table="${1:-$(mktemp --suffix=.md)}"
STYLIZE_VIDEO_CORPUS_TABLE="$table" swift test -c release --disable-xctest --no-parallel \
  --filter BadInputTests 2>&1 | grep -E "^(✔|✘)|recorded an issue|↳ [^/]" || true
sed -E "s#(/tmp|${TMPDIR:-/tmp})/bad-input-[^/]*/##g" "$table"
