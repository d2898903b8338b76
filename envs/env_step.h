// The per-world env step shared by the CPU loop (envs/vec_env.cc) and the CUDA kernel
// (envs/env_kernels.cuh): actions → frame_skip physics steps → observation, reward, done →
// auto-reset, for one env. Host-only constructs (containers, exceptions, virtual calls) are
// kept out so that this compiles for the device unchanged.
//
// A Task (envs/ant.h, humanoid.h, half_cheetah.h, reacher.h) provides, all LS_HD and static:
//   reset(m, d, config, rng)       qpos/qvel of a new episode (the wrapper did reset_world)
//   progress(m, d, config)         coordinate whose change over dt is the forward velocity
//   observe(m, d, config, obs)     writes config.obs_dim(m) floats
//   reward(m, d, config, x_velocity)   the action is in d.ctrl()
//   terminated(m, d, config)
// and a Config with frame_skip, max_episode_steps, obs_dim(m), needs_cfrc_ext() and the
// keyword table options(f) (host only).
//
// Gymnasium's timing, which this reproduces: do_simulation = mj_step × frame_skip, then
// mj_rnePostConstraint. After mj_step the position-derived quantities (xpos, xipos, subtree_com,
// cinert, cvel, qfrc_actuator) are those of the last forward() inside the step, i.e. of the
// state before the last substep (Euler) or of RK4's last stage; qpos/qvel are the new state.
// Observations and rewards read them as they are, exactly as Gymnasium does. On reset
// Gymnasium runs mj_resetData + mj_forward, which leaves cfrc_ext zero.
#pragma once

#include "engine/forward.h"
#include "engine/post_constraint.h"
#include "envs/domain_randomization.h"
#include "envs/rng.h"
#include "envs/vec_env.h"

namespace lockstep {

// What every env's step and reset share besides the task's Config.
struct EnvShared {
  int obs_dim, act_dim;
  uint64_t seed;
  bool same_step;  // auto-reset SAME_STEP (else NEXT_STEP)
  DomainRandomization domain_randomization;
};

// The state of world w's new episode, before its forward(): reset noise and domain
// randomisation from the streams keyed by (seed, w, episode_index[w]).
template <class Task>
LS_HD void begin_episode(const ModelView& m, const Data& d, const typename Task::Config& c,
                         const EnvBuffers& b, int w, const EnvShared& e) {
  EnvRng rng = EnvRng::make(e.seed, static_cast<uint64_t>(w),
                            static_cast<uint64_t>(b.episode_index[w]));
  reset_world(m, d);
  randomize_params(m, d, e.domain_randomization, rng.substream(kDomainRandomizationStream));
  Task::reset(m, d, c, rng);
}

// World w once its new episode has been through forward(): the first observation and a fresh
// episode record. The step outputs (reward, flags, episode_return/length) are the caller's.
template <class Task>
LS_HD void finish_episode_start(const ModelView& m, const Data& d, const typename Task::Config& c,
                                const EnvBuffers& b, int w, const EnvShared& e) {
  for (int k = 0; k < 6 * m.size.nbody; ++k) d.cfrc_ext()[k] = 0;
  Task::observe(m, d, c, b.obs + static_cast<ptrdiff_t>(w) * e.obs_dim);
  b.step_count[w] = 0;
  b.running_return[w] = 0;
  b.needs_reset[w] = 0;
}

// The step outputs of an env whose episode starts: zero reward and flags.
LS_HD void zero_step_outputs(const EnvBuffers& b, int w) {
  b.reward[w] = 0;
  b.terminated[w] = 0;
  b.truncated[w] = 0;
  b.done[w] = 0;
  b.episode_return[w] = 0;
  b.episode_length[w] = 0;
}

// A new episode for world w: state, forward(), first observation and episode record.
template <class Task>
LS_HD void start_episode(const ModelView& m, const Data& d, const typename Task::Config& c,
                         const EnvBuffers& b, int w, const EnvShared& e) {
  begin_episode<Task>(m, d, c, b, w, e);
  forward(m, d);
  finish_episode_start<Task>(m, d, c, b, w, e);
}

// A new episode for world w with zero step outputs (reset()).
template <class Task>
LS_HD void env_reset_world(const ModelView& m, const Data& d, const typename Task::Config& c,
                           const EnvBuffers& b, int w, const EnvShared& e) {
  start_episode<Task>(m, d, c, b, w, e);
  zero_step_outputs(b, w);
}

// One env step of world w. actions: (num_envs, act_dim) row-major, copied into ctrl (the
// physics does not write ctrl, so the reward reads the action there). Non-finite entries act as
// 0 and set action_nonfinite[w] (the Python layer rejects them before they get here on the CPU).
// kSameStep: auto-reset SAME_STEP (a terminated episode restarts within this step) or
// NEXT_STEP (it restarts at the next step, ignoring that step's action).
// In three parts, so that the GPU can run the physics between them staged
// (envs/env_kernels.cuh): env_step_begin, frame_skip × step(m, d, !env_holds_state), env_step_end.
//
// nvcc compiles all of the physics slower (~3,600-5,000 extra R2UR moves in the SASS;
// bench/RESULTS.md, 2026-12-02) when forward() is called under a per-world branch that code
// follows. So a NEXT_STEP world that starts its episode here runs the same frame_skip step()
// calls as the others, holding its state (its last forward() is the reset's mj_forward), and the
// SAME_STEP reset after a terminated step is the step's last act (SAME_STEP never takes the
// NEXT_STEP start path).

// True while world w's step starts a NEXT_STEP episode: its physics steps hold the state.
template <bool kSameStep>
LS_HD bool env_holds_state(const EnvBuffers& b, int w) {
  return !kSameStep && b.needs_reset[w] != 0;  // NEXT_STEP: ended last step
}

// The actions into ctrl, or a NEXT_STEP episode's new state; returns Task::progress before the
// physics (the forward velocity's start point).
template <class Task, bool kSameStep>
LS_HD float env_step_begin(const ModelView& m, const Data& d, const typename Task::Config& c,
                           const EnvBuffers& b, int w, const float* actions, const EnvShared& e) {
  const int act_dim = e.act_dim;
  bool nonfinite = false;
  if (env_holds_state<kSameStep>(b, w)) {
    begin_episode<Task>(m, d, c, b, w, e);
  } else {
    for (int a = 0; a < act_dim; ++a) {
      const float x = actions[static_cast<ptrdiff_t>(w) * act_dim + a];
      nonfinite = nonfinite || !is_finite(x);
      d.ctrl()[a] = is_finite(x) ? x : 0.0f;
    }
  }
  b.action_nonfinite[w] = nonfinite ? 1.0f : 0.0f;
  return Task::progress(m, d, c);
}

// After the physics: observation, reward, termination, episode record and auto-reset.
template <class Task, bool kSameStep>
LS_HD void env_step_end(const ModelView& m, const Data& d, const typename Task::Config& c,
                        const EnvBuffers& b, int w, const EnvShared& e, float before) {
  const int obs_dim = e.obs_dim;
  if (env_holds_state<kSameStep>(b, w)) {
    finish_episode_start<Task>(m, d, c, b, w, e);
    zero_step_outputs(b, w);
    return;
  }
  if (c.needs_cfrc_ext()) rne_post_constraint(m, d);
  const float x_velocity = (Task::progress(m, d, c) - before) / (m.opt.timestep * c.frame_skip);
  const bool terminated = Task::terminated(m, d, c) || d.diverged()[0] != 0;
  const float reward = Task::reward(m, d, c, x_velocity);
  const float length = b.step_count[w] + 1;
  const bool truncated = length >= c.max_episode_steps;
  float* obs = b.obs + static_cast<ptrdiff_t>(w) * obs_dim;
  Task::observe(m, d, c, obs);
  const float ret = b.running_return[w] + reward;
  b.step_count[w] = length;
  b.running_return[w] = ret;
  b.reward[w] = reward;
  b.terminated[w] = terminated ? 1.0f : 0.0f;
  b.truncated[w] = truncated ? 1.0f : 0.0f;
  b.done[w] = terminated || truncated ? 1.0f : 0.0f;
  b.episode_return[w] = ret;  // the finished episode's, on the step that ends it
  b.episode_length[w] = length;
  if (!(terminated || truncated)) return;
  b.episode_index[w] += 1;
  if constexpr (kSameStep) {
    // The step's last act, so that no code follows this forward() (see above).
    float* final_obs = b.final_obs + static_cast<ptrdiff_t>(w) * obs_dim;
    for (int k = 0; k < obs_dim; ++k) final_obs[k] = obs[k];
    start_episode<Task>(m, d, c, b, w, e);  // obs becomes the new episode's
  } else {
    b.needs_reset[w] = 1;
  }
}

template <class Task, bool kSameStep>
LS_HD void env_step_world(const ModelView& m, const Data& d, const typename Task::Config& c,
                          const EnvBuffers& b, int w, const float* actions,
                          const EnvShared& e) {
  const bool starting = env_holds_state<kSameStep>(b, w);
  const float before = env_step_begin<Task, kSameStep>(m, d, c, b, w, actions, e);
  for (int k = 0; k < c.frame_skip; ++k) step(m, d, !starting);
  env_step_end<Task, kSameStep>(m, d, c, b, w, e, before);
}

}  // namespace lockstep
