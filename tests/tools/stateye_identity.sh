#!/usr/bin/env bash
# Dumps every statistical-eye and statistical-SER output (hex floats) of several links with the
# given si_stateye_dump executable into OUTDIR/<case>.txt. Run it with two builds and compare:
#   tests/tools/stateye_identity.sh build_before/tests/si_stateye_dump before
#   tests/tools/stateye_identity.sh build/tests/si_stateye_dump after
#   diff -r before after && echo bit-identical
# and, where they differ on purpose, measure by how much (docs/validation.md):
#   tests/tools/stateye_compare.py before after
set -euo pipefail
exe=$(realpath "$1")
out=$2
cd "$(dirname "$0")/../.."
mkdir -p "$out"
L=models/links
J=(tx.rj=0.01 tx.sj=0.05 tx.sj_frequency=1e6 tx.dcd=0.02)
run() {
    local name=$1; shift
    echo "$name" >&2
    "$exe" "$@" > "$out/$name.txt"
}
run c2m_pam4            $L/c2m_112g_orthobp_12db.toml
run c2m_pam4_rj_sj_dcd  $L/c2m_112g_orthobp_12db.toml "${J[@]}"
run c2m_pam4_rj         $L/c2m_112g_orthobp_12db.toml tx.rj=0.015
run c2m_pam4_dcd        $L/c2m_112g_orthobp_12db.toml tx.dcd=0.03
run c2m_pam4_launch     $L/c2m_112g_orthobp_12db.toml tx.snr_model=\"launch\" tx.snr=30
NRZ=(signal.modulation=\"nrz\" signal.pattern=\"prbs31\")
run c2m_nrz             $L/c2m_112g_orthobp_12db.toml "${NRZ[@]}"
run c2m_nrz_noisy       $L/c2m_112g_orthobp_12db.toml "${NRZ[@]}" rx.noise_rms=\"12mV\"
run c2m_nrz_rj_sj_dcd   $L/c2m_112g_orthobp_12db.toml "${NRZ[@]}" "${J[@]}"
run c2m_pam8            $L/c2m_112g_orthobp_12db.toml signal.modulation=\"pam8\" signal.pattern=\"prbs31\"
run c2m_pam4_precode    $L/c2m_112g_orthobp_12db.toml signal.precode=true
run xtalk_pam4          $L/c2m_112g_orthobp_12db_xtalk.toml
run xtalk_pam4_rj_sj_dcd $L/c2m_112g_orthobp_12db_xtalk.toml "${J[@]}"
run l224_pam4           $L/lane_224g_synthetic_short.toml
run l224_pam4_sj        $L/lane_224g_synthetic_short.toml tx.sj=0.1 tx.sj_frequency=1e6
