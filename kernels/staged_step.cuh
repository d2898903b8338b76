// The staged CUDA step: step() as a sequence of launches, each running one stage of it
// (engine/forward.h forward_stage, the integrator's pieces) over every world before the next.
// Each world's intermediates live in the global state between stages either way, so fusing the
// stages into one kernel keeps nothing on chip; it only makes every stage run at the occupancy
// of the largest (~200 registers, 8 warps per SM). Staged, each stage gets its own register
// count and launch shape: the solver stage runs a warp per world (kernels/warp_solver.cuh),
// which one kernel for all stages could not. On the H200 that made staged 2.5-3.5× faster than
// fused from 1,024 to 262,144 worlds (Ant; bench/RESULTS.md, 2026-12-03), so it is the default.
// The warp solver takes its sums in another order, so staged and fused results agree to float32
// rounding, not bitwise.
#pragma once

#include <array>
#include <utility>

#include "engine/forward.h"
#include "engine/simulator.h"
#include "kernels/cuda_check.cuh"
#include "kernels/launch.cuh"
#include "kernels/warp_solver.cuh"

namespace lockstep {
namespace {

template <int kStage>
__global__ void forward_stage_kernel(const __grid_constant__ ModelView m,
                                     const __grid_constant__ StateView s) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w < s.num_worlds) forward_stage(m, s.world(w), kStage);
}

// hold: per-world flags (nullptr: none); a world with hold[w] != 0 runs the step's forward()
// calls but keeps its state, as step(m, d, false) (the env layer's NEXT_STEP episode starts).
LS_HD bool advances(const float* hold, int w) { return hold == nullptr || hold[w] == 0.0f; }

__global__ void euler_finish_kernel(const __grid_constant__ ModelView m,
                                    const __grid_constant__ StateView s, const float* hold) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w >= s.num_worlds || !advances(hold, w)) return;
  euler(m, s.world(w));
  finish_step(m, s.world(w));
}

__global__ void rk4_begin_kernel(const __grid_constant__ ModelView m,
                                 const __grid_constant__ StateView s) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w < s.num_worlds) rk4_begin(m, s.world(w));
}

__global__ void rk4_stage_end_kernel(const __grid_constant__ ModelView m,
                                     const __grid_constant__ StateView s, int stage,
                                     const float* hold) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w >= s.num_worlds) return;
  const bool advance = advances(hold, w);
  rk4_stage_end(m, s.world(w), stage, advance);
  if (stage == 3 && advance) finish_step(m, s.world(w));
}

using StageKernel = void (*)(ModelView, StateView);

template <int... k>
constexpr std::array<StageKernel, sizeof...(k)> forward_stage_kernels(
    std::integer_sequence<int, k...>) {
  return {&forward_stage_kernel<k>...};
}
constexpr std::array<StageKernel, kForwardStages> kForwardStageKernels =
    forward_stage_kernels(std::make_integer_sequence<int, kForwardStages>());

// Stage `stage` of forward() for every world; the solver's with a warp per world where the
// model allows (kernels/warp_solver.cuh).
inline void launch_forward_stage(const ModelView& m, const StateView& s, cudaStream_t stream,
                                 int stage) {
  if (stage == kForwardStages - 1) {
    launch_solver_stage(m, s, stream, kForwardStageKernels[stage]);
    return;
  }
  kForwardStageKernels[stage]<<<blocks_for(s.num_worlds), kBlock, 0, stream>>>(m, s);
  cuda_check_launch("forward_stage_kernel");
}

// forward() of every world, one launch per stage.
inline void launch_forward_stages(const ModelView& m, const StateView& s, cudaStream_t stream) {
  for (int stage = 0; stage < kForwardStages; ++stage) launch_forward_stage(m, s, stream, stage);
}

// One step() of every world, staged; worlds flagged in `hold` keep their state (see advances).
inline void launch_staged_step(const ModelView& m, const StateView& s, cudaStream_t stream,
                               const float* hold = nullptr) {
  const int blocks = blocks_for(s.num_worlds);
  launch_forward_stages(m, s, stream);
  if (m.opt.integrator != kIntRK4) {
    euler_finish_kernel<<<blocks, kBlock, 0, stream>>>(m, s, hold);
    cuda_check_launch("euler_finish_kernel");
    return;
  }
  rk4_begin_kernel<<<blocks, kBlock, 0, stream>>>(m, s);
  cuda_check_launch("rk4_begin_kernel");
  for (int stage = 0; stage < 4; ++stage) {
    if (stage > 0) launch_forward_stages(m, s, stream);
    rk4_stage_end_kernel<<<blocks, kBlock, 0, stream>>>(m, s, stage, hold);
    cuda_check_launch("rk4_stage_end_kernel");
  }
}

}  // namespace
}  // namespace lockstep
