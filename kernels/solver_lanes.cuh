// The warp solver's GPU lanes (SolverLanes) and the device queries that decide where it runs:
// shared by the staged step's solver kernels (kernels/warp_solver.cuh) and the on-chip step
// (kernels/on_chip_step.cu), which includes only this, not the staged kernels.
#pragma once

#include "engine/solver.h"
#include "engine/warp_solve.h"
#include "kernels/cuda_check.cuh"

namespace lockstep {
namespace {

constexpr int kWarpRows = 32;
constexpr unsigned kAllLanes = 0xffffffffu;
// Whole-warp worlds a block must be able to hold for the warp solver to be used
// (warp_solver_fits): a 32-byte sector of the world-fastest state holds one entry of 8 worlds,
// so such a block's loads of it are served by one fetch. Each launch picks its own block size
// (warp_solver_block_worlds).
constexpr int kWarpSolverWorlds = 8;

// Attribute `attr` of the current device.
inline int device_attribute(cudaDeviceAttr attr, const char* what) {
  int device = 0, value = 0;
  cuda_check(cudaGetDevice(&device), "cudaGetDevice");
  cuda_check(cudaDeviceGetAttribute(&value, attr, device), what);
  return value;
}

// The warp solver's scope: scalar rows (pyramidal cones), at most a lane per dof.
inline bool warp_solver_handles(const ModelView& m) {
  return m.opt.cone == kConePyramidal && m.size.nv <= 32 && m.size.nefc_max > 0;
}

// ... and the staged step's kernels fit its worlds in a block's `smem` bytes.
inline bool warp_solver_fits(const ModelView& m, size_t smem) {
  return warp_solver_handles(m) &&
         warp_solver_smem_bytes(warp_solver_layout(m, kWarpRows), kWarpSolverWorlds) <= smem &&
         warp_solver_smem_bytes(warp_solver_layout(m, 2 * kWarpRows), 1) <= smem;
}

// The lanes that solve one world: kLanes consecutive lanes of a warp, the whole warp or half of
// it. Shuffles, sums, ballots and syncs name only these lanes, so the two worlds of a warp may
// branch apart (their row counts and iterations differ) without a divergent shuffle.
template <int N>
struct SolverLanes {
  static constexpr int kLanes = N;
  static_assert(kLanes == 16 || kLanes == 32, "a world takes half a warp or a whole one");
  static constexpr int kShift = kLanes == 32 ? 5 : 4;  // log2(kLanes)
  int lane;       // 0 ≤ lane < kLanes
  int base;       // the world's first lane in the warp
  unsigned mask;  // the world's lanes
  __device__ SolverLanes()
      : lane(threadIdx.x & (kLanes - 1)),
        base(threadIdx.x & 31 & ~(kLanes - 1)),
        mask(kLanes == 32 ? kAllLanes : 0xffffu << base) {}
  template <class T>
  __device__ T shfl(T v, int src) const { return __shfl_sync(mask, v, src, kLanes); }
  __device__ float sum(float x) const {
    for (int offset = kLanes / 2; offset > 0; offset >>= 1)
      x += __shfl_xor_sync(mask, x, offset, kLanes);
    return x;  // the same bits in every lane: each level adds the same two values
  }
  __device__ unsigned ballot(bool p) const { return __ballot_sync(mask, p) >> base; }
  __device__ void sync() const { __syncwarp(mask); }
};

// The kernel's dynamic shared memory limit raised to the device's whole per-block budget.
template <class Kernel>
void opt_into_block_smem(Kernel kernel, size_t smem, const char* name) {
  cuda_check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  static_cast<int>(smem)),
             name);
}

}  // namespace
}  // namespace lockstep
