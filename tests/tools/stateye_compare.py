#!/usr/bin/python3
"""Compares two directories of tests/tools/stateye_identity.sh dumps numerically.

    tests/tools/stateye_compare.py before after

Per case: whether the sampling phase (cursor_index) is the same, the largest change of the eye
heights and widths (absolute, and relative to the case's largest eye height), of the inner-eye
height versus time, and the largest relative change of the statistical SER and BER. Exit 1 when
a case is missing or its sampling phase moved.
"""
import math
import os
import sys


def load(path):
    out, eye = {}, None
    for line in open(path):
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "eye":  # "eye at <ber>": the following arrays belong to it
            eye = parts[2]
            continue
        name = parts[0]
        key = f"{name}@{eye}" if eye and name != "cursor_index" else name
        vals = []
        for p in parts[1:]:
            try:
                vals.append(float.fromhex(p))
            except ValueError:
                vals.append(float(p))
        out[key] = vals
    return out


def rel(a, b):
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def main():
    a_dir, b_dir = sys.argv[1], sys.argv[2]
    bad = 0
    print(f"{'case':24s} {'phase':>6s} {'d height (mV)':>14s} {'d height/max':>12s} "
          f"{'d width (UI)':>12s} {'d h(t) (mV)':>12s} {'SER rel':>9s} {'BER rel':>9s}")
    for name in sorted(os.listdir(a_dir)):
        pa, pb = os.path.join(a_dir, name), os.path.join(b_dir, name)
        if not os.path.exists(pb):
            print(f"{name}: missing in {b_dir}")
            bad = 1
            continue
        A, B = load(pa), load(pb)
        same_phase = A.get("cursor_index") == B.get("cursor_index")
        bad |= not same_phase
        dh = dw = dt = 0.0
        hmax = 1e-300
        for k in A:
            if k.startswith("eye_height_v"):
                hmax = max(hmax, max(abs(x) for x in A[k]))
                dh = max(dh, max(abs(x - y) for x, y in zip(A[k], B[k])))
            elif k.startswith("eye_width_ui"):
                dw = max(dw, max(abs(x - y) for x, y in zip(A[k], B[k])))
            elif k.startswith("height_vs_time_v"):
                dt = max(dt, max((abs(x - y) for x, y in zip(A[k], B[k])
                                  if not (math.isnan(x) and math.isnan(y))), default=0.0))
        ser = max(rel(x, y) for x, y in zip(A["ser"], B["ser"]))
        ber = max(rel(x, y) for x, y in zip(A["ber"], B["ber"]))
        print(f"{name[:-4]:24s} {'same' if same_phase else 'MOVED':>6s} {dh * 1e3:14.3e} "
              f"{dh / hmax:12.3e} {dw:12.3e} {dt * 1e3:12.3e} {ser:9.2e} {ber:9.2e}")
    return bad


if __name__ == "__main__":
    sys.exit(main())
