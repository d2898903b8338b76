// CUDA launch code for the env layer: one thread per env runs envs/env_step.h, either whole in
// one kernel (StepLaunch::fused) or with the physics between env_step_begin and env_step_end
// run staged (kernels/staged_step.cuh) or in one on-chip launch (kernels/on_chip_step.cu), as
// the simulator's step_launch() says. Each env's translation unit (envs/ant_cuda.cu, …)
// instantiates it, so that the kernels compile in parallel.
#pragma once

#include "envs/registry.h"
#include "kernels/cuda_check.cuh"
#include "kernels/launch.cuh"
#include "kernels/on_chip_step.h"
#include "kernels/staged_step.cuh"

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

template <class Task, bool kSameStep>
__global__ void env_begin_kernel(const __grid_constant__ ModelView m,
                                 const __grid_constant__ StateView s,
                                 const typename Task::Config c, EnvBuffers b,
                                 const float* actions, const __grid_constant__ EnvShared e) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w < s.num_worlds)
    b.progress_before[w] = env_step_begin<Task, kSameStep>(m, s.world(w), c, b, w, actions, e);
}

template <class Task, bool kSameStep>
__global__ void env_end_kernel(const __grid_constant__ ModelView m,
                               const __grid_constant__ StateView s,
                               const typename Task::Config c, EnvBuffers b,
                               const __grid_constant__ EnvShared e) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w < s.num_worlds)
    env_step_end<Task, kSameStep>(m, s.world(w), c, b, w, e, b.progress_before[w]);
}

template <class Task, bool kSameStep>
void launch_env_step(const ModelView& m, const StateView& s, const typename Task::Config& c,
                     const EnvBuffers& b, const float* actions, const EnvShared& e,
                     cudaStream_t st, StepLaunch launch, int lanes) {
  const int blocks = blocks_for(s.num_worlds);
  // Refused before env_begin changes the env's buffers.
  if (launch == StepLaunch::on_chip) require_on_chip_fits(m, s.layout);
  if (launch == StepLaunch::fused) {
    env_step_kernel<Task, kSameStep><<<blocks, kBlock, 0, st>>>(m, s, c, b, actions, e);
    cuda_check_launch("env_step_kernel");
    return;
  }
  env_begin_kernel<Task, kSameStep><<<blocks, kBlock, 0, st>>>(m, s, c, b, actions, e);
  cuda_check_launch("env_begin_kernel");
  const float* hold = kSameStep ? nullptr : b.needs_reset;  // env_holds_state
  if (launch == StepLaunch::on_chip) {
    launch_on_chip_step(m, s, st, hold, c.frame_skip);
  } else {
    for (int k = 0; k < c.frame_skip; ++k) launch_staged_step(m, s, st, hold, lanes);
  }
  env_end_kernel<Task, kSameStep><<<blocks, kBlock, 0, st>>>(m, s, c, b, e);
  cuda_check_launch("env_end_kernel");
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
                   const EnvBuffers& b, const float* actions, const EnvShared& e, void* stream,
                   StepLaunch launch, int lanes) {
  const cudaStream_t st = static_cast<cudaStream_t>(stream);
  if (e.same_step) launch_env_step<Task, true>(m, s, c, b, actions, e, st, launch, lanes);
  else launch_env_step<Task, false>(m, s, c, b, actions, e, st, launch, lanes);
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
                                    const EnvBuffers&, const float*, const EnvShared&, void*,  \
                                    StepLaunch, int);                                         \
  template void cuda_env_reset<Task>(const ModelView&, const StateView&, const Task::Config&, \
                                     const EnvBuffers&, const EnvShared&, void*);

}  // namespace lockstep
