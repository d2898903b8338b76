// The Humanoid env's CUDA kernels (envs/env_kernels.cuh).
#include "envs/humanoid.h"
#include "envs/env_kernels.cuh"

namespace lockstep {
LS_ENV_INSTANTIATE(Humanoid)
}  // namespace lockstep
