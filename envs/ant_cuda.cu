// The Ant env's CUDA kernels (envs/env_kernels.cuh).
#include "envs/ant.h"
#include "envs/env_kernels.cuh"

namespace lockstep {
LS_ENV_INSTANTIATE(Ant)
}  // namespace lockstep
