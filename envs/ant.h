// Ant: Gymnasium MuJoCo Ant-v5 semantics (gymnasium 1.2 defaults; models/ant.xml; frame_skip 5,
// dt = 0.01 × 5 = 0.05 s).
//
// Observation (105 with the defaults; float32):
//   | index   | quantity                                                | note                        |
//   | 0..12   | qpos[2:]: torso z, torso quaternion (w x y z), 8 hinges | qpos[0:2] (x, y) excluded   |
//   | 13..26  | qvel: torso linear (3), angular (3), 8 hinge velocities |                             |
//   | 27..104 | cfrc_ext[1:] clipped to contact_force_range, 13 bodies × 6 [torque; force] |          |
// exclude_current_positions_from_observation=False prepends x, y (107); include_cfrc_ext_in_
// observation=False drops the 78 forces (27).
// Action: (8,) in [−1, 1], written to ctrl (the motors clamp to ctrlrange; gear 150).
// Reward: forward_reward_weight·ẋ + healthy_reward·healthy − ctrl_cost_weight·‖a‖²
//         − contact_cost_weight·‖clip(cfrc_ext)‖² (all bodies), ẋ = Δ xpos[main_body].x / dt.
// Terminated: not healthy (qpos, qvel finite and healthy_z_range[0] ≤ z ≤ healthy_z_range[1])
// when terminate_when_unhealthy. Truncated: after max_episode_steps (1000).
// Reset: qpos0 + U(±reset_noise_scale) on every qpos entry (the quaternion is not renormalised,
// as in Gymnasium), qvel = reset_noise_scale·N(0, 1).
#pragma once

#include "engine/forward.h"
#include "envs/rng.h"

namespace lockstep {

struct AntConfig {
  int frame_skip = 5;
  int max_episode_steps = 1000;
  float forward_reward_weight = 1.0f;
  float ctrl_cost_weight = 0.5f;
  float contact_cost_weight = 5e-4f;
  float healthy_reward = 1.0f;
  int terminate_when_unhealthy = 1;
  float healthy_z_range[2] = {0.2f, 1.0f};  // torso z [m]
  float contact_force_range[2] = {-1.0f, 1.0f};  // clip of cfrc_ext [N m, N]
  float reset_noise_scale = 0.1f;  // in qpos and qvel units
  int exclude_current_positions_from_observation = 1;
  int include_cfrc_ext_in_observation = 1;
  int main_body = 1;  // body whose frame origin gives ẋ ("torso")

  LS_HD int obs_dim(const ModelView& m) const {
    return m.size.nq - (exclude_current_positions_from_observation ? 2 : 0) + m.size.nv +
           (include_cfrc_ext_in_observation ? 6 * (m.size.nbody - 1) : 0);
  }
  LS_HD bool needs_cfrc_ext() const {
    return include_cfrc_ext_in_observation || contact_cost_weight != 0.0f;
  }
  // Gymnasium's keyword names (host only); ranges as NAME_min / NAME_max.
  template <class F>
  void options(F&& f) {
    f("frame_skip", frame_skip);
    f("max_episode_steps", max_episode_steps);
    f("forward_reward_weight", forward_reward_weight);
    f("ctrl_cost_weight", ctrl_cost_weight);
    f("contact_cost_weight", contact_cost_weight);
    f("healthy_reward", healthy_reward);
    f("terminate_when_unhealthy", terminate_when_unhealthy);
    f("healthy_z_range_min", healthy_z_range[0]);
    f("healthy_z_range_max", healthy_z_range[1]);
    f("contact_force_range_min", contact_force_range[0]);
    f("contact_force_range_max", contact_force_range[1]);
    f("reset_noise_scale", reset_noise_scale);
    f("exclude_current_positions_from_observation", exclude_current_positions_from_observation);
    f("include_cfrc_ext_in_observation", include_cfrc_ext_in_observation);
    f("main_body", main_body);
  }
};

struct Ant {
  using Config = AntConfig;
  static constexpr const char* kModelFile = "ant.xml";

  LS_HD static void reset(const ModelView& m, const Data& d, const Config& c, EnvRng& rng) {
    const float s = c.reset_noise_scale;
    for (int i = 0; i < m.size.nq; ++i) d.qpos()[i] = m.qpos0[i] + rng.uniform(-s, s);
    for (int i = 0; i < m.size.nv; ++i) d.qvel()[i] = s * rng.normal();
  }

  // The coordinate whose change over dt is the forward velocity.
  LS_HD static float progress(const ModelView&, const Data& d, const Config& c) {
    return d.xpos()[3 * c.main_body];
  }

  LS_HD static float clipped_force(const Data& d, const Config& c, int k) {
    return clampf(d.cfrc_ext()[k], c.contact_force_range[0], c.contact_force_range[1]);
  }

  LS_HD static void observe(const ModelView& m, const Data& d, const Config& c, float* obs) {
    int o = 0;
    for (int i = c.exclude_current_positions_from_observation ? 2 : 0; i < m.size.nq; ++i)
      obs[o++] = d.qpos()[i];
    for (int i = 0; i < m.size.nv; ++i) obs[o++] = d.qvel()[i];
    if (c.include_cfrc_ext_in_observation)
      for (int k = 6; k < 6 * m.size.nbody; ++k) obs[o++] = clipped_force(d, c, k);
  }

  LS_HD static bool healthy(const ModelView& m, const Data& d, const Config& c) {
    bool finite = true;
    for (int i = 0; i < m.size.nq; ++i) finite = finite && is_finite(d.qpos()[i]);
    for (int i = 0; i < m.size.nv; ++i) finite = finite && is_finite(d.qvel()[i]);
    const float z = d.qpos()[2];
    return finite && c.healthy_z_range[0] <= z && z <= c.healthy_z_range[1];
  }

  LS_HD static bool terminated(const ModelView& m, const Data& d, const Config& c) {
    return c.terminate_when_unhealthy && !healthy(m, d, c);
  }

  LS_HD static float reward(const ModelView& m, const Data& d, const Config& c,
                            float x_velocity) {
    float ctrl_cost = 0, contact_cost = 0;
    for (int a = 0; a < m.size.nu; ++a) ctrl_cost += d.ctrl()[a] * d.ctrl()[a];
    if (c.contact_cost_weight != 0.0f)
      for (int k = 0; k < 6 * m.size.nbody; ++k) {
        const float f = clipped_force(d, c, k);
        contact_cost += f * f;
      }
    return c.forward_reward_weight * x_velocity + (healthy(m, d, c) ? c.healthy_reward : 0.0f) -
           c.ctrl_cost_weight * ctrl_cost - c.contact_cost_weight * contact_cost;
  }
};

}  // namespace lockstep
