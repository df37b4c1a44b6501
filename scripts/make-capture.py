#!/usr/bin/env python3
"""Writes scenarios/book/data/fanout-capture.txt, the traffic capture of the
book's "Replaying your own traffic" section: 20 s of page loads arriving as
a Poisson process at 100 pages/s, each page fanning out into 10 requests
spread over 0.5 ms (a fixed seed, so the file is the same on every run).
Times are in milliseconds from an arbitrary origin, one per line."""
import random

rng = random.Random(20261202)
t, out = 0.0, []
while True:
    t += rng.expovariate(100.0) * 1000.0
    if t >= 20_000.0:
        break
    out.extend(t + rng.uniform(0.0, 0.5) for _ in range(10))
with open("scenarios/book/data/fanout-capture.txt", "w") as f:
    f.write("# 20 s of page loads (100/s, Poisson), 10 requests each within 0.5 ms; times in ms\n")
    f.write("".join(f"{x:.3f}\n" for x in sorted(out)))
