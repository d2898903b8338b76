// The on-chip CUDA step. A block takes a few worlds, a warp each, and copies their whole state
// from the global (world-fastest) buffer into shared memory. It runs n step()s there:
// engine/forward.h step_on_lanes, every stage split over the world's 32 lanes and the constraint
// solve by the warp solver (engine/warp_solve.h) in shared memory of its own. Then it copies the
// state back. Between the copies nothing of a world leaves the SM.
//
// The staged step, by contrast, keeps every intermediate in global memory between its launches.
// In small batches each stage is a chain of dependent global loads (bench/RESULTS.md, ninth
// session), and in large ones the state's traffic (Ant: 25.5 KB a world-step) bounds it.
//
// The whole state is copied, in and out. A step reads part of the last step's derived state
// before writing it: qM's structural zeros, the active-row list (nefc, efc_rowid, efc_active),
// contact_force and efc_force (poisoning each field in turn: bench/RESULTS.md, eleventh
// session). And it leaves stale entries and fields it does not compute (inactive rows, cacc).
// A copy of everything leaves the global state exactly as the staged step leaves it.
//
// In shared memory the block's worlds keep the world-fastest layout: entry j of slot w at
// j·pitch + w. That is the address the device's Data accessors compute, with num_worlds = pitch,
// so the physics code runs unchanged. The pitch is odd, so a world's 32 lanes reading 32
// consecutive entries hit 32 banks.
//
// Results: the stages are bitwise those of any lane count (engine/lanes.h). The solve is the
// warp solver's on 32 lanes up to 32 active rows, else solve_constraint on lane 0. The staged
// step's solver takes other splits in some batches, so the two launches agree to float32
// rounding; runs and batch sizes give bitwise-identical results.
#include "kernels/on_chip_step.h"

#include <array>
#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>

#include "engine/forward.h"
#include "engine/warp_solve.h"
#include "kernels/cuda_check.cuh"
#include "kernels/launch.cuh"
#include "kernels/solver_lanes.cuh"

namespace lockstep {
namespace {

// Worlds per block at most: 256 threads. Bounds (256, 1): 201 registers, 1,104 B stack, no
// spills; with (256) alone ptxas chose 128 registers and spilled 356 B (sm_90). Shared memory
// holds Ant to one such block per SM anyway.
constexpr int kOnChipMaxWorlds = 8;

// How the on-chip step launches for one model on one device.
struct OnChipLaunch {
  int worlds = 0;           // per block, a warp each (0: the model does not fit)
  int pitch = 0;            // floats between a state entry's worlds in shared memory: worlds | 1
  bool warp_solve = false;  // the warp solver (warp_solver_handles), else solve_constraint
  WarpSolverLayout solver;  // each world's, after the states
  size_t smem = 0;          // bytes per block
  size_t smem_limit = 0;    // bytes a block may use on the device
};

size_t on_chip_smem_bytes(const StateLayout& layout, const OnChipLaunch& p, int worlds) {
  const size_t state = static_cast<size_t>(worlds | 1) * layout.per_world;
  const size_t solver = p.warp_solve ? static_cast<size_t>(worlds) * p.solver.floats : 0;
  return sizeof(float) * (state + solver);
}

__global__ void __launch_bounds__(32 * kOnChipMaxWorlds, 1)
    on_chip_step_kernel(const __grid_constant__ ModelView m, const __grid_constant__ StateView s,
                        const __grid_constant__ OnChipLaunch p, const float* hold, int nstep) {
  extern __shared__ float smem[];
  const int first = blockIdx.x * p.worlds;
  const int worlds = min(p.worlds, s.num_worlds - first);
  const int per_world = s.layout.per_world;
  float* const global = s.base + first;
  copy_world_block(global, s.num_worlds, smem, p.pitch, worlds, per_world, threadIdx.x,
                   blockDim.x);
  __syncthreads();
  const int slot = threadIdx.x >> 5;
  if (slot < worlds) {
    const Data d{smem, s.device_layout, slot, p.pitch};
    const Lanes lanes{static_cast<int>(threadIdx.x & 31), 32, kAllLanes};
    const SolverLanes<32> g;
    float* const sh = p.warp_solve
                          ? smem + static_cast<size_t>(p.pitch) * per_world + slot * p.solver.floats
                          : nullptr;
    const bool advance = advances(hold, first + slot);
    for (int k = 0; k < nstep; ++k)
      step_on_lanes(m, d, lanes, advance,
                    [&](const Data& dw) { solve_on_lanes(m, dw, lanes, g, sh, p.solver); });
  }
  __syncthreads();
  copy_world_block(smem, p.pitch, global, s.num_worlds, worlds, per_world, threadIdx.x,
                   blockDim.x);
}

// The launch for model m on the current device, decided on first use and kept (the device and
// occupancy queries would otherwise run every step). Of 1-8 worlds a block, the size with the
// most worlds resident per SM; ties to the larger block.
OnChipLaunch on_chip_launch(const ModelView& m, const StateLayout& layout) {
  static std::mutex mutex;
  static std::map<std::array<int, 6>, OnChipLaunch> plans;
  int device = 0;
  cuda_check(cudaGetDevice(&device), "cudaGetDevice");
  const std::array<int, 6> key = {device, layout.per_world, m.size.nv, m.opt.cone,
                                  uses_pgs(m.opt) ? 1 : 0, m.size.nefc_max};
  const std::lock_guard<std::mutex> lock(mutex);
  const auto found = plans.find(key);
  if (found != plans.end()) return found->second;
  OnChipLaunch p;
  p.smem_limit = device_attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin,
                                  "cudaDeviceGetAttribute (shared memory per block)");
  p.warp_solve = warp_solver_handles(m);
  if (p.warp_solve) p.solver = warp_solver_layout(m, kWarpRows);
  opt_into_block_smem(on_chip_step_kernel, p.smem_limit,
                      "cudaFuncSetAttribute (on_chip_step_kernel)");
  int best_resident = 0;
  for (int worlds = kOnChipMaxWorlds; worlds >= 1; --worlds) {
    const size_t smem = on_chip_smem_bytes(layout, p, worlds);
    if (smem > p.smem_limit) continue;
    int blocks = 0;
    cuda_check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, on_chip_step_kernel,
                                                             32 * worlds, smem),
               "cudaOccupancyMaxActiveBlocksPerMultiprocessor (on_chip_step_kernel)");
    if (blocks * worlds > best_resident) {
      best_resident = blocks * worlds;
      p.worlds = worlds;
      p.pitch = worlds | 1;
      p.smem = smem;
    }
  }
  plans.emplace(key, p);
  return p;
}

// Throws std::invalid_argument if the plan holds no world.
void require_fits(const StateLayout& layout, const OnChipLaunch& p) {
  if (p.worlds > 0) return;
  char text[320];
  std::snprintf(text, sizeof text,
                "step_launch 'on_chip': one world of this model takes %.1f KB of shared memory "
                "(its state %.1f KB, the warp solver's %.1f KB), more than the %.1f KB a block "
                "may use on this device; use 'staged'",
                on_chip_smem_bytes(layout, p, 1) / 1024.0,
                sizeof(float) * layout.per_world / 1024.0,
                p.warp_solve ? sizeof(float) * p.solver.floats / 1024.0 : 0.0,
                p.smem_limit / 1024.0);
  throw std::invalid_argument(text);
}

}  // namespace

void require_on_chip_fits(const ModelView& m, const StateLayout& layout) {
  require_fits(layout, on_chip_launch(m, layout));
}

void launch_on_chip_step(const ModelView& m, const StateView& s, void* stream, const float* hold,
                         int nstep) {
  const OnChipLaunch p = on_chip_launch(m, s.layout);
  require_fits(s.layout, p);
  const int blocks = (s.num_worlds + p.worlds - 1) / p.worlds;
  on_chip_step_kernel<<<blocks, 32 * p.worlds, p.smem, static_cast<cudaStream_t>(stream)>>>(
      m, s, p, hold, nstep);
  cuda_check_launch("on_chip_step_kernel");
}

}  // namespace lockstep
