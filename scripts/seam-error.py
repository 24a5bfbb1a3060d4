#!/usr/bin/env python3
"""E_warp at the joins of a plan's segments against E_warp inside them.

    stylize-video assemble plan.json -o frames/            # lossless frames
    stylize-video metrics --original in.mp4 --stylized frames/ --json > metrics.json
    python3 scripts/seam-error.py plan.json metrics.json

A join is a split inside a shot at frame a with a warm-up of W frames: its pairs are those that
touch the cross-faded frames a-W ... a-1, (a-W-1, a-W) ... (a-1, a); "at the split" is the pair
(a-1, a) alone. Pairs across a hard cut are left out; every other pair is inside.
"""
import json
import sys

plan = json.load(open(sys.argv[1]))
errors = json.load(open(sys.argv[2]))["warpingError"]  # errors[t]: pair (t, t+1), 0-based
cuts = {c["frame"] for c in plan["cutCandidates"] if c["isCut"]}
join, split = set(), set()
for segment in plan["segments"]:
    a, w = segment["start"], segment["warmUp"]
    if w > 0:
        join.update(range(a - w - 1, a))
        split.add(a - 1)
inside = [e for t, e in enumerate(errors) if e is not None and t not in join and t + 1 not in cuts]
joins = [errors[t] for t in sorted(join) if t < len(errors) and errors[t] is not None]
splits = [errors[t] for t in sorted(split) if errors[t] is not None]
mean = lambda values: sum(values) / len(values)
print("inside:       %d pairs, mean E_warp %.6f" % (len(inside), mean(inside)))
print("joins:        %d pairs, mean E_warp %.6f, max %.6f (%.2fx, max %.2fx inside)" % (
    len(joins), mean(joins), max(joins), mean(joins) / mean(inside), max(joins) / mean(inside)))
print("at the split: %d pairs, mean E_warp %.6f (%.2fx inside)" % (
    len(splits), mean(splits), mean(splits) / mean(inside)))
