// The constraint solve of the staged CUDA step with one warp per world: engine/solver.h's Newton
// and dense PGS, with the world's active Jacobian rows and its dense matrices in shared memory,
// vectors in registers (lane i holds dof i, lane k active row k) and products broadcast through
// shuffles. Thread-per-world, every solver loop walks a world's matrices in global memory, one
// dependent load after another: at 65,536 worlds the solve was 71-86% of a step
// (bench/RESULTS.md, 2026-12-03).
//
// Same iterations, tests and tolerances as solve_newton / solve_pgs; the sums are taken in
// another order (warp reductions), PGS multiplies by 1/AR_kk and Newton's factor by rsqrt of
// its pivots, so results agree with the thread-per-world solve to float32 rounding, not
// bitwise. Each world's arithmetic depends on nothing but its own data, so runs and batch sizes
// still give bitwise-identical results.
//
// Scope, decided per model (warp_solver_fits): pyramidal cones (every row scalar), nv ≤ 32 and
// one world's matrices in shared memory; other models keep the thread-per-world solve. Per world
// (SolverLaunch): up to kWarpRows active rows, one per lane (warp_solve_kernel), on half a warp
// where nv ≤ 16 and the world has up to 16 rows in batches of many waves (Ant's settled worlds
// have 0-8 active rows in 96 cases of 100, and a whole warp left 18 of its lanes idle); up to
// 2·kWarpRows, two per lane, found by a scan (warp_solve_scan_kernel; 0.1% of Humanoid's settled
// worlds, each alone on one thread had cost a 65,536-world step 5 ms); more rows (beyond dense
// PGS too) per thread (solver_fallback_kernel).
//
// The algorithm is engine/warp_solve.h, host and device code alike, which the CPU tests run with
// host threads as a world's lanes (tests/cpp/warp_solve_test.cc, also under ThreadSanitizer);
// this file has the GPU's lanes (SolverLanes), the kernels and their launches.
#pragma once

#include <algorithm>
#include <array>
#include <map>
#include <mutex>

#include "engine/solver.h"
#include "engine/warp_solve.h"
#include "kernels/cuda_check.cuh"
#include "kernels/launch.cuh"
#include "kernels/solver_lanes.cuh"

namespace lockstep {
namespace {

// The worlds with nactive ≤ l.rows (≤ G) active rows, G lanes each. Block:
// blockDim.x / G consecutive worlds. Registers bounded for four blocks of 256 threads per SM: 64
// (from 79, no spills), so 32 warps per SM instead of 24 where shared memory allows (Ant: 28.8 KB
// a block of 8 whole-warp worlds); ncu found the kernel latency-bound at 16.5 achieved warps per
// SM (2026-12-03). Five blocks would spill.
template <int G>
__global__ void __launch_bounds__(256, 4)
    warp_solve_kernel(const __grid_constant__ ModelView m, const __grid_constant__ StateView s,
                      const __grid_constant__ WarpSolverLayout l) {
  extern __shared__ float smem[];
  const int slot = threadIdx.x / G;
  const int world = blockIdx.x * (blockDim.x / G) + slot;
  if (world >= s.num_worlds) return;  // whole worlds
  const Data d = s.world(world);
  const int nactive = active_rows(d);
  if (nactive <= l.rows)
    warp_solve_world<1>(m, d, smem + slot * l.floats, l, nactive, SolverLanes<G>());
}

// Worlds per block of warp_solve_kernel<G> (blocks of at most 256 threads): of three sizes, the
// one with the most resident worlds per SM, ties to the larger. Humanoid under PGS (80.9 KB for 8
// worlds) was held to two blocks, 16 warps per SM, by shared memory (ncu, 2026-12-03); in blocks
// of 4 it can hold 20 or more. resident: worlds per SM at that size.
template <int G>
int warp_solver_block_worlds(const WarpSolverLayout& l, int* resident) {
  int best = 256 / G, best_worlds = 0;
  for (int worlds = 256 / G; worlds >= 64 / G; worlds /= 2) {
    int blocks = 0;
    cuda_check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
                   &blocks, warp_solve_kernel<G>, G * worlds, warp_solver_smem_bytes(l, worlds)),
               "cudaOccupancyMaxActiveBlocksPerMultiprocessor (warp_solve_kernel)");
    if (blocks * worlds > best_worlds) {
      best = worlds;
      best_worlds = blocks * worlds;
    }
  }
  *resident = best_worlds;
  return best;
}

// The worlds with first_rows ≤ nactive ≤ l.rows (l.rows ≤ 32·kRpl), for classes of worlds too
// rare for a launch of their own: a one-warp block scans `scan` consecutive worlds, 32 at a time
// (a lane each), and solves those it finds one after another. kRpl = 1: registers bounded for
// 24 blocks per SM (80, no spills beyond 4 bytes), not the 124 it would take.
template <int kRpl>
__global__ void __launch_bounds__(32, kRpl == 1 ? 24 : 16)
    warp_solve_scan_kernel(const __grid_constant__ ModelView m, const __grid_constant__ StateView s,
                           const __grid_constant__ WarpSolverLayout l, int first_rows, int scan) {
  extern __shared__ float smem[];
  const int lane = threadIdx.x & 31, first = static_cast<int>(blockIdx.x) * scan;
  const int end = min(first + scan, s.num_worlds);
  for (int base = first; base < end; base += 32) {
    const int nactive = base + lane < end ? active_rows(s.world(base + lane)) : 0;
    unsigned found = __ballot_sync(kAllLanes, base + lane < end && nactive >= first_rows &&
                                                  nactive <= l.rows);
    while (found) {
      const int j = __ffs(found) - 1;
      found &= found - 1;
      warp_solve_world<kRpl>(m, s.world(base + j), smem, l, __shfl_sync(kAllLanes, nactive, j),
                             SolverLanes<32>());
    }
  }
}

// The whole solve, per thread, of each world beyond the warps' 2·kWarpRows rows (a per-world
// branch; such worlds are rarer still).
__global__ void solver_fallback_kernel(const __grid_constant__ ModelView m,
                                       const __grid_constant__ StateView s) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w < s.num_worlds && active_rows(s.world(w)) > 2 * kWarpRows) solve_constraint(m, s.world(w));
}

// One launch of warp_solve_kernel<G>.
struct LanesLaunch {
  int worlds = 0;  // per block
  WarpSolverLayout layout;
};

// Rows of a half-warp world, and worlds per one-warp block of the scans.
constexpr int kHalfWarpRows = 16;
constexpr int kMiddleScanWorlds = 32, kWideScanWorlds = 256;
// Batches of more than this many waves (worlds the SMs hold of the whole-warp kernel at once)
// solve their worlds of up to kHalfWarpRows rows on half a warp each where nv ≤ 16.
constexpr int kHalfWarpWaves = 8;

// How the solver stage of one model launches on one device: every world of up to kWarpRows rows
// on a whole warp, or, where nv ≤ 16 in batches of more than kHalfWarpWaves waves, the worlds
// of up to 16 rows on half a warp and the others (Ant: 0.02% of settled worlds) by a scan.
// H200, Ant, 2026-12-03 (sixth session), ns per world-step of the step (of the solver): half
// warps at 262,144 worlds 25.13 → 23.35 (11.69 → 10.31), at 65,536 29.48 → 28.98, but at 16,384
// (3.9 waves) 52.62 → 55.78 and at 4,096 (one wave) 135.1 → 153.7 (26.0 → 49.2): two worlds
// of a warp run one after the other where their iterations differ, so each world's solve takes
// longer, which only a batch of many waves hides. The same split for nv > 16 (whole warps,
// shared memory for 16 rows, then a scan) lost on the Humanoid (80.0 → 90.0 at 262,144: its
// 21% of worlds with 17-32 rows) though the Brax-set Humanoid gained (51.5 → 48.3 at 65,536).
struct SolverLaunch {
  bool warp = false;         // warps per world (warp_solver_fits), else a thread per world
  long long half_from = -1;  // more worlds than this: half warps (-1: never, nv > 16)
  LanesLaunch whole, half;
  WarpSolverLayout wide;
};

// The solver stage's launch for model m on the current device, decided on first use and kept:
// the device and occupancy queries behind it would otherwise run on every step. Keyed by what
// the decision reads (device, nv, cone, solver, whether there are rows).
inline SolverLaunch solver_launch(const ModelView& m) {
  static std::mutex mutex;
  static std::map<std::array<int, 5>, SolverLaunch> plans;
  int device = 0;
  cuda_check(cudaGetDevice(&device), "cudaGetDevice");
  const std::array<int, 5> key = {device, m.size.nv, m.opt.cone, uses_pgs(m.opt) ? 1 : 0,
                                  m.size.nefc_max > 0 ? 1 : 0};
  const std::lock_guard<std::mutex> lock(mutex);
  const auto found = plans.find(key);
  if (found != plans.end()) return found->second;
  SolverLaunch plan;
  // The largest dynamic shared memory a block may opt into.
  const size_t smem = device_attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin,
                                       "cudaDeviceGetAttribute (shared memory per block)");
  plan.warp = warp_solver_fits(m, smem);
  if (plan.warp) {
    opt_into_block_smem(warp_solve_kernel<32>, smem, "cudaFuncSetAttribute (warp_solve_kernel)");
    opt_into_block_smem(warp_solve_scan_kernel<2>, smem,
                        "cudaFuncSetAttribute (warp_solve_scan_kernel)");
    int resident = 0;
    plan.whole.layout = warp_solver_layout(m, kWarpRows);
    plan.whole.worlds = warp_solver_block_worlds<32>(plan.whole.layout, &resident);
    plan.wide = warp_solver_layout(m, 2 * kWarpRows);
    if (m.size.nv <= 16) {
      opt_into_block_smem(warp_solve_kernel<16>, smem, "cudaFuncSetAttribute (warp_solve_kernel)");
      opt_into_block_smem(warp_solve_scan_kernel<1>, smem,
                          "cudaFuncSetAttribute (warp_solve_scan_kernel)");
      plan.half_from = static_cast<long long>(kHalfWarpWaves) * resident *
                       device_attribute(cudaDevAttrMultiProcessorCount,
                                        "cudaDeviceGetAttribute (multiprocessors)");
      plan.half.layout = warp_solver_layout(m, kHalfWarpRows);
      plan.half.worlds = warp_solver_block_worlds<16>(plan.half.layout, &resident);
    }
  }
  plans.emplace(key, plan);
  return plan;
}

template <int G>
void launch_warp_solve(const ModelView& m, const StateView& s, cudaStream_t stream,
                       const LanesLaunch& plan) {
  const size_t smem = warp_solver_smem_bytes(plan.layout, plan.worlds);
  warp_solve_kernel<G><<<(s.num_worlds + plan.worlds - 1) / plan.worlds, G * plan.worlds, smem,
                         stream>>>(m, s, plan.layout);
  cuda_check_launch("warp_solve_kernel");
}

template <int kRpl>
void launch_warp_solve_scan(const ModelView& m, const StateView& s, cudaStream_t stream,
                            const WarpSolverLayout& l, int first_rows, int scan) {
  warp_solve_scan_kernel<kRpl><<<(s.num_worlds + scan - 1) / scan, 32,
                                 warp_solver_smem_bytes(l, 1), stream>>>(m, s, l, first_rows,
                                                                         scan);
  cuda_check_launch("warp_solve_scan_kernel");
}

// The constraint solve of every world: warps per world where the model allows
// (warp_solver_fits), else `thread_solve` (one thread per world).
inline void launch_solver_stage(const ModelView& m, const StateView& s, cudaStream_t stream,
                                void (*thread_solve)(ModelView, StateView, int)) {
  const SolverLaunch plan = solver_launch(m);
  if (!plan.warp) {
    thread_solve<<<blocks_for(s.num_worlds), kBlock, 0, stream>>>(m, s, 0);  // one lane a world
    cuda_check_launch("forward_stage_kernel (solver)");
    return;
  }
  if (plan.half_from >= 0 && s.num_worlds > plan.half_from) {
    launch_warp_solve<16>(m, s, stream, plan.half);
    // The 17-32-row worlds, in the whole-warp layout.
    launch_warp_solve_scan<1>(m, s, stream, plan.whole.layout, kHalfWarpRows + 1,
                              kMiddleScanWorlds);
  } else {
    launch_warp_solve<32>(m, s, stream, plan.whole);
  }
  launch_warp_solve_scan<2>(m, s, stream, plan.wide, kWarpRows + 1, kWideScanWorlds);
  solver_fallback_kernel<<<blocks_for(s.num_worlds), kBlock, 0, stream>>>(m, s);
  cuda_check_launch("solver_fallback_kernel");
}

}  // namespace
}  // namespace lockstep
