#!/usr/bin/env python3
"""Compare two raw int32 S x S label maps (msformer-engine-bench --dump):
pixel agreement, and the mean DSC of each label of the first with its
best-matching label of the second."""
import sys

import numpy as np

a = np.fromfile(sys.argv[1], dtype="<i4")
b = np.fromfile(sys.argv[2], dtype="<i4")
if a.size != b.size:
    sys.exit(f"sizes differ: {a.size} vs {b.size}")
print(f"labels: {len(np.unique(a))} vs {len(np.unique(b))}; identical pixels: {np.mean(a == b) * 100:.2f}%")
dscs = []
for la in np.unique(a):
    ma = a == la
    best = max(2 * np.sum(ma & (b == lb)) / (ma.sum() + np.sum(b == lb)) for lb in np.unique(b))
    dscs.append((ma.sum(), best))
w = sum(n for n, _ in dscs)
print("area-weighted best-match DSC: %.4f" % (sum(n * d for n, d in dscs) / w))
