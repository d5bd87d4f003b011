#!/usr/bin/python3
"""Checks a `sisim run` output against the schema in docs/hdf5-schema.md (exit 1 on a mismatch)."""
import sys

import h5py
import numpy as np

f = h5py.File(sys.argv[1], "r")
errors = []


def need(cond, what):
    if not cond:
        errors.append(what)


for a in ("schema_version", "sisim_version", "config", "seed", "created_utc", "command_line", "status"):
    need(a in f.attrs, f"root attribute {a}")
need(f.attrs.get("schema_version") == 2, "schema_version == 2")
need(f.attrs.get("status") == "complete", "status == complete")
need(isinstance(f.attrs.get("config"), str), "config is str")
for d in ("pattern/symbols", "channel/frequency_hz", "channel/sdd21", "channel/pulse_response",
          "eye/rx/histogram", "eye/rx/time_ui", "eye/rx/voltage_v"):
    need(d in f, f"dataset {d}")
    if d in f:
        need("units" in f[d].attrs, f"units on {d}")
need(f["pattern/symbols"].dtype == np.uint8, "symbols uint8")
s = f["pattern/symbols"][...]
need(s.max() <= 3 and s.min() >= 0, "symbols in 0..3")
need(f["channel/sdd21"].dtype == np.complex128, "sdd21 complex")
need("dt_s" in f["channel/pulse_response"].attrs, "pulse dt_s")
h = f["eye/rx/histogram"]
need(h.shape == (len(f["eye/rx/voltage_v"]), len(f["eye/rx/time_ui"])), "histogram shape")
m = f["eye/rx/metrics"].attrs if "eye/rx/metrics" in f else {}
for a in ("eye_height_v", "eye_width_ui", "levels_v", "target_ber"):
    need(a in m, f"metrics {a}")
need(len(m.get("levels_v", [])) == 4, "4 levels")
for a in ("symbols_compared", "symbol_errors", "bit_errors", "ser", "ber"):
    need(a in f["ber"].attrs, f"ber {a}")
need(f["ber"].attrs.get("symbols_compared") == 5000, "symbols_compared == 5000")
if errors:
    print("schema mismatch: " + "; ".join(errors))
    sys.exit(1)
print("schema ok")
