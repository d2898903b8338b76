#!/usr/bin/env bash
# Build, test and bench on a GPU machine that has CUDA, CMake and Python but none of the Debian
# -dev packages: their .deb files travel in .deps/ (apt-get download libeigen3-dev
# libtinyxml2-dev libtinyxml2-9 libgtest-dev googletest) and are unpacked under /tmp/deps;
# ../shared/models travels as .deps/shared/models, and wheels the image lacks (gymnasium,
# farama-notifications) as .deps/whl.
# Usage: bash bench/device_run.sh OUTDIR [MODE] [TREE.tgz ...]
#   full (default)  build, ptxas report, CUDA tests, memcheck, every bench row (~8 min: give it
#                   the whole 600 s of a call)
#   test            build, ptxas report, CUDA tests
#   bench           memcheck and every bench row (building first if needed)
#   minimal         for a short budget: GPU pytest first (only the Python module built), then
#                   the env-vs-physics rows of all four envs, Humanoid's largest batches and
#                   the env memcheck
#   quick           build and two Ant rows
#   pytest          build only the Python module and run the GPU pytest
#   profile-stages  ncu on the staged step's per-thread stages (constraint rows, mass matrix,
#                   smooth forces, integrator) of settled Ant and Humanoid worlds
#   bench-only      build lockstep-bench and stop (for commands that follow in the same call)
#   compare         the staged step (default) against the fused and on-chip kernels on the
#                   issue-5 rows
#   on-chip         the on-chip step first: its CUDA tests, its memcheck and synccheck, then its
#                   issue-5 rows beside the staged step's, from 1,024 to 262,144 worlds, then
#                   racecheck (at most 150 s)
#   ab              this tree's lockstep-bench against other source trees' on the issue-5 rows,
#                   row by row in turn; each TREE.tgz is a `git archive REF | gzip` (carry it
#                   in .deps/); the builds run side by side
#   profile         ncu on the warp-per-world solver (Ant, Humanoid), then (unless
#                   PROFILE_SOLVER_ONLY=1) the fused physics kernel and the env end kernel of Ant
#                   and Reacher (sections, and the source lines with the most warp-stall samples;
#                   built with -lineinfo)
# The build lives in build-device/ (git-ignored), so calls on the same warm machine share it.
set -uo pipefail
out="${1:?output directory}"
mode="${2:-full}"
case "$mode" in full|test|bench|bench-only|compare|on-chip|ab|minimal|quick|profile|pytest|profile-stages) ;; *) echo "unknown mode '$mode'" >&2; exit 2 ;; esac
trees=("${@:3}")
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-device"
deps=/tmp/deps
json=/tmp/bench-json  # per-row JSON stays on the machine: $out keeps the few files read back
mkdir -p "$deps" "$out" "$json"
# The reference models travel in .deps/shared (cp -r ../shared/models .deps/shared/).
[ -e "$root/../shared" ] || ln -s "$root/.deps/shared" "$root/../shared"
for f in "$root"/.deps/*.deb; do dpkg -x "$f" "$deps"; done
export CMAKE_PREFIX_PATH="$deps/usr:$deps/usr/lib/x86_64-linux-gnu/cmake:$deps/usr/share/eigen3/cmake"
export LD_LIBRARY_PATH="$deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
nvidia-smi -L | tee "$out/device.txt"

configure() {  # configure SOURCE BUILD
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DLOCKSTEP_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_CUDA_FLAGS=-lineinfo -DLOCKSTEP_PYTHON=ON -DLOCKSTEP_TESTS=ON \
    -DEigen3_DIR="$deps/usr/share/eigen3/cmake" \
    -DGTest_DIR="$deps/usr/lib/x86_64-linux-gnu/cmake/GTest" \
    -DTINYXML2_LIBRARY="$deps/usr/lib/x86_64-linux-gnu/libtinyxml2.so.9" \
    -DTINYXML2_INCLUDE_DIR="$deps/usr/include" >> "$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
}
configure "$root" $build
build_targets() {  # build_targets [TARGET...]: all targets without arguments
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$build" -j 16 "${targets[@]}" >> "$out/build.log" 2>&1 ||
    { grep -E "error" "$out/build.log" | head -30; exit 1; }
  grep -A4 "Compiling entry function" "$out/build.log" | grep -E "entry|Used|spill" > "$out/ptxas.txt"
}
gpu_pytest() {
  python3 -m pip install -q --no-index --no-deps --target /tmp/site "$root"/.deps/whl/*.whl
  PYTHONPATH=$build/python:/tmp/site python3 -m pytest -q -p no:cacheprovider "$root/tests/python/test_cuda.py" 2>&1 | tail -30 | tee "$out/pytest_cuda.txt"
}
# Env layer against physics alone on the env's own model (its integrator, frame_skip substeps).
# Arguments: env:model_file:frame_skip ...
env_rows() {
  for env in "$@"; do
    IFS=: read -r name file skip <<< "$env"
    $bench --env "$name" --num-worlds 4096,65536 --steps 6 --json "$json/env_$name.json" | tee -a "$out/bench.txt"
    $bench --model "$root/models/$file.xml" --substeps "$skip" --num-worlds 4096,65536 --steps 6 --json "$json/physics_$name.json" | tee -a "$out/bench.txt"
  done
}
env_memcheck() {
  compute-sanitizer --tool memcheck $bench --env humanoid --num-worlds 64 --steps 2 --repeats 1 >> "$out/memcheck.txt" 2>&1
}
# ncu on one launch (after warm-up) of the kernels matching KERNEL in `lockstep-bench ARGS...`:
# sections into $out/ncu.txt, the source lines and SASS opcodes with the most warp-stall samples
# into $out/ncu_lines.txt. NAME labels the run.
profile_kernel() {
  local name="$1" kernel="$2"; shift 2
  ncu --clock-control none --kernel-name-base demangled -k "regex:$kernel" --launch-skip "${NCU_SKIP:-3}" -c 1 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy \
    --section WarpStateStats --section LaunchStats --section SchedulerStats \
    --section InstructionStats --section SourceCounters -f -o "/tmp/$name" \
    $bench "$@" --steps 1 --repeats 1 >> "$out/ncu.log" 2>&1
  { echo "=== $name: lockstep-bench $*"; ncu -i "/tmp/$name.ncu-rep" --page details; } >> "$out/ncu.txt" 2>&1
  for view in cuda sass; do
    ncu -i "/tmp/$name.ncu-rep" --page source --csv --print-source $view > "/tmp/${name}_$view.csv" 2>&1
    { echo "=== $name ($view)"; python3 "$root/bench/ncu_hot_lines.py" "/tmp/${name}_$view.csv" 45; } >> "$out/ncu_lines.txt" 2>&1
  done
}
bench=$build/bench/lockstep-bench
: > "$out/build.log"

if [ "$mode" = bench-only ]; then
  build_targets lockstep-bench
  exit 0
fi

if [ "$mode" = compare ]; then  # the fused step kernel against the staged default
  build_targets lockstep-bench
  python3 "$root/bench/brax_contact_set.py" "$root/../shared/models/gymnasium/humanoid.xml" /tmp/humanoid_brax.xml
  for launch in staged fused on_chip; do
    $bench --model ant --integrator euler --num-worlds 4096,16384,65536,262144 --steps 10 --launch $launch | tee -a "$out/bench.txt"
    $bench --model ant --num-worlds 4096,65536 --steps 4 --launch $launch | tee -a "$out/bench.txt"
    $bench --model humanoid --integrator euler --substeps 1 --num-worlds 16384,65536 --steps 10 --launch $launch | tee -a "$out/bench.txt"
    $bench --model /tmp/humanoid_brax.xml --integrator euler --substeps 5 --num-worlds 65536 --steps 10 --launch $launch | tee -a "$out/bench.txt"
  done
  exit 0
fi

if [ "$mode" = on-chip ]; then
  build_targets lockstep-bench lockstep_tests
  $build/tests/cpp/lockstep_tests --gtest_filter='*Cuda*' > "$out/cuda_tests_full.txt" 2>&1
  grep -E "FAILED|PASSED|tests ran" "$out/cuda_tests_full.txt" | tee "$out/cuda_tests.txt"
  on_chip_sanitizer() {  # on_chip_sanitizer TOOL [SECONDS]: a short on-chip Ant run under it
    timeout "${2:-600}" compute-sanitizer --tool "$1" $bench --model ant --num-worlds 20 --steps 2 --repeats 1 --warmup 0.05 --launch on_chip >> "$out/sanitizer.txt" 2>&1
  }
  on_chip_sanitizer memcheck
  on_chip_sanitizer synccheck
  grep -E "ERROR SUMMARY" "$out/sanitizer.txt"
  python3 "$root/bench/brax_contact_set.py" "$root/../shared/models/gymnasium/humanoid.xml" /tmp/humanoid_brax.xml
  for launch in on_chip staged; do
    $bench --model ant --integrator euler --num-worlds 1024,4096,16384,65536,262144 --steps 10 --launch $launch | tee -a "$out/bench.txt"
    $bench --model ant --num-worlds 4096 --steps 4 --launch $launch | tee -a "$out/bench.txt"
    $bench --model /tmp/humanoid_brax.xml --integrator euler --substeps 5 --num-worlds 4096,65536 --steps 10 --launch $launch | tee -a "$out/bench.txt"
    $bench --model humanoid --integrator euler --substeps 1 --num-worlds 4096,65536 --steps 10 --launch $launch | tee -a "$out/bench.txt"
  done
  # racecheck last: it tracks every shared-memory access, so it is the slowest
  on_chip_sanitizer racecheck 150
  grep -E "ERROR SUMMARY" "$out/sanitizer.txt"
  exit 0
fi

if [ "$mode" = ab ]; then
  [ ${#trees[@]} -gt 0 ] || { echo "ab: name at least one TREE.tgz" >&2; exit 2; }
  python3 "$root/bench/brax_contact_set.py" "$root/../shared/models/gymnasium/humanoid.xml" /tmp/humanoid_brax.xml
  names=(this) bins=("$bench")
  build_targets lockstep-bench &
  for t in "${trees[@]}"; do
    name=$(basename "$t" .tgz)
    mkdir -p "/tmp/ab/$name"
    tar xzf "$t" -C "/tmp/ab/$name"
    [ -e /tmp/ab/shared ] || ln -s "$root/../shared" /tmp/ab/shared  # the trees' ../shared
    configure "/tmp/ab/$name" "/tmp/ab/build-$name"
    cmake --build "/tmp/ab/build-$name" -j 16 --target lockstep-bench > "$out/build-$name.log" 2>&1 &
    names+=("$name") bins+=("/tmp/ab/build-$name/bench/lockstep-bench")
  done
  wait
  for b in "${bins[@]}"; do [ -x "$b" ] || { echo "ab: $b was not built (see $out)" >&2; exit 1; }; done
  rows=("--model ant --integrator euler --num-worlds 1024,4096 --steps 10"
        "--model ant --integrator euler --num-worlds 16384,262144 --steps 10"
        "--model ant --num-worlds 4096 --steps 4"
        "--model humanoid --integrator euler --substeps 1 --num-worlds 4096,262144 --steps 10"
        "--model /tmp/humanoid_brax.xml --integrator euler --substeps 5 --num-worlds 4096,262144 --steps 10"
        "--env ant --num-worlds 4096 --steps 6")
  for row in "${rows[@]}"; do
    for k in "${!names[@]}"; do
      echo "=== ${names[$k]}: lockstep-bench $row" | tee -a "$out/ab.txt"
      # shellcheck disable=SC2086
      "${bins[$k]}" $row 2>&1 | tail -n +3 | tee -a "$out/ab.txt"
    done
  done
  exit 0
fi

if [ "$mode" = profile ]; then
  build_targets lockstep-bench
  # skip the warm-up's launches (1 s simulated), so the settled state is profiled
  NCU_SKIP=110 profile_kernel ant_solver warp_solve_kernel --model ant --integrator euler \
    --num-worlds 65536
  NCU_SKIP=340 profile_kernel humanoid_solver warp_solve_kernel --model humanoid \
    --integrator euler --num-worlds 65536
  [ "${PROFILE_SOLVER_ONLY:-0}" = 1 ] && exit 0
  profile_kernel ant_physics step_kernel --model ant --integrator euler --num-worlds 65536 --launch fused
  profile_kernel ant_env env_end_kernel --env ant --num-worlds 4096
  profile_kernel ant_env_physics step_kernel --model "$root/models/ant.xml" --num-worlds 4096 --launch fused
  profile_kernel reacher_env env_end_kernel --env reacher --num-worlds 65536
  profile_kernel reacher_physics step_kernel --model "$root/models/reacher.xml" --substeps 2 --num-worlds 65536 --launch fused
  exit 0
fi

if [ "$mode" = pytest ]; then
  build_targets _lockstep
  gpu_pytest
  exit 0
fi

if [ "$mode" = profile-stages ]; then
  build_targets lockstep-bench
  # launch counts of a settled state: 1 s simulated, one launch of each stage per physics step
  NCU_SKIP=330 profile_kernel humanoid_rows 'forward_stage_kernel<[^>]*4>' --model humanoid \
    --integrator euler --num-worlds 65536
  for stage in 1 4 5; do
    NCU_SKIP=104 profile_kernel ant_stage$stage "forward_stage_kernel<[^>]*$stage>" --model ant \
      --integrator euler --num-worlds 65536
  done
  NCU_SKIP=104 profile_kernel ant_integrator euler_finish_kernel --model ant --integrator euler \
    --num-worlds 65536
  exit 0
fi

if [ "$mode" = minimal ]; then
  # each result as early as it can come: the Python module first, the bench after
  build_targets _lockstep
  gpu_pytest
  build_targets lockstep-bench
  env_rows reacher:reacher:2 ant:ant:5 halfcheetah:half_cheetah:5 humanoid:humanoid:5
  $bench --model humanoid --integrator euler --substeps 1 --num-worlds 65536,131072,262144 --steps 10 | tee -a "$out/bench.txt"
  env_memcheck
  grep -E "ERROR SUMMARY" "$out/memcheck.txt"
  exit 0
fi

build_targets
if [ "$mode" = full ] || [ "$mode" = test ]; then
  $build/tests/cpp/lockstep_tests --gtest_filter='*Cuda*:Env*' > "$out/cuda_tests_full.txt" 2>&1
  grep -E "FAILED|PASSED|tests ran" "$out/cuda_tests_full.txt" | tee "$out/cuda_tests.txt"
  gpu_pytest
fi
[ "$mode" = test ] && exit 0

if [ "$mode" = quick ]; then
  $bench --model ant --integrator euler --num-worlds 4096,65536 --steps 20 --json "$json/ant_euler.json"
  exit 0
fi
# Memory checks first (short runs), so a time limit cuts bench rows rather than them.
compute-sanitizer --tool memcheck $bench --model ant --num-worlds 256 --steps 2 --repeats 1 > "$out/memcheck.txt" 2>&1
compute-sanitizer --tool memcheck $bench --model ant --num-worlds 20 --steps 2 --repeats 1 --warmup 0.05 --launch on_chip >> "$out/memcheck.txt" 2>&1
env_memcheck
grep -E "ERROR SUMMARY" "$out/memcheck.txt"
$bench --model ant --integrator euler --num-worlds 1024,4096,16384,65536,262144 --steps 10 --phases --json "$json/ant_euler.json" | tee -a "$out/bench.txt"
$bench --model ant --num-worlds 4096,65536 --steps 4 --json "$json/ant_rk4.json" | tee -a "$out/bench.txt"
$bench --model humanoid --integrator euler --substeps 1 --num-worlds 4096,16384,65536,262144 --steps 10 --phases --json "$json/humanoid.json" | tee -a "$out/bench.txt"
# Humanoid with Brax's contact set (shins and feet against the floor only), Euler, 5 substeps.
python3 "$root/bench/brax_contact_set.py" "$root/../shared/models/gymnasium/humanoid.xml" /tmp/humanoid_brax.xml
$bench --model /tmp/humanoid_brax.xml --integrator euler --substeps 5 --num-worlds 4096,16384,65536 --steps 10 --phases --json "$json/humanoid_brax.json" | tee -a "$out/bench.txt"
env_rows ant:ant:5 humanoid:humanoid:5 halfcheetah:half_cheetah:5 reacher:reacher:2
for env in ant reacher; do  # SAME_STEP's own end kernel (its reset runs forward())
  $bench --env $env --autoreset same_step --num-worlds 4096,65536 --steps 6 | tee -a "$out/bench.txt"
done
# Diagnostics: where Ant's time goes (same file with one option changed).
shared="$root/../shared/models/gymnasium"
sed 's/<option /<option solver="PGS" /' "$shared/ant.xml" > /tmp/ant_pgs.xml
sed 's/<option \(.*\)\/>/<option \1><flag contact="disable"\/><\/option>/' "$shared/ant.xml" > /tmp/ant_nocontact.xml
for variant in ant_pgs ant_nocontact; do
  $bench --model /tmp/$variant.xml --integrator euler --num-worlds 65536 --steps 10 | tail -1 | sed "s/^/$variant /" | tee -a "$out/bench.txt"
done
