#!/usr/bin/env bash
# Second command: installs dependencies, builds and runs every test.
#   1. apt: build deps + GoogleTest;  pip: numpy, pytest, mujoco (the test oracle) and `pip install .`
#   2. C++: build/ with LOCKSTEP_TESTS=ON, then ctest
#   3. the lane tests again, built with ThreadSanitizer (build-tsan/)
#   4. Python: pytest tests/python
# Exits non-zero if any step fails (ctest and pytest both run, so one report shows both);
# "no tests" counts as a failure for both runners.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$LS_ROOT"
start=$SECONDS

ls_install_build_deps tests
ls_setup_python

ls_log "pip install test requirements"
"$LS_PY" -m pip install -q --disable-pip-version-check -r requirements-test.txt

# Without a GPU the wheel needs no CUDA backend: the C++ build below still compiles the kernels.
wheel_cuda=AUTO
ls_have_gpu || wheel_cuda=OFF
ls_log "pip install . (LOCKSTEP_CUDA=$wheel_cuda)"
"$LS_PY" -m pip install -q --disable-pip-version-check . \
  --config-settings=cmake.define.LOCKSTEP_CUDA=$wheel_cuda

ls_cmake_build build -DLOCKSTEP_TESTS=ON -DLOCKSTEP_BENCH=ON -DLOCKSTEP_PYTHON=OFF

failed=()
ls_log "ctest"
ctest --test-dir build --output-on-failure --no-tests=error -j "$LS_JOBS" || failed+=(ctest)

# The lane tests (tests/cpp/lanes_test.cc, warp_solve_test.cc) again under ThreadSanitizer: a
# read of another lane's write with no sync() between them, a race on the GPU, is one between
# the host threads that stand in for the lanes. One OpenMP thread: libgomp's own barriers are
# not instrumented, so its worker threads read as racing. setarch -R where the sandbox allows
# it: TSan refuses some kernels' randomised address space; if it still cannot run here, that is
# said and the step skipped (ctest ran these tests without it).
ls_cmake_build build-tsan -DLOCKSTEP_CUDA=OFF -DLOCKSTEP_BENCH=OFF -DLOCKSTEP_PYTHON=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS=-fsanitize=thread \
  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread
ls_log "lane tests under ThreadSanitizer"
tsan=(env OMP_NUM_THREADS=1)
setarch "$(uname -m)" -R true 2>/dev/null && tsan+=(setarch "$(uname -m)" -R)
set +e
"${tsan[@]}" build-tsan/tests/cpp/lockstep_tests --gtest_filter='*HostLane*:*WarpSolve*' \
  > build-tsan/lanes.log 2>&1
rc=$?
set -e
tail -3 build-tsan/lanes.log
if grep -q "FATAL: ThreadSanitizer" build-tsan/lanes.log; then
  echo "ThreadSanitizer cannot run here ($(grep -m1 FATAL build-tsan/lanes.log)): skipped" >&2
elif [ $rc -ne 0 ]; then
  grep -E "SUMMARY: ThreadSanitizer|FAILED" build-tsan/lanes.log | sort | uniq -c >&2
  failed+=(tsan)
fi

ls_log "pytest tests/python"
set +e
LOCKSTEP_BENCH_BIN="$LS_ROOT/build/bench/lockstep-bench" "$LS_PY" -m pytest tests/python -q -p no:cacheprovider
rc=$?
set -e
case $rc in
  0) ;;
  5) echo "pytest collected no tests" >&2; failed+=(pytest) ;;
  *) failed+=(pytest) ;;
esac

ls_log "done in $((SECONDS - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all tests passed"
