#!/usr/bin/python3
"""Load a sweep's /sweep/points table into pandas and plot a metric against the swept keys.

    build/sisim sweep models/sweeps/c2m_ctle_noise.toml -o ctle_noise.h5
    /usr/bin/python3 models/sweeps/sweep_pandas.py ctle_noise.h5 [OUT.png]

Uses Debian's python3-pandas, python3-h5py and python3-matplotlib. Columns: index, ok, seed, the
swept keys under their full names (SI base units: rx.noise_rms in V), the scalar results named
as the single-run attributes (ser, ber, ser_statistical, eye_height_v[0..2], ...), and error.
"""
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

path = sys.argv[1]
out = sys.argv[2] if len(sys.argv) > 2 else path.rsplit(".", 1)[0] + "_pandas.png"
with h5py.File(path, "r") as f:
    df = pd.DataFrame(f["sweep/points"][...])
    units = dict(zip(f["sweep/points"].attrs["columns"], f["sweep/points"].attrs["units"]))
    keys = list(f["sweep"].attrs["varied_keys"])
df["error"] = df["error"].str.decode("utf-8")
print(f"{len(df)} points, {int((df.ok == 0).sum())} failed")
if (df.ok == 0).any():
    print(df.loc[df.ok == 0, ["index", "error"]].to_string(index=False))
ok = df[df.ok == 1]

# Eye height of the middle PAM4 eye against the first swept key, one line per value of the second.
x = keys[0]
fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
for val, g in (ok.groupby(keys[1]) if len(keys) > 1 else [(None, ok)]):
    g = g.sort_values(x)
    ax.plot(g[x], 1e3 * g["eye_height_v[1]"], "o-", ms=3,
            label=None if val is None else f"{keys[1]} = {val:g} {units.get(keys[1], '')}")
ax.set_xlabel(f"{x} [{units.get(x, '')}]")
ax.set_ylabel("eye height, middle eye [mV]")
ax.grid(alpha=0.3)
if len(keys) > 1:
    ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(out)
print(ok.pivot_table(index=x, columns=keys[1], values="ser") if len(keys) > 1 else ok[[x, "ser"]])
print("wrote " + out)
