#!/usr/bin/env bash
# Installs the Debian 12 packages sisim needs (only those missing). Needs root or sudo.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config
      libeigen3-dev libfftw3-dev libhdf5-dev libboost-program-options-dev
      libtomlplusplus-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
      python3-numpy python3-h5py python3-matplotlib python3-pandas
      clang libclang-rt-14-dev  # clang: ASan/UBSan + libFuzzer stage (sanitize-and-fuzz.sh)
      # sweeps on clusters (issue 8): a one-node SLURM for the tests, OpenMPI for --mpi
      slurm-wlm munge openmpi-bin libopenmpi-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "sisim: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
