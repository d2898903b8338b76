// The Reacher env's CUDA kernels (envs/env_kernels.cuh).
#include "envs/reacher.h"
#include "envs/env_kernels.cuh"

namespace lockstep {
LS_ENV_INSTANTIATE(Reacher)
}  // namespace lockstep
