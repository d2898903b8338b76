// HalfCheetah: Gymnasium MuJoCo HalfCheetah-v5 semantics (gymnasium 1.2 defaults;
// models/half_cheetah.xml; frame_skip 5, dt = 0.01 × 5 = 0.05 s).
//
// Observation (17 with the defaults; float32):
//   | index | quantity                                                   | note                 |
//   | 0..7  | qpos[1:]: rootz, rooty, bthigh, bshin, bfoot, fthigh, fshin, ffoot | rootx excluded |
//   | 8..16 | qvel: rootx, rootz, rooty and the six leg hinge velocities  |                      |
// exclude_current_positions_from_observation=False prepends rootx (18).
// Action: (6,) in [−1, 1], written to ctrl (gears 120, 90, 60, 120, 60, 30).
// Reward: forward_reward_weight·ẋ − ctrl_cost_weight·‖a‖², ẋ = Δ qpos[0] / dt.
// Terminated: never. Truncated: after max_episode_steps (1000).
// Reset: qpos0 + U(±reset_noise_scale), qvel = reset_noise_scale·N(0, 1).
#pragma once

#include "engine/forward.h"
#include "envs/rng.h"

namespace lockstep {

struct HalfCheetahConfig {
  int frame_skip = 5;
  int max_episode_steps = 1000;
  float forward_reward_weight = 1.0f;
  float ctrl_cost_weight = 0.1f;
  float reset_noise_scale = 0.1f;  // in qpos and qvel units
  int exclude_current_positions_from_observation = 1;

  LS_HD int obs_dim(const ModelView& m) const {
    return m.size.nq - (exclude_current_positions_from_observation ? 1 : 0) + m.size.nv;
  }
  LS_HD bool needs_cfrc_ext() const { return false; }
  template <class F>
  void options(F&& f) {
    f("frame_skip", frame_skip);
    f("max_episode_steps", max_episode_steps);
    f("forward_reward_weight", forward_reward_weight);
    f("ctrl_cost_weight", ctrl_cost_weight);
    f("reset_noise_scale", reset_noise_scale);
    f("exclude_current_positions_from_observation", exclude_current_positions_from_observation);
  }
};

struct HalfCheetah {
  using Config = HalfCheetahConfig;
  static constexpr const char* kModelFile = "half_cheetah.xml";

  LS_HD static void reset(const ModelView& m, const Data& d, const Config& c, EnvRng& rng) {
    const float s = c.reset_noise_scale;
    for (int i = 0; i < m.size.nq; ++i) d.qpos()[i] = m.qpos0[i] + rng.uniform(-s, s);
    for (int i = 0; i < m.size.nv; ++i) d.qvel()[i] = s * rng.normal();
  }
  LS_HD static float progress(const ModelView&, const Data& d, const Config&) {
    return d.qpos()[0];
  }
  LS_HD static void observe(const ModelView& m, const Data& d, const Config& c, float* obs) {
    int o = 0;
    for (int i = c.exclude_current_positions_from_observation ? 1 : 0; i < m.size.nq; ++i)
      obs[o++] = d.qpos()[i];
    for (int i = 0; i < m.size.nv; ++i) obs[o++] = d.qvel()[i];
  }
  LS_HD static bool terminated(const ModelView&, const Data&, const Config&) { return false; }
  LS_HD static float reward(const ModelView& m, const Data& d, const Config& c,
                            float x_velocity) {
    float ctrl_cost = 0;
    for (int a = 0; a < m.size.nu; ++a) ctrl_cost += d.ctrl()[a] * d.ctrl()[a];
    return c.forward_reward_weight * x_velocity - c.ctrl_cost_weight * ctrl_cost;
  }
};

}  // namespace lockstep
