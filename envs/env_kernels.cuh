// CUDA launch code for the env layer: one thread per env runs envs/env_step.h. Each env's
// translation unit (envs/ant_cuda.cu, …) instantiates it, so that the kernels compile in parallel.
#pragma once

#include "envs/registry.h"
#include "kernels/cuda_check.cuh"
#include "kernels/launch.cuh"

namespace lockstep {
namespace {

template <class Task, bool kSameStep>
__global__ void env_step_kernel(const __grid_constant__ ModelView m,
                                const __grid_constant__ StateView s,
                                const typename Task::Config c, EnvBuffers b,
                                const float* actions, const __grid_constant__ EnvShared e) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w < s.num_worlds) env_step_world<Task, kSameStep>(m, s.world(w), c, b, w, actions, e);
}

template <class Task>
__global__ void env_reset_kernel(const __grid_constant__ ModelView m,
                                 const __grid_constant__ StateView s,
                                 const typename Task::Config c, EnvBuffers b,
                                 const __grid_constant__ EnvShared e) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w >= s.num_worlds) return;
  b.episode_index[w] = 0;
  env_reset_world<Task>(m, s.world(w), c, b, w, e);
}

}  // namespace

template <class Task>
void cuda_env_step(const ModelView& m, const StateView& s, const typename Task::Config& c,
                   const EnvBuffers& b, const float* actions, const EnvShared& e, void* stream) {
  const cudaStream_t st = static_cast<cudaStream_t>(stream);
  if (e.same_step)
    env_step_kernel<Task, true><<<blocks_for(s.num_worlds), kBlock, 0, st>>>(m, s, c, b, actions, e);
  else
    env_step_kernel<Task, false><<<blocks_for(s.num_worlds), kBlock, 0, st>>>(m, s, c, b, actions, e);
  cuda_check_launch("env_step_kernel");
}

template <class Task>
void cuda_env_reset(const ModelView& m, const StateView& s, const typename Task::Config& c,
                    const EnvBuffers& b, const EnvShared& e, void* stream) {
  env_reset_kernel<Task><<<blocks_for(s.num_worlds), kBlock, 0,
                           static_cast<cudaStream_t>(stream)>>>(m, s, c, b, e);
  cuda_check_launch("env_reset_kernel");
}

#define LS_ENV_INSTANTIATE(Task)                                                            \
  template void cuda_env_step<Task>(const ModelView&, const StateView&, const Task::Config&,  \
                                    const EnvBuffers&, const float*, const EnvShared&, void*); \
  template void cuda_env_reset<Task>(const ModelView&, const StateView&, const Task::Config&, \
                                     const EnvBuffers&, const EnvShared&, void*);

}  // namespace lockstep
