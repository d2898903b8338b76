// The environment implementation behind make_env: one Task (e.g. envs/ant.h) on a Simulator.
#pragma once

#include <string>

#include "envs/env_step.h"
#include "envs/vec_env.h"

namespace lockstep {

// Launches the env step / env_reset_world over every env on the device (envs/env_kernels.cuh),
// queued on `stream` (a cudaStream_t: the simulator's); `launch` and `lanes`: the simulator's
// step_launch() and world_lanes().
template <class Task>
void cuda_env_step(const ModelView& m, const StateView& s, const typename Task::Config& c,
                   const EnvBuffers& b, const float* actions, const EnvShared& e, void* stream,
                   StepLaunch launch, int lanes);
template <class Task>
void cuda_env_reset(const ModelView& m, const StateView& s, const typename Task::Config& c,
                    const EnvBuffers& b, const EnvShared& e, void* stream);

}  // namespace lockstep
