// The HalfCheetah env's CUDA kernels (envs/env_kernels.cuh).
#include "envs/half_cheetah.h"
#include "envs/env_kernels.cuh"

namespace lockstep {
LS_ENV_INSTANTIATE(HalfCheetah)
}  // namespace lockstep
