# shellcheck shell=bash
# Shared helpers for scripts/run.sh and scripts/test.sh (sourced, not run).
# Fresh Debian/Ubuntu machine: installs what is missing with apt-get (sudo only when not root),
# nothing when everything is present (machines without network included).

LS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LS_JOBS="$(nproc 2>/dev/null || echo 2)"

ls_log() { printf '\n==> %s\n' "$*"; }
ls_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

ls_sudo() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ls_apt_install PKG...: installs the packages that dpkg does not list as installed.
ls_apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || ls_die "missing packages ${missing[*]} and no apt-get: install them by hand"
  ls_log "apt-get install ${missing[*]}"
  ls_sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  ls_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
}

# C++ build dependencies: ls_install_build_deps build|tests (tests adds GoogleTest).
ls_install_build_deps() {
  local pkgs=(cmake g++ make libeigen3-dev libtinyxml2-dev)
  [ "${1:-}" = tests ] && pkgs+=(libgtest-dev)
  ls_apt_install "${pkgs[@]}"
  # CMake finds nvcc on PATH; the CUDA toolkit's default place is not always on it.
  if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ] && [ -z "${CUDACXX:-}" ]; then
    export CUDACXX=/usr/local/cuda/bin/nvcc
  fi
}

# True if a CUDA GPU is visible.
ls_have_gpu() { command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | grep -q GPU; }

# ls_cmake_build DIR CMAKE_ARGS...: configures (Release, LOCKSTEP_CUDA=AUTO unless overridden
# by $LOCKSTEP_CUDA) and builds every target with all cores.
ls_cmake_build() {
  local dir="$1"; shift
  ls_log "cmake build in $dir"
  cmake -S "$LS_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release \
    -DLOCKSTEP_CUDA="${LOCKSTEP_CUDA:-AUTO}" "$@"
  cmake --build "$dir" -j "$LS_JOBS"
}

# Sets LS_PY to a Python 3 that may pip install: $PYTHON or python3 when it allows it, else a
# virtualenv in .venv (Debian's python3 is "externally managed", PEP 668).
ls_setup_python() {
  local py="${PYTHON:-python3}"
  if ! command -v "$py" >/dev/null; then
    ls_apt_install python3 python3-dev python3-venv python3-pip
    py=python3
  fi
  local managed
  managed="$("$py" -c 'import os, sysconfig; print(int(os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))))')"
  if [ "$managed" = 1 ] || ! "$py" -m pip --version >/dev/null 2>&1; then
    if [ ! -x "$LS_ROOT/.venv/bin/python" ]; then
      "$py" -c 'import ensurepip, venv' 2>/dev/null || ls_apt_install python3-venv
      ls_log "creating virtualenv .venv (pip may not install into $py)"
      "$py" -m venv "$LS_ROOT/.venv"
    fi
    py="$LS_ROOT/.venv/bin/python"
  fi
  # Headers for building the extension.
  local inc
  inc="$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
  [ -f "$inc/Python.h" ] || ls_apt_install python3-dev
  LS_PY="$py"
  ls_log "python: $LS_PY ($("$LS_PY" --version 2>&1))"
}
