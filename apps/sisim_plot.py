#!/usr/bin/python3
"""Draw a sisim result file to PNG: the eye at the slicer, the channel loss and the pulse response,
and the equalized TDECQ eye of a `sisim tdecq -o` file.

Sample runs:
    /usr/bin/python3 apps/sisim_plot.py c2m.h5                # writes c2m_eye.png, c2m_channel.png
    /usr/bin/python3 apps/sisim_plot.py c2m.h5 --eye eye.png --channel ch.png
    /usr/bin/python3 apps/sisim_plot.py sweep.h5 --metric "eye_height_v[1]" --x rx.ctle.gdc
    /usr/bin/python3 apps/sisim_plot.py sweep.h5 --metric ser --x rx.ctle.gdc --y rx.noise_rms

    /usr/bin/python3 apps/sisim_plot.py tdecq.h5              # writes tdecq_tdecq.png
    /usr/bin/python3 apps/sisim_plot.py cmp.h5                # sisim compare -o: writes cmp_compare.png
    /usr/bin/python3 apps/sisim_plot.py ck.h5                 # + ck_dsp.png (DSP eye, CDR phase)
    /usr/bin/python3 apps/sisim_plot.py j.h5                  # writes j_jtol.png (sisim jtol)
    /usr/bin/python3 apps/sisim_plot.py retimed.h5            # + retimed_hops.png (one eye per hop)

A sweep file (`sisim sweep`, /sweep/points) is drawn as a metric against one swept key (one line
per combination of the other swept keys) or two (a heat map); --select key=value fixes other
keys. Failed points (ok = 0) are left out.

Uses Debian's python3-numpy, python3-h5py and python3-matplotlib (no display needed).
Exit status: 0 ok, 2 bad input (missing file, not a sisim file).
"""
import argparse
import os
import sys

try:
    import h5py
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
except ImportError as e:  # pragma: no cover
    sys.exit(f"sisim_plot: {e}; install python3-h5py python3-matplotlib python3-numpy and run "
             "with /usr/bin/python3")


def draw_eye(f, path):
    g = f["eye/rx"]
    hist = g["histogram"][...].astype(float)
    t = g["time_ui"][...]
    v = g["voltage_v"][...]
    m = g["metrics"].attrs
    fig, ax = plt.subplots(figsize=(8, 6), dpi=110)
    # A noiseless eye is a few exact traces, each one voltage bin wide at each time bin: too thin
    # to see. For display only, spread such sparse histograms over a few voltage bins.
    occupied = hist[(hist.sum(axis=1) > 0)]
    smoothed = False
    if occupied.size and (occupied > 0).mean() < 0.3:
        k = np.exp(-0.5 * (np.arange(-6, 7) / 2.0) ** 2)
        hist = np.apply_along_axis(lambda c: np.convolve(c, k, mode="same"), 0, hist)
        smoothed = True
    with np.errstate(divide="ignore"):
        dens = np.where(hist > 0, np.log10(hist / hist.max()), np.nan)
    dt = t[1] - t[0]
    ax.imshow(dens, origin="lower", aspect="auto", cmap="inferno",
              extent=[t[0] - dt / 2, t[-1] + dt / 2, 1e3 * v[0], 1e3 * v[-1]])
    for th in m["thresholds_v"]:
        ax.axhline(1e3 * th, color="c", lw=0.6, ls="--")
    ax.axvline(0.0, color="c", lw=0.6, ls=":")
    eh = ", ".join(f"{1e3 * h:.1f}" for h in m["eye_height_v"])
    ew = ", ".join(f"{w:.3f}" for w in m["eye_width_ui"])
    ber = f["ber"].attrs
    ax.set_title(f"eye at slicer: EH [{eh}] mV, EW [{ew}] UI @ BER {m['target_ber']:.0e}\n"
                 f"{ber['symbols_compared']} symbols, SER {ber['ser']:.2e}, BER {ber['ber']:.2e}",
                 fontsize=9)
    ax.set_xlabel("time [UI] (0 = sampling instant)" + ("; display smoothed over ~5 voltage bins" if smoothed else ""))
    ax.set_ylabel("voltage [mV]")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def draw_channel(f, path):
    ch = f["channel"]
    fr = ch["frequency_hz"][...]
    s21 = ch["sdd21"][...]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
    with np.errstate(divide="ignore"):
        a1.plot(fr / 1e9, 20 * np.log10(np.abs(s21)), lw=1)
    ny = ch.attrs["nyquist_hz"]
    a1.axvline(ny / 1e9, color="r", lw=0.7, ls="--")
    a1.set_title(f"SDD21: {ch.attrs['loss_at_nyquist_db']:.2f} dB loss at {ny / 1e9:.4g} GHz", fontsize=9)
    a1.set_xlabel("frequency [GHz]")
    a1.set_ylabel("|SDD21| [dB]")
    a1.set_ylim(max(-80, a1.get_ylim()[0]), 3)
    a1.grid(alpha=0.3)
    if "response/pulse_response" in f:
        p = f["response/pulse_response"]
        dt, t0 = p.attrs["dt_s"], p.attrs["t0_s"]
        y = p[...]
        a2.plot(1e9 * (t0 + dt * np.arange(len(y))), 1e3 * y, lw=1, label="slicer (TX..CTLE)")
        c = p.attrs["cursor_index"]
        a2.plot(1e9 * (t0 + dt * c), 1e3 * y[c], "ro", ms=4, label="main cursor")
    pc = ch["pulse_response"]
    yc = pc[...]
    a2.plot(1e9 * (pc.attrs["t0_s"] + pc.attrs["dt_s"] * np.arange(len(yc))), 1e3 * yc * 0.5,
            lw=0.8, alpha=0.7, label="channel only (1 V pulse x 0.5)")
    if "response/pulse_response" in f:  # zoom on the part of the slicer pulse above 0.5 % of its peak
        big = np.nonzero(np.abs(y) > 0.005 * np.abs(y).max())[0]
        t = 1e9 * (t0 + dt * np.arange(len(y)))
        span = t[big[-1]] - t[big[0]]
        a2.set_xlim(t[big[0]] - 0.2 * span, t[big[-1]] + 0.2 * span)
    a2.set_xlabel("time [ns]")
    a2.set_ylabel("pulse response [mV]")
    a2.legend(fontsize=8)
    a2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _col(t, name):
    v = t[name]
    if v.dtype.kind in "OS":
        return np.array([x.decode() if isinstance(x, bytes) else str(x) for x in v], dtype=object)
    return v


def draw_sweep(f, path, metric, x, y, select):
    t = f["sweep/points"][...]
    cols = list(t.dtype.names)
    units = dict(zip([c.decode() if isinstance(c, bytes) else c for c in f["sweep/points"].attrs["columns"]],
                     [u.decode() if isinstance(u, bytes) else u for u in f["sweep/points"].attrs["units"]]))
    keys = [k.decode() if isinstance(k, bytes) else k for k in f["sweep"].attrs["varied_keys"]]
    if not keys:
        raise ValueError("the sweep varies no key")
    metric = metric or ("eye_height_v[1]" if "eye_height_v[1]" in cols else "ser")
    if x is None and y is None and len(keys) == 2:
        y = keys[1]  # two swept keys and no choice made: the heat map of the grid
    x = x or keys[0]
    for name in [metric, x] + ([y] if y else []):
        if name not in cols:
            raise ValueError(f"no column '{name}' in /sweep/points (columns: {', '.join(cols)})")
    keep = t["ok"] == 1
    for sel in select:
        k, _, v = sel.partition("=")
        if k not in cols:
            raise ValueError(f"--select {sel}: no column '{k}'")
        c = _col(t, k)
        keep &= (c == v) if c.dtype == object else np.isclose(c.astype(float), float(v))
    t = t[keep]
    if len(t) == 0:
        raise ValueError("no successful point left to draw")
    lab = lambda n: f"{n} [{units[n]}]" if units.get(n) else n
    others = [k for k in keys if k not in (x, y)]
    others = [k for k in others if len(set(_col(t, k))) > 1]
    fig, ax = plt.subplots(figsize=(7, 5), dpi=110)
    if y is None:
        groups = sorted(set(tuple(_col(t, k)[i] for k in others) for i in range(len(t))), key=str)
        if len(groups) > 12:
            raise ValueError(f"{len(groups)} lines: fix some of {', '.join(others)} with --select")
        for g in groups:
            m = np.ones(len(t), bool)
            for k, v in zip(others, g):
                m &= _col(t, k) == v
            xs = _col(t, x)[m]
            order = np.argsort(xs)
            ax.plot(np.asarray(xs)[order], np.asarray(t[metric][m])[order], "o-", ms=3,
                    label=", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in zip(others, g)) or None)
        ax.set_xlabel(lab(x))
        ax.set_ylabel(lab(metric))
        if others:
            ax.legend(fontsize=7)
        if metric.startswith(("ser", "ber")) and np.all(t[metric][np.isfinite(t[metric])] >= 0):
            ax.set_yscale("symlog", linthresh=1e-12)
        ax.grid(alpha=0.3)
    else:
        if others:
            raise ValueError(f"a heat map needs the other swept keys fixed: --select one of {', '.join(others)}")
        xs, ys = np.unique(_col(t, x)), np.unique(_col(t, y))
        tick = lambda v: f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)
        z = np.full((len(ys), len(xs)), np.nan)
        for r in t:
            xv, yv = (v.decode() if isinstance(v, bytes) else v for v in (r[x], r[y]))
            z[np.searchsorted(ys, yv), np.searchsorted(xs, xv)] = r[metric]
        im = ax.pcolormesh(np.arange(len(xs) + 1), np.arange(len(ys) + 1), z, cmap="viridis", shading="flat")
        ax.set_xticks(np.arange(len(xs)) + 0.5, [tick(v) for v in xs], fontsize=7)
        ax.set_yticks(np.arange(len(ys)) + 0.5, [tick(v) for v in ys], fontsize=7)
        ax.set_xlabel(lab(x))
        ax.set_ylabel(lab(y))
        fig.colorbar(im, ax=ax, label=lab(metric))
    ax.set_title(f"{metric}: {len(t)} points of sweep {f['sweep'].attrs['hash']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def draw_tdecq(f, path):
    g = f["tdecq"]
    a = g.attrs
    hist = g["eye/histogram"][...].astype(float)
    t = g["eye/time_ui"][...]
    lv = g["eye/level"][...]
    unit = a["units"] if "units" in a else ""
    unit = unit.decode() if isinstance(unit, bytes) else str(unit)
    scale, shown = (1e3, "mW") if unit == "W" else (1.0, unit)
    fig, ax = plt.subplots(figsize=(8, 6), dpi=110)
    with np.errstate(divide="ignore"):
        dens = np.where(hist > 0, np.log10(hist / hist.max()), np.nan)
    dt = t[1] - t[0]
    dl = lv[1] - lv[0]
    ax.imshow(dens, origin="lower", aspect="auto", cmap="inferno",
              extent=[t[0] - dt / 2, t[-1] + dt / 2, scale * (lv[0] - dl / 2), scale * (lv[-1] + dl / 2)])
    p_ave, oma = a["p_ave"], a["oma_outer"]
    for th in (p_ave - oma / 3, p_ave, p_ave + oma / 3):
        ax.axhline(scale * th, color="c", lw=0.6, ls="--")
    for c in (-0.05, 0.05):  # the 0.04 UI windows at 0.45 and 0.55 UI (0 = eye centre)
        ax.axvspan(c - 0.02, c + 0.02, color="w", alpha=0.15)
    taps = ", ".join(f"{c:.3f}" for c in a["equalizer_taps"])
    ax.set_title(f"TDECQ {a['tdecq_db']:.2f} dB, Ceq {a['ceq_db']:.2f} dB, OMA_outer {scale * oma:.4g} {shown}, "
                 f"ER {a['extinction_ratio_db']:.2f} dB, RLM {a['rlm']:.3f}\nequalized eye; taps [{taps}]",
                 fontsize=9)
    ax.set_xlabel("time [UI] (0 = eye centre; shaded: the two 0.04 UI histogram windows)")
    ax.set_ylabel(f"signal [{shown}]")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def draw_compare(f, path):
    """`sisim compare -o` file: BER, margin, energy per bit and latency side by side, and each
    link's eye at the host slicer."""
    t = f["compare/table"][...]
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in t["name"]]
    arch = [a.decode() if isinstance(a, bytes) else str(a) for a in t["architecture"]]
    n = len(names)
    fig = plt.figure(figsize=(max(10, 3.2 * n), 8), dpi=100)
    x = np.arange(n)
    labels = [f"{nm}\n({a})" for nm, a in zip(names, arch)]
    panels = [("BER", None), ("margin_db", "noise margin [dB]"), ("power_pj_per_bit", "energy [pJ/bit]"),
              ("latency_s", "latency [ns]")]
    for i, (field, ylabel) in enumerate(panels):
        ax = fig.add_subplot(2, 4, i + 1)
        if field == "BER":
            floor = 1e-20
            ax.bar(x - 0.2, np.maximum(t["ber"], floor), 0.4, label="counted")
            ax.bar(x + 0.2, np.maximum(t["ber_statistical"], floor), 0.4, label="statistical")
            ax.set_yscale("log")
            ax.axhline(f["compare/table"].attrs.get("target_ber", 2.4e-4), color="r", lw=0.8, ls="--")
            ax.set_ylabel("BER (0 drawn at 1e-20)")
            ax.legend(fontsize=7)
        else:
            vals = t[field] * (1e9 if field == "latency_s" else 1.0)
            ax.bar(x, np.where(np.isfinite(vals), vals, 0.0))
            ax.set_ylabel(ylabel)
        ax.set_xticks(x)
        ax.set_xticklabels(labels, fontsize=6, rotation=30, ha="right")
    for i in range(n):
        key = f"compare/eye/{i}"
        if key not in f:
            continue
        g = f[key]
        ax = fig.add_subplot(2, n, n + i + 1)
        hist = g["histogram"][...].astype(float)
        tt = g["time_ui"][...]
        v = g["voltage_v"][...]
        with np.errstate(divide="ignore"):
            dens = np.where(hist > 0, np.log10(hist / max(hist.max(), 1)), np.nan)
        ax.imshow(dens, origin="lower", aspect="auto", cmap="inferno",
                  extent=[tt[0], tt[-1], 1e3 * v[0], 1e3 * v[-1]])
        ax.set_title(f"{names[i]}: slicer eye", fontsize=8)
        ax.set_xlabel("UI", fontsize=7)
        ax.set_ylabel("mV", fontsize=7)
def draw_dsp(f, path):
    """Receiver DSP: detector-input histogram per level (/eye/dsp) and the CDR phase (/cdr)."""
    has_cdr = "cdr" in f
    fig, axes = plt.subplots(1, 2 if has_cdr else 1, figsize=(12 if has_cdr else 7, 5), dpi=110)
    axes = np.atleast_1d(axes)
    g = f["eye/dsp"]
    h = g["level_histogram"][...].astype(float)
    v = g["value"][...]
    ax = axes[0]
    for lvl in range(h.shape[0]):
        with np.errstate(divide="ignore"):
            ax.semilogy(v, np.where(h[lvl] > 0, h[lvl] / max(h.sum(), 1), np.nan), lw=0.8, label=f"level {lvl}")
    for th in f["rx"].attrs["detector_thresholds"]:
        ax.axvline(th, color="k", lw=0.5, ls="--")
    eh = ", ".join(f"{x:.3g}" for x in np.atleast_1d(g.attrs["eye_height"]))
    ax.set_title(f"detector input ({f['rx'].attrs['detector']}); eye height [{eh}]\n"
                 f"SER counted {f['ber'].attrs['ser']:.3g}, statistical {f['ber'].attrs['ser_statistical']:.3g}",
                 fontsize=9)
    ax.set_xlabel("detector input [detector units]")
    ax.set_ylabel("fraction of UIs")
    ax.legend(fontsize=7)
    if has_cdr:
        c = f["cdr"]
        ph = c["phase_ui"][...]
        d = c["phase_ui"].attrs["decimation_ui"]
        ax = axes[1]
        ax.plot(np.arange(len(ph)) * d, ph, lw=0.6)
        tr = f["rx"].attrs["training_symbols"]
        ax.axvline(tr, color="r", lw=0.6, ls="--", label="end of training")
        ax.set_title(f"CDR {c.attrs['model']}: lock at UI {c.attrs['lock_ui']}, rms jitter "
                     f"{c.attrs['rms_jitter_ui']:.4f} UI, slope {c.attrs['phase_slope_ppm']:.1f} ppm", fontsize=9)
        ax.set_xlabel("UI (segment 0)")
        ax.set_ylabel("recovered phase [UI]")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def draw_hops(f, path):
    """A link of several hops: each hop's eye at its sampler, with its name, SER and TDECQ."""
    n = len(f["hop"])
    fig, axes = plt.subplots(1, n, figsize=(4.5 * n, 4.5), dpi=110)
    axes = np.atleast_1d(axes)
    for i in range(n):
        h = f[f"hop/{i}"]
        g = h["eye/rx"]
        hist = g["histogram"][...].astype(float)
        t = g["time_ui"][...]
        v = g["voltage_v"][...]
        with np.errstate(divide="ignore"):
            dens = np.where(hist > 0, np.log10(hist / hist.max()), np.nan)
        dt = t[1] - t[0]
        ax = axes[i]
        ax.imshow(dens, origin="lower", aspect="auto", cmap="inferno",
                  extent=[t[0] - dt / 2, t[-1] + dt / 2, 1e3 * v[0], 1e3 * v[-1]])
        name = h.attrs["name"]
        name = name.decode() if isinstance(name, bytes) else str(name)
        title = f"hop {i}: {name}\nSER {h['ber'].attrs['ser']:.2e} ({h.attrs['symbol_rate_bd'] / 1e9:.6g} GBd)"
        if "tdecq" in h and np.isfinite(h["tdecq"].attrs["tdecq_db"]):
            title += f", TDECQ {h['tdecq'].attrs['tdecq_db']:.2f} dB"
        ax.set_title(title, fontsize=8)
        ax.set_xlabel("time [UI]")
        if i == 0:
            ax.set_ylabel("voltage at the hop's sampler [mV]")
    b = f["ber"].attrs
    arch = f["link"].attrs["architecture"]
    arch = arch.decode() if isinstance(arch, bytes) else str(arch)
    fig.suptitle(f"{arch}: end to end {b['symbols_compared']} symbols, SER {b['ser']:.2e}, BER {b['ber']:.2e} "
                 f"(statistical BER {b['ber_statistical']:.2e})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def draw_jtol(f, path):
    g = f["jtol"]
    fr = g["frequency_hz"][...]
    a = g["amplitude_ui"][...]
    m = g["mask_ui"][...]
    fig, ax = plt.subplots(figsize=(7, 5), dpi=110)
    ax.loglog(fr, a, "o-", label="tolerated SJ (pk-pk)")
    ok = np.isfinite(m)
    if ok.any():
        ax.loglog(fr[ok], m[ok], "k--", label="mask (OIF CEI form, fb-scaled)")
    ax.axhline(g.attrs["eye_width_ui_statistical"], color="g", lw=0.6, ls=":",
               label="statistical eye width at the detector")
    ax.set_xlabel("SJ frequency [Hz]")
    ax.set_ylabel("SJ [UI pk-pk]")
    ax.set_title(f"JTOL, {g.attrs['cdr_model']} CDR, target BER {g.attrs['target_ber']:.3g}", fontsize=9)
    ax.grid(True, which="both", lw=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", help="sisim HDF5 output")
    ap.add_argument("--eye", help="eye PNG (default FILE_eye.png)")
    ap.add_argument("--channel", help="channel PNG (default FILE_channel.png)")
    ap.add_argument("--sweep", help="sweep plot PNG (default FILE_sweep.png)")
    ap.add_argument("--metric", help="sweep: column to draw (default eye_height_v[1], else ser)")
    ap.add_argument("--x", help="sweep: swept key on the x axis (default the first)")
    ap.add_argument("--y", help="sweep: second swept key: draws a heat map")
    ap.add_argument("--select", action="append", default=[], help="sweep: keep rows with key=value")
    ap.add_argument("--tdecq", help="TDECQ eye PNG (default FILE_tdecq.png)")
    ap.add_argument("--compare", help="comparison chart PNG of a `sisim compare -o` file (default FILE_compare.png)")
    ap.add_argument("--dsp", help="receiver DSP eye and CDR phase PNG (default FILE_dsp.png)")
    ap.add_argument("--jtol", help="jitter tolerance PNG (default FILE_jtol.png)")
    ap.add_argument("--hops", help="per-hop eyes of a link of several hops (default FILE_hops.png)")
    a = ap.parse_args(argv)
    if not os.path.exists(a.file):
        print(f"sisim_plot: {a.file}: no such file", file=sys.stderr)
        return 2
    stem = os.path.splitext(a.file)[0]
    try:
        with h5py.File(a.file, "r") as f:
            if "schema_version" not in f.attrs:
                print(f"sisim_plot: {a.file}: not a sisim file (no schema_version)", file=sys.stderr)
                return 2
            written = []
            if "sweep/points" in f:
                try:
                    draw_sweep(f, a.sweep or stem + "_sweep.png", a.metric, a.x, a.y, a.select)
                except ValueError as e:
                    print(f"sisim_plot: {a.file}: {e}", file=sys.stderr)
                    return 2
                written.append(a.sweep or stem + "_sweep.png")
            if "eye/rx" in f:
                draw_eye(f, a.eye or stem + "_eye.png")
                written.append(a.eye or stem + "_eye.png")
            if "channel" in f:
                draw_channel(f, a.channel or stem + "_channel.png")
                written.append(a.channel or stem + "_channel.png")
            if "eye/dsp" in f:
                draw_dsp(f, a.dsp or stem + "_dsp.png")
                written.append(a.dsp or stem + "_dsp.png")
            if "hop" in f and "link" in f:
                draw_hops(f, a.hops or stem + "_hops.png")
                written.append(a.hops or stem + "_hops.png")
            if "jtol" in f:
                draw_jtol(f, a.jtol or stem + "_jtol.png")
                written.append(a.jtol or stem + "_jtol.png")
            if "tdecq" in f:
                draw_tdecq(f, a.tdecq or stem + "_tdecq.png")
                written.append(a.tdecq or stem + "_tdecq.png")
            if "compare/table" in f:
                draw_compare(f, a.compare or stem + "_compare.png")
                written.append(a.compare or stem + "_compare.png")
    except OSError as e:
        print(f"sisim_plot: {a.file}: {e}", file=sys.stderr)
        return 2
    print("wrote " + ", ".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
