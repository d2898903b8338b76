// Launch shape shared by the physics kernels (kernels/cuda_backend.cu) and the env kernels
// (envs/env_kernels.cuh): one thread per world. And the steps' hold flags.
#pragma once

#include "engine/defs.h"

namespace lockstep {

// Threads per block. The step kernels use 185-222 registers per thread, so small blocks let the
// scheduler fill an SM's register file without a large remainder. No __launch_bounds__: capping
// the kernels at 5 blocks per SM (168 registers) was measured slower on the H200
// (bench/RESULTS.md, 2026-12-02).
constexpr int kBlock = 64;

inline int blocks_for(int n) { return (n + kBlock - 1) / kBlock; }

// hold: per-world flags (nullptr: none); a world with hold[w] != 0 runs the step's forward()
// calls but keeps its state, as step(m, d, false) (the env layer's NEXT_STEP episode starts).
LS_HD bool advances(const float* hold, int w) { return hold == nullptr || hold[w] == 0.0f; }

}  // namespace lockstep
