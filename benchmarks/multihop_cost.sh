#!/bin/sh
# Cost of a multi-hop link against the sum of its hops run alone (issue 7: "a retimed link costs
# no more than the sum of its hops"). Each hop of PRESET is written out as a single-hop config
# (its hop.<i>.* tables as the plain tables; tx.rj = 1e-9 UI puts hops after the first on the
# jittered waveform path that a retimed hop takes), then CPU seconds (user + sys, 1 thread) are
# compared. Usage: benchmarks/multihop_cost.sh build/sisim models/links/retimed_112g_dr.toml [symbols]
set -eu
SISIM=$1; PRESET=$2; N=${3:-1000000}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 - "$PRESET" "$TMP" <<'PY'
import re, sys, tomllib
src, out = sys.argv[1], sys.argv[2]
cfg = tomllib.load(open(src, 'rb'))
H = cfg['link']['hops']
def emit(prefix, d, lines):
    scal = {k: v for k, v in d.items() if not isinstance(v, dict)}
    if scal:
        lines.append('[%s]' % prefix)
        for k, v in scal.items():
            lines.append('%s = %s' % (k, repr(v).replace("'", '"').replace('True', 'true').replace('False', 'false')))
    for k, v in d.items():
        if isinstance(v, dict): emit(prefix + '.' + k, v, lines)
for i in range(H):
    h = cfg['hop'][str(i)]
    lines = []
    sig = dict(cfg['signal'])
    if 'symbol_rate' in h: sig['symbol_rate'] = h['symbol_rate']
    emit('sim', cfg['sim'], lines); emit('signal', sig, lines); emit('eye', cfg['eye'], lines)
    lines.append('[link]'); lines.append('architecture = "%s"' % ('lpo' if h.get('optical') else 'electrical'))
    # the optical probe (output.optical_waveform_symbols: TX waveform + TDECQ) is done per
    # optical hop in the link: the optical hop alone does it too (electrical hops refuse it)
    if h.get('optical') and 'output' in cfg: emit('output', cfg['output'], lines)
    for k, v in h.items():
        if isinstance(v, dict):
            if k == 'tx' and i > 0: v = dict(v, rj=1e-9)
            emit(k, v, lines)
    open('%s/hop%d.toml' % (out, i), 'w').write('\n'.join(lines) + '\n')
print(H)
PY
cpu() { /usr/bin/time -f "%U %S" "$@" -q --set sim.threads=1 --set sim.symbols=$N -o "$TMP/o.h5" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'; }
total=0
for f in "$TMP"/hop*.toml; do
  t=$(cpu "$SISIM" run "$f"); echo "$(basename "$f") alone: $t s"; total=$(echo "$total + $t" | bc -l)
done
m=$(cpu "$SISIM" run "$PRESET")
echo "sum of hops: $total s; multi-hop link: $m s; ratio $(echo "$m / $total" | bc -l | cut -c1-5)"
