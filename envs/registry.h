// The environment implementation behind make_env: one Task (e.g. envs/ant.h) on a Simulator.
#pragma once

#include <string>

#include "envs/env_step.h"
#include "envs/vec_env.h"

namespace lockstep {

// Launches env_step_world / env_reset_world over every env on the device (envs/vec_env_cuda.cu).
template <class Task>
void cuda_env_step(const ModelView& m, const StateView& s, const typename Task::Config& c,
                   const EnvBuffers& b, int obs_dim, int act_dim, const float* actions,
                   bool same_step, uint64_t seed);
template <class Task>
void cuda_env_reset(const ModelView& m, const StateView& s, const typename Task::Config& c,
                    const EnvBuffers& b, int obs_dim, uint64_t seed);

}  // namespace lockstep
