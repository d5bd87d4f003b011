"""Checks, with h5py, a file written by tests/io/h5_test.cpp (H5pyReadsStringsAsStrAnd...).

Exit 0 when everything matches, 1 with a message otherwise.
"""
import sys

import h5py
import numpy as np

path = sys.argv[1]
errors = []
with h5py.File(path, "r") as f:
    if f.attrs["status"] != "complete":
        errors.append(f"status attr {f.attrs['status']!r}")
    g = f["channel"]
    if not isinstance(g.attrs["config"], str):
        errors.append(f"config attr is {type(g.attrs['config'])}, expected str")
    s = g["sdd21"]
    if s.dtype != np.complex128:
        errors.append(f"sdd21 dtype {s.dtype}")
    if not np.array_equal(s[()], np.array([1 - 1j, 0.5 + 0.25j])):
        errors.append(f"sdd21 values {s[()]}")
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and "units" not in obj.attrs:
            errors.append(f"{name} has no units attribute")
        if isinstance(obj, h5py.Dataset) and not isinstance(obj.attrs["units"], str):
            errors.append(f"{name} units is not str")
    f.visititems(visit)
    if g["frequency_hz"].attrs["units"] != "Hz":
        errors.append("frequency_hz units")
    b = g["big"]
    if b.compression != "gzip" or not b.shuffle or b.dtype != np.float32:
        errors.append(f"big: compression={b.compression} shuffle={b.shuffle} dtype={b.dtype}")
for e in errors:
    print("h5py_check:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
