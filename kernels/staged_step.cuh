// The staged CUDA step: step() as a sequence of launches, each running one stage of it
// (engine/forward.h forward_stage, the integrator's pieces) over every world before the next.
// Each world's intermediates live in the global state between stages either way, so fusing the
// stages into one kernel keeps nothing on chip; it only makes every stage run at the occupancy
// of the largest (~200 registers, 8 warps per SM). Staged, each stage gets its own register
// count and launch shape: the solver stage runs a warp per world (kernels/warp_solver.cuh),
// which one kernel for all stages could not. On the H200 that made staged 2.5-3.5× faster than
// fused from 1,024 to 262,144 worlds (Ant; bench/RESULTS.md, 2026-12-03), so it is the default.
// In small batches the other stages give a world several lanes too (engine/lanes.h,
// staged_lanes_log2), with bitwise the same results. The warp solver takes its sums in another
// order, so staged and fused results agree to float32 rounding, not bitwise.
#pragma once

#include <array>
#include <climits>
#include <utility>

#include "engine/forward.h"
#include "engine/simulator.h"
#include "kernels/cuda_check.cuh"
#include "kernels/launch.cuh"
#include "kernels/warp_solver.cuh"

namespace lockstep {
namespace {

// This thread's world and its place among the world's 2^lanes_log2 lanes (engine/lanes.h);
// blocks are whole warps, so a world's lanes share one.
struct WorldLanes {
  int world;
  Lanes lanes;
};
__device__ inline WorldLanes world_lanes(int lanes_log2) {
  const int t = blockIdx.x * blockDim.x + threadIdx.x;
  const int count = 1 << lanes_log2;
  const int first = threadIdx.x & 31 & ~(count - 1);
  const unsigned mask = count == 32 ? 0xffffffffu : ((1u << count) - 1u) << first;
  return {t >> lanes_log2, Lanes{t & (count - 1), count, mask}};
}

// f(w, lanes) for this thread's world w: on its 2^lanes_log2 lanes (kSplit), or as a thread per
// world (OneLane). Kernels come in both forms, so the thread-per-world one keeps its own
// register count.
template <bool kSplit, class F>
__device__ void on_world(const StateView& s, int lanes_log2, F f) {
  if constexpr (kSplit) {
    const WorldLanes t = world_lanes(lanes_log2);
    if (t.world < s.num_worlds) f(t.world, t.lanes);
  } else {
    const int w = blockIdx.x * blockDim.x + threadIdx.x;
    if (w < s.num_worlds) f(w, OneLane{});
  }
}

// Stage kStage of every world.
template <int kStage, bool kSplit>
__global__ void forward_stage_kernel(const __grid_constant__ ModelView m,
                                     const __grid_constant__ StateView s, int lanes_log2) {
  on_world<kSplit>(s, lanes_log2,
                   [&](int w, auto lanes) { forward_stage<kStage>(m, s.world(w), lanes); });
}

template <bool kSplit>
__global__ void euler_finish_kernel(const __grid_constant__ ModelView m,
                                    const __grid_constant__ StateView s, const float* hold,
                                    int lanes_log2) {
  on_world<kSplit>(s, lanes_log2, [&](int w, auto lanes) {
    if (!advances(hold, w)) return;
    euler(m, s.world(w), lanes);
    finish_step(m, s.world(w), lanes);
  });
}

template <bool kSplit>
__global__ void rk4_begin_kernel(const __grid_constant__ ModelView m,
                                 const __grid_constant__ StateView s, int lanes_log2) {
  on_world<kSplit>(s, lanes_log2, [&](int w, auto lanes) { rk4_begin(m, s.world(w), lanes); });
}

template <bool kSplit>
__global__ void rk4_stage_end_kernel(const __grid_constant__ ModelView m,
                                     const __grid_constant__ StateView s, int stage,
                                     const float* hold, int lanes_log2) {
  on_world<kSplit>(s, lanes_log2, [&](int w, auto lanes) {
    const bool advance = advances(hold, w);
    rk4_stage_end(m, s.world(w), stage, advance, lanes);
    if (stage == 3 && advance) finish_step(m, s.world(w), lanes);
  });
}

using StageKernel = void (*)(ModelView, StateView, int);

template <int... k>
constexpr std::array<StageKernel, sizeof...(k)> forward_stage_kernels(
    std::integer_sequence<int, k...>) {
  return {&forward_stage_kernel<k, false>...};
}
template <int... k>
constexpr std::array<StageKernel, sizeof...(k)> split_stage_kernels(
    std::integer_sequence<int, k...>) {
  return {&forward_stage_kernel<k, kStageTakesLanes[k]>...};
}
constexpr std::array<StageKernel, kForwardStages> kForwardStageKernels =
    forward_stage_kernels(std::make_integer_sequence<int, kForwardStages>());
// With lanes where the stage takes them, else the thread-per-world kernel.
constexpr std::array<StageKernel, kForwardStages> kSplitStageKernels =
    split_stage_kernels(std::make_integer_sequence<int, kForwardStages>());

// Lanes per world (log2) for the staged step of `num_worlds` worlds: 8 up to 48 worlds per SM,
// 4 up to 200, then 1. Measured on the H200 (132 SMs), Ant: 8 lanes fastest at 1,024 and 4,096
// worlds (1.5×, 1.3× one lane), 8 and 4 alike at 8,192, 4 at 16,384 and 24,576 (1.1×, 1.02×),
// 1 from 32,768; the Humanoids alike (bench/RESULTS.md, 2026-12-04, ninth session).
// `requested` > 0 overrides it (a power of two up to 32). Fewer lanes where the batch's thread
// count would not fit an int (the kernels' thread index); results are the same for any count.
inline int staged_lanes_log2(int num_worlds, int requested = 0) {
  int lanes = requested;
  if (lanes <= 0) {
    static const int sms = device_attribute(cudaDevAttrMultiProcessorCount,
                                            "cudaDeviceGetAttribute (multiprocessors)");
    const long long per_sm = num_worlds / sms;
    lanes = per_sm <= 48 ? 8 : (per_sm <= 200 ? 4 : 1);
  }
  int log2 = 0;
  while ((1 << log2) < lanes) ++log2;
  while (log2 > 0 && (static_cast<long long>(num_worlds) << log2) > INT_MAX) --log2;
  return log2;
}

inline int blocks_for_lanes(int num_worlds, int lanes_log2) {
  return blocks_for(num_worlds << lanes_log2);
}

// Stage `stage` of forward() for every world (no launch if the stage is empty for the model); the
// solver's with a warp per world where the model allows (kernels/warp_solver.cuh).
inline void launch_forward_stage(const ModelView& m, const StateView& s, cudaStream_t stream,
                                 int stage, int lanes_log2 = 0) {
  if (stage == kForwardStages - 1) {
    launch_solver_stage(m, s, stream, kForwardStageKernels[stage]);
    return;
  }
  if (forward_stage_is_empty(m, stage)) return;
  const int log2 = kStageTakesLanes[stage] ? lanes_log2 : 0;
  const StageKernel kernel = log2 > 0 ? kSplitStageKernels[stage] : kForwardStageKernels[stage];
  kernel<<<blocks_for_lanes(s.num_worlds, log2), kBlock, 0, stream>>>(m, s, log2);
  cuda_check_launch("forward_stage_kernel");
}

// Euler and finish_step of every world not held.
inline void launch_euler_finish(const ModelView& m, const StateView& s, cudaStream_t stream,
                                const float* hold, int lanes_log2) {
  const int blocks = blocks_for_lanes(s.num_worlds, lanes_log2);
  if (lanes_log2 > 0)
    euler_finish_kernel<true><<<blocks, kBlock, 0, stream>>>(m, s, hold, lanes_log2);
  else
    euler_finish_kernel<false><<<blocks, kBlock, 0, stream>>>(m, s, hold, 0);
  cuda_check_launch("euler_finish_kernel");
}

// forward() of every world, one launch per stage.
inline void launch_forward_stages(const ModelView& m, const StateView& s, cudaStream_t stream,
                                  int lanes_log2) {
  for (int stage = 0; stage < kForwardStages; ++stage)
    launch_forward_stage(m, s, stream, stage, lanes_log2);
}

// One step() of every world, staged; worlds flagged in `hold` keep their state (see advances).
// Lanes per world as staged_lanes_log2(num_worlds, lanes).
inline void launch_staged_step(const ModelView& m, const StateView& s, cudaStream_t stream,
                               const float* hold = nullptr, int lanes = 0) {
  const int lanes_log2 = staged_lanes_log2(s.num_worlds, lanes);
  const int blocks = blocks_for_lanes(s.num_worlds, lanes_log2);
  launch_forward_stages(m, s, stream, lanes_log2);
  if (m.opt.integrator != kIntRK4) {
    launch_euler_finish(m, s, stream, hold, lanes_log2);
    return;
  }
  if (lanes_log2 > 0) rk4_begin_kernel<true><<<blocks, kBlock, 0, stream>>>(m, s, lanes_log2);
  else rk4_begin_kernel<false><<<blocks, kBlock, 0, stream>>>(m, s, 0);
  cuda_check_launch("rk4_begin_kernel");
  for (int stage = 0; stage < 4; ++stage) {
    if (stage > 0) launch_forward_stages(m, s, stream, lanes_log2);
    if (lanes_log2 > 0)
      rk4_stage_end_kernel<true><<<blocks, kBlock, 0, stream>>>(m, s, stage, hold, lanes_log2);
    else
      rk4_stage_end_kernel<false><<<blocks, kBlock, 0, stream>>>(m, s, stage, hold, 0);
    cuda_check_launch("rk4_stage_end_kernel");
  }
}

}  // namespace
}  // namespace lockstep
