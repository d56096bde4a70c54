#!/usr/bin/env python3
"""Compare two raw int32 S x S label maps (msformer-engine-bench --dump):
pixel agreement, and the mean DSC of each label of the first with its
best-matching label of the second, weighted by area. Standard library only."""
import array
import collections
import sys


def load(path):
    a = array.array("i")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    if sys.byteorder != "little":
        a.byteswap()
    return a


a, b = load(sys.argv[1]), load(sys.argv[2])
if len(a) != len(b):
    sys.exit(f"sizes differ: {len(a)} vs {len(b)}")
same = sum(1 for x, y in zip(a, b) if x == y)
area_a, area_b = collections.Counter(a), collections.Counter(b)
joint = collections.Counter(zip(a, b))
print(f"labels: {len(area_a)} vs {len(area_b)}; identical pixels: {100 * same / len(a):.2f}%")
total = 0.0
for la, n in area_a.items():
    best = max(2 * joint[(la, lb)] / (n + m) for lb, m in area_b.items())
    total += n * best
print("area-weighted best-match DSC: %.4f" % (total / len(a)))
