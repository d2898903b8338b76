#!/usr/bin/env bash
# First command on a fresh machine: installs the build dependencies, builds Lockstep (Release,
# CUDA backend if nvcc is found) into build/ and runs the bench on the best device: CUDA if a GPU
# is visible and the build has CUDA, else the CPU. Extra arguments go to lockstep-bench.
#   bash scripts/run.sh [--steps 100 --num-worlds 4096 ...]   (later flags win)
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$LS_ROOT"

ls_install_build_deps build
ls_cmake_build build -DLOCKSTEP_TESTS=OFF -DLOCKSTEP_BENCH=ON -DLOCKSTEP_PYTHON=OFF

# A short run that finishes in about a minute on 2 CPU cores; on a GPU, larger batches.
device=cpu
args=(--num-worlds 1024 --steps 20 --repeats 3)
if ls_have_gpu && grep -q '^CMAKE_CUDA_COMPILER:.*nvcc' build/CMakeCache.txt; then
  device=cuda
  args=(--num-worlds 4096,65536 --steps 20)
fi

bench=build/bench/lockstep-bench
[ -x "$bench" ] || ls_die "$bench was not built"
ls_log "$bench --model ant ${args[*]} --device $device $*"
exec "$bench" --model ant "${args[@]}" --device "$device" "$@"
