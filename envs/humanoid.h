// Humanoid: Gymnasium MuJoCo Humanoid-v5 semantics (gymnasium 1.2 defaults; models/humanoid.xml;
// frame_skip 5, dt = 0.003 × 5 = 0.015 s).
//
// Observation (348 with the defaults; float32; 14 bodies after the world):
//   | index   | quantity                                                   | note                |
//   | 0..21   | qpos[2:]: torso z, quaternion (w x y z), 17 hinge angles   | qpos[0:2] excluded  |
//   | 22..44  | qvel: torso linear (3), angular (3), 17 hinge velocities   |                     |
//   | 45..174 | cinert[1:]: 13 bodies × [Ixx Iyy Izz Ixy Ixz Iyz, m·d, m]   | MuJoCo's cinert     |
//   | 175..252| cvel[1:]: 13 bodies × [ω; v] at subtree_com[root]          | MuJoCo's cvel       |
//   | 253..269| qfrc_actuator[6:]: the 17 hinges' actuator forces          |                     |
//   | 270..347| cfrc_ext[1:]: 13 bodies × [torque; force], unclipped        | mj_rnePostConstraint |
// Each include_{cinert,cvel,qfrc_actuator,cfrc_ext}_in_observation=False drops its block;
// exclude_current_positions_from_observation=False prepends x, y.
// Action: (17,) in [−0.4, 0.4], written to ctrl.
// Reward: forward_reward_weight·ẋ_com + healthy_reward·healthy − ctrl_cost_weight·‖ctrl‖²
//         − clip(contact_cost_weight·‖cfrc_ext‖², contact_cost_range); ẋ_com from the whole
//         body's centre of mass (Gymnasium's mass_center = subtree_com of the world body).
// Terminated: not healthy (healthy_z_range[0] < z < healthy_z_range[1], strict; NaN is
// unhealthy) when terminate_when_unhealthy. Truncated: after max_episode_steps (1000).
// Reset: qpos0 + U(±reset_noise_scale), qvel = U(±reset_noise_scale).
#pragma once

#include <cmath>

#include "engine/forward.h"
#include "envs/rng.h"

namespace lockstep {

struct HumanoidConfig {
  int frame_skip = 5;
  int max_episode_steps = 1000;
  float forward_reward_weight = 1.25f;
  float ctrl_cost_weight = 0.1f;
  float contact_cost_weight = 5e-7f;
  float contact_cost_range[2] = {-INFINITY, 10.0f};
  float healthy_reward = 5.0f;
  int terminate_when_unhealthy = 1;
  float healthy_z_range[2] = {1.0f, 2.0f};  // torso z [m]
  float reset_noise_scale = 1e-2f;  // in qpos and qvel units
  int exclude_current_positions_from_observation = 1;
  int include_cinert_in_observation = 1;
  int include_cvel_in_observation = 1;
  int include_qfrc_actuator_in_observation = 1;
  int include_cfrc_ext_in_observation = 1;

  LS_HD int obs_dim(const ModelView& m) const {
    const int nb = m.size.nbody - 1;
    return m.size.nq - (exclude_current_positions_from_observation ? 2 : 0) + m.size.nv +
           (include_cinert_in_observation ? 10 * nb : 0) +
           (include_cvel_in_observation ? 6 * nb : 0) +
           (include_qfrc_actuator_in_observation ? m.size.nv - 6 : 0) +
           (include_cfrc_ext_in_observation ? 6 * nb : 0);
  }
  LS_HD bool needs_cfrc_ext() const {
    return include_cfrc_ext_in_observation || contact_cost_weight != 0.0f;
  }
  template <class F>
  void options(F&& f) {
    f("frame_skip", frame_skip);
    f("max_episode_steps", max_episode_steps);
    f("forward_reward_weight", forward_reward_weight);
    f("ctrl_cost_weight", ctrl_cost_weight);
    f("contact_cost_weight", contact_cost_weight);
    f("contact_cost_range_min", contact_cost_range[0]);
    f("contact_cost_range_max", contact_cost_range[1]);
    f("healthy_reward", healthy_reward);
    f("terminate_when_unhealthy", terminate_when_unhealthy);
    f("healthy_z_range_min", healthy_z_range[0]);
    f("healthy_z_range_max", healthy_z_range[1]);
    f("reset_noise_scale", reset_noise_scale);
    f("exclude_current_positions_from_observation", exclude_current_positions_from_observation);
    f("include_cinert_in_observation", include_cinert_in_observation);
    f("include_cvel_in_observation", include_cvel_in_observation);
    f("include_qfrc_actuator_in_observation", include_qfrc_actuator_in_observation);
    f("include_cfrc_ext_in_observation", include_cfrc_ext_in_observation);
  }
};

struct Humanoid {
  using Config = HumanoidConfig;
  static constexpr const char* kModelFile = "humanoid.xml";

  LS_HD static void reset(const ModelView& m, const Data& d, const Config& c, EnvRng& rng) {
    const float s = c.reset_noise_scale;
    for (int i = 0; i < m.size.nq; ++i) d.qpos()[i] = m.qpos0[i] + rng.uniform(-s, s);
    for (int i = 0; i < m.size.nv; ++i) d.qvel()[i] = rng.uniform(-s, s);
  }
  // x of the centre of mass of all bodies (subtree_com of the world body).
  LS_HD static float progress(const ModelView&, const Data& d, const Config&) {
    return d.subtree_com()[0];
  }
  LS_HD static void observe(const ModelView& m, const Data& d, const Config& c, float* obs) {
    int o = 0;
    const int nb = m.size.nbody;
    for (int i = c.exclude_current_positions_from_observation ? 2 : 0; i < m.size.nq; ++i)
      obs[o++] = d.qpos()[i];
    for (int i = 0; i < m.size.nv; ++i) obs[o++] = d.qvel()[i];
    if (c.include_cinert_in_observation)
      for (int k = 10; k < 10 * nb; ++k) obs[o++] = d.cinert()[k];
    if (c.include_cvel_in_observation)
      for (int k = 6; k < 6 * nb; ++k) obs[o++] = d.cvel()[k];
    if (c.include_qfrc_actuator_in_observation)
      for (int i = 6; i < m.size.nv; ++i) obs[o++] = d.qfrc_actuator()[i];
    if (c.include_cfrc_ext_in_observation)
      for (int k = 6; k < 6 * nb; ++k) obs[o++] = d.cfrc_ext()[k];
  }
  LS_HD static bool healthy(const Data& d, const Config& c) {
    const float z = d.qpos()[2];
    return c.healthy_z_range[0] < z && z < c.healthy_z_range[1];
  }
  LS_HD static bool terminated(const ModelView&, const Data& d, const Config& c) {
    return c.terminate_when_unhealthy && !healthy(d, c);
  }
  LS_HD static float reward(const ModelView& m, const Data& d, const Config& c,
                            float x_velocity) {
    float ctrl_cost = 0, contact = 0;
    for (int a = 0; a < m.size.nu; ++a) ctrl_cost += d.ctrl()[a] * d.ctrl()[a];
    if (c.contact_cost_weight != 0.0f)
      for (int k = 0; k < 6 * m.size.nbody; ++k) contact += d.cfrc_ext()[k] * d.cfrc_ext()[k];
    const float contact_cost =
        clampf(c.contact_cost_weight * contact, c.contact_cost_range[0], c.contact_cost_range[1]);
    return c.forward_reward_weight * x_velocity + (healthy(d, c) ? c.healthy_reward : 0.0f) -
           c.ctrl_cost_weight * ctrl_cost - contact_cost;
  }
};

}  // namespace lockstep
