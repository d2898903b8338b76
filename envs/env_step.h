// The per-world env step shared by the CPU loop (envs/vec_env.cc) and the CUDA kernel
// (envs/vec_env_cuda.cu): step, observe, reward, done and auto-reset of one env.
#pragma once

#include "engine/forward.h"
#include "envs/rng.h"
#include "envs/vec_env.h"

namespace lockstep {

constexpr int kMaxActDim = 64;

template <class Task>
LS_HD void env_reset_world(const ModelView& m, const Data& d, const typename Task::Config& c,
                           const EnvBuffers& b, int w, int obs_dim, uint64_t seed) {
  EnvRng rng = EnvRng::make(seed, static_cast<uint64_t>(w),
                            static_cast<uint64_t>(b.episode_index[w]));
  Task::reset(m, d, c, rng);
  Task::observe(m, d, c, b.obs + static_cast<ptrdiff_t>(w) * obs_dim);
  b.reward[w] = 0;
  b.terminated[w] = 0;
  b.truncated[w] = 0;
  b.episode_return[w] = 0;
  b.episode_length[w] = 0;
  b.step_count[w] = 0;
  b.running_return[w] = 0;
  b.needs_reset[w] = 0;
}

// actions: (num_envs, act_dim) row-major. Non-finite entries act as 0.
template <class Task>
LS_HD void env_step_world(const ModelView& m, const Data& d, const typename Task::Config& c,
                          const EnvBuffers& b, int w, int obs_dim, int act_dim,
                          const float* actions, bool same_step, uint64_t seed) {
  if (b.needs_reset[w] != 0) {  // NEXT_STEP: the episode ended last step; this step resets
    env_reset_world<Task>(m, d, c, b, w, obs_dim, seed);
    return;
  }
  float act[kMaxActDim];
  for (int a = 0; a < act_dim; ++a) {
    const float x = actions[static_cast<ptrdiff_t>(w) * act_dim + a];
    act[a] = is_finite(x) ? x : 0.0f;
  }
  bool terminated = false;
  const float reward = Task::step(m, d, c, act, &terminated);
  const float length = b.step_count[w] + 1;
  const bool truncated = length >= c.max_episode_steps;
  float* obs = b.obs + static_cast<ptrdiff_t>(w) * obs_dim;
  Task::observe(m, d, c, obs);
  const float ret = b.running_return[w] + reward;
  b.step_count[w] = length;
  b.running_return[w] = ret;
  if (terminated || truncated) {
    b.episode_index[w] += 1;
    if (same_step) {
      float* final_obs = b.final_obs + static_cast<ptrdiff_t>(w) * obs_dim;
      for (int k = 0; k < obs_dim; ++k) final_obs[k] = obs[k];
      env_reset_world<Task>(m, d, c, b, w, obs_dim, seed);  // obs becomes the new episode's
    } else {
      b.needs_reset[w] = 1;
    }
  }
  b.reward[w] = reward;
  b.terminated[w] = terminated ? 1.0f : 0.0f;
  b.truncated[w] = truncated ? 1.0f : 0.0f;
  b.episode_return[w] = ret;  // the finished episode's, on the step that ends it
  b.episode_length[w] = length;
}

}  // namespace lockstep
