// Launch shape shared by the physics kernels (kernels/cuda_backend.cu) and the env kernels
// (envs/vec_env_cuda.cu): one thread per world.
#pragma once

namespace lockstep {

// Threads per block. The step kernels use ~190 registers per thread, so small blocks let the
// scheduler fill an SM's register file without a large remainder.
constexpr int kBlock = 64;
// Blocks per SM the stepping kernels are compiled for (__launch_bounds__): 5 blocks of 64 cap
// a thread at 204 registers. The physics step fits under it as written (185); the env step
// (physics plus observation, reward and the reset path, 198-222 unbounded) is held to the same
// occupancy, since these kernels are latency-bound and occupancy is what hides the latency.
constexpr int kMinBlocksPerSm = 5;

inline int blocks_for(int n) { return (n + kBlock - 1) / kBlock; }

}  // namespace lockstep
