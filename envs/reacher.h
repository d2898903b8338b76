// Reacher: Gymnasium MuJoCo Reacher-v5 semantics (gymnasium 1.2 defaults; models/reacher.xml;
// frame_skip 2, dt = 0.01 × 2 = 0.02 s).
//
// Observation (10; float32):
//   | index | quantity                                   | note                              |
//   | 0..1  | cos(qpos[0]), cos(qpos[1])                 | joint0, joint1 angles             |
//   | 2..3  | sin(qpos[0]), sin(qpos[1])                 |                                   |
//   | 4..5  | qpos[2:4]: target x, y [m]                 |                                   |
//   | 6..7  | qvel[0:2]: joint0, joint1 velocities       |                                   |
//   | 8..9  | (xpos[fingertip] − xpos[target])[0:2] [m]  | Gymnasium's get_body_com = xpos   |
// Action: (2,) in [−1, 1], written to ctrl (gear 200).
// Reward: −reward_dist_weight·‖xpos[fingertip] − xpos[target]‖ − reward_control_weight·‖a‖².
// Terminated: never. Truncated: after max_episode_steps (50).
// Reset: arm qpos0 + U(±0.1), target uniform in the disk r < 0.2 (rejection sampling in the
// square ±0.2, as Gymnasium), arm qvel U(±0.005), target qvel 0.
#pragma once

#include "engine/forward.h"
#include "envs/rng.h"

namespace lockstep {

struct ReacherConfig {
  int frame_skip = 2;
  int max_episode_steps = 50;
  float reward_dist_weight = 1.0f;
  float reward_control_weight = 1.0f;
  int fingertip_body = 3;  // body ids, checked against the model's names by make_env
  int target_body = 4;

  LS_HD int obs_dim(const ModelView&) const { return 10; }
  LS_HD bool needs_cfrc_ext() const { return false; }
  template <class F>
  void options(F&& f) {
    f("frame_skip", frame_skip);
    f("max_episode_steps", max_episode_steps);
    f("reward_dist_weight", reward_dist_weight);
    f("reward_control_weight", reward_control_weight);
  }
};

struct Reacher {
  using Config = ReacherConfig;
  static constexpr const char* kModelFile = "reacher.xml";
  static constexpr int kMaxGoalDraws = 64;  // P(all rejected) = (1 − π/4)^64 ≈ 1e-43

  LS_HD static void reset(const ModelView& m, const Data& d, const Config&, EnvRng& rng) {
    for (int i = 0; i < m.size.nq; ++i) d.qpos()[i] = m.qpos0[i] + rng.uniform(-0.1f, 0.1f);
    float gx = 0, gy = 0;
    for (int k = 0; k < kMaxGoalDraws; ++k) {
      gx = rng.uniform(-0.2f, 0.2f);
      gy = rng.uniform(-0.2f, 0.2f);
      if (gx * gx + gy * gy < 0.04f) break;
    }
    d.qpos()[m.size.nq - 2] = gx;
    d.qpos()[m.size.nq - 1] = gy;
    for (int i = 0; i < m.size.nv; ++i) d.qvel()[i] = rng.uniform(-0.005f, 0.005f);
    d.qvel()[m.size.nv - 2] = 0;
    d.qvel()[m.size.nv - 1] = 0;
  }
  LS_HD static float progress(const ModelView&, const Data&, const Config&) { return 0; }
  LS_HD static float tip_to_target(const Data& d, const Config& c, int axis) {
    return d.xpos()[3 * c.fingertip_body + axis] - d.xpos()[3 * c.target_body + axis];
  }
  LS_HD static void observe(const ModelView& m, const Data& d, const Config& c, float* obs) {
    const Arr<float> q = d.qpos();
    obs[0] = cosf(q[0]);
    obs[1] = cosf(q[1]);
    obs[2] = sinf(q[0]);
    obs[3] = sinf(q[1]);
    obs[4] = q[2];
    obs[5] = q[3];
    obs[6] = d.qvel()[0];
    obs[7] = d.qvel()[1];
    obs[8] = tip_to_target(d, c, 0);
    obs[9] = tip_to_target(d, c, 1);
    (void)m;
  }
  LS_HD static bool terminated(const ModelView&, const Data&, const Config&) { return false; }
  LS_HD static float reward(const ModelView& m, const Data& d, const Config& c,
                            float) {
    float ctrl = 0, dist = 0;
    for (int a = 0; a < m.size.nu; ++a) ctrl += d.ctrl()[a] * d.ctrl()[a];
    for (int k = 0; k < 3; ++k) dist += tip_to_target(d, c, k) * tip_to_target(d, c, k);
    return -sqrtf(dist) * c.reward_dist_weight - ctrl * c.reward_control_weight;
  }
};

}  // namespace lockstep
