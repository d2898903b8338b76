// Ant: Gymnasium MuJoCo Ant-v5 semantics (defaults of gymnasium 1.2, ant.xml, frame_skip 5).
//
// Observation (105 with the defaults; float32):
//   | index   | quantity                                   | source                       |
//   | 0..12   | qpos[2:]  torso z, torso quaternion, 8 joint angles | excluded: qpos[0:2] (x, y) |
//   | 13..26  | qvel      torso linear, angular, 8 joint velocities  |                      |
//   | 27..104 | cfrc_ext[1:] clipped to contact_force_range, 13 bodies × 6 | mj_rnePostConstraint |
// Action: (8,) in [−1, 1], written to ctrl (MuJoCo clamps to ctrlrange).
// Reward: forward_reward_weight·ẋ + healthy_reward·healthy − ctrl_cost_weight·‖a‖²
//         − contact_cost_weight·‖clip(cfrc_ext)‖², ẋ from the torso frame's x (xpos) over dt.
// Terminated: not healthy (state finite and healthy_z_range[0] ≤ z ≤ healthy_z_range[1]) when
// terminate_when_unhealthy. Truncated: after max_episode_steps (1000).
// Reset: qpos0 + U(±reset_noise_scale) on every qpos entry (quaternion not renormalised, as in
// Gymnasium), qvel = reset_noise_scale·N(0, 1).
#pragma once

#include "engine/forward.h"
#include "engine/post_constraint.h"
#include "envs/rng.h"

namespace lockstep {

// Options with Gymnasium's keyword names and Ant-v5 defaults.
struct AntConfig {
  int frame_skip = 5;
  int max_episode_steps = 1000;
  float forward_reward_weight = 1.0f;
  float ctrl_cost_weight = 0.5f;
  float contact_cost_weight = 5e-4f;
  float healthy_reward = 1.0f;
  int terminate_when_unhealthy = 1;
  float healthy_z_range[2] = {0.2f, 1.0f};
  float contact_force_range[2] = {-1.0f, 1.0f};
  float reset_noise_scale = 0.1f;
  int exclude_current_positions_from_observation = 1;
  int include_cfrc_ext_in_observation = 1;
  int main_body = 1;

  LS_HD int obs_dim(const ModelView& m) const {
    return m.size.nq - (exclude_current_positions_from_observation ? 2 : 0) + m.size.nv +
           (include_cfrc_ext_in_observation ? 6 * (m.size.nbody - 1) : 0);
  }
};

struct Ant {
  using Config = AntConfig;

  LS_HD static void reset(const ModelView& m, const Data& d, const Config& c, EnvRng& rng) {
    reset_world(m, d);
    const float s = c.reset_noise_scale;
    for (int i = 0; i < m.size.nq; ++i) d.qpos()[i] = m.qpos0[i] + rng.uniform(-s, s);
    for (int i = 0; i < m.size.nv; ++i) d.qvel()[i] = s * rng.normal();
    forward(m, d);
    rne_post_constraint(m, d);
  }

  LS_HD static float clipped_force(const ModelView& m, const Data& d, const Config& c, int k) {
    return clampf(d.cfrc_ext()[k], c.contact_force_range[0], c.contact_force_range[1]);
  }

  LS_HD static void observe(const ModelView& m, const Data& d, const Config& c, float* obs) {
    int o = 0;
    for (int i = c.exclude_current_positions_from_observation ? 2 : 0; i < m.size.nq; ++i)
      obs[o++] = d.qpos()[i];
    for (int i = 0; i < m.size.nv; ++i) obs[o++] = d.qvel()[i];
    if (c.include_cfrc_ext_in_observation)
      for (int k = 6; k < 6 * m.size.nbody; ++k) obs[o++] = clipped_force(m, d, c, k);
  }

  LS_HD static bool healthy(const ModelView& m, const Data& d, const Config& c) {
    bool finite = true;
    for (int i = 0; i < m.size.nq; ++i) finite = finite && is_finite(d.qpos()[i]);
    for (int i = 0; i < m.size.nv; ++i) finite = finite && is_finite(d.qvel()[i]);
    const float z = d.qpos()[2];
    return finite && c.healthy_z_range[0] <= z && z <= c.healthy_z_range[1];
  }

  // One env step from `action` (nu floats); returns the reward, sets *terminated.
  LS_HD static float step(const ModelView& m, const Data& d, const Config& c, const float* action,
                          bool* terminated) {
    const float x_before = d.xpos()[3 * c.main_body];
    for (int a = 0; a < m.size.nu; ++a) d.ctrl()[a] = action[a];
    for (int k = 0; k < c.frame_skip; ++k) lockstep::step(m, d);
    rne_post_constraint(m, d);
    const float dt = m.opt.timestep * c.frame_skip;
    const float x_velocity = (d.xpos()[3 * c.main_body] - x_before) / dt;
    float ctrl_cost = 0, contact_cost = 0;
    for (int a = 0; a < m.size.nu; ++a) ctrl_cost += action[a] * action[a];
    for (int k = 0; k < 6 * m.size.nbody; ++k) {
      const float f = clipped_force(m, d, c, k);
      contact_cost += f * f;
    }
    const bool ok = healthy(m, d, c);
    *terminated = !ok && c.terminate_when_unhealthy;
    return c.forward_reward_weight * x_velocity + (ok ? c.healthy_reward : 0.0f) -
           c.ctrl_cost_weight * ctrl_cost - c.contact_cost_weight * contact_cost;
  }
};

}  // namespace lockstep
