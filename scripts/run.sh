#!/usr/bin/env bash
# First command on a fresh machine: installs the build dependencies, builds Lockstep (Release,
# CUDA backend if nvcc is found) into build/ and runs the bench on the best device: CUDA if a GPU
# is visible and the build has CUDA, else the CPU. Extra arguments go to lockstep-bench.
#   bash scripts/run.sh [--steps 1000 ...]
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$LS_ROOT"

ls_install_build_deps build
ls_cmake_build build -DLOCKSTEP_TESTS=OFF -DLOCKSTEP_BENCH=ON -DLOCKSTEP_PYTHON=OFF

device=cpu
if ls_have_gpu && grep -q '^CMAKE_CUDA_COMPILER:.*nvcc' build/CMakeCache.txt; then device=cuda; fi

bench=build/bench/lockstep-bench
[ -x "$bench" ] || ls_die "$bench was not built (bench/ has no CMakeLists.txt yet?)"
ls_log "$bench --model ant --num-worlds 1024 --steps 200 --device $device $*"
exec "$bench" --model ant --num-worlds 1024 --steps 200 --device "$device" "$@"
