// Time integration (MuJoCo mj_Euler, mj_RungeKutta, mj_integratePos).
#pragma once

#include "engine/smooth.h"

namespace lockstep {

// qpos ← qpos ⊕ h·qvel: scalar joints add, quaternions (ball, free rotation) rotate by the local
// angular velocity and are not renormalised (MuJoCo normalises only copies in kinematics).
template <class L = OneLane>
LS_HD void integrate_pos(const ModelView& m, Arr<float> qpos, Arr<float> qvel, float h,
                          L lanes = {}) {
  for_split(0, m.size.njnt, lanes, [&](int j) {
    int qa = m.jnt_qposadr[j], da = m.jnt_dofadr[j];
    const int type = m.jnt_type[j];
    if (type == kJntHinge || type == kJntSlide) {
      qpos[qa] += h * qvel[da];
      return;
    }
    if (type == kJntFree) {
      for (int t = 0; t < 3; ++t) qpos[qa + t] += h * qvel[da + t];
      qa += 3;
      da += 3;
    }
    store4(qpos, qa, quat_integrate(load4(qpos, qa), load3(qvel, da), h));
  });
}

// Semi-implicit Euler. With damping in the model (and eulerdamp enabled), the damping is taken
// implicitly: qacc = (M + h·diag(damping))⁻¹·(qfrc_smooth + qfrc_constraint).
template <class L = OneLane>
LS_HD void euler(const ModelView& m, const Data& d, L lanes = {}) {
  const int nv = m.size.nv;
  const float h = m.opt.timestep;
  // Per-world damping may differ, so this is a per-world branch; without it the extra
  // factorisation would be spent on every undamped world.
  bool has_damping = false;
  for_split(0, nv, lanes, [&](int i) { has_damping = has_damping || d.param_damping()[i] > 0; });
  has_damping = lanes.any(has_damping);
  if (has_damping && !(m.opt.disableflags & (kDsblEulerDamp | kDsblDamper | kDsblPassive))) {
    // qLD is reused for the factor of M + hD; forward() refactors M next step.
    factor_tree(m, d.qM(), d.qLD(), d.param_damping(), h, lanes);
    if (lanes.runs(0)) {
      set_entries(d.qacc(), nv, [&](int i) { return d.qfrc_smooth()[i] + d.qfrc_constraint()[i]; });
      solve_tree(m, d.qLD(), d.qacc());
    }
    lanes.sync();
  }
  for_split(0, nv, lanes, [&](int i) { d.qvel()[i] += h * d.qacc()[i]; });
  lanes.sync();
  integrate_pos(m, d.qpos(), d.qvel(), h, lanes);
  if (lanes.runs(0)) d.time()[0] += h;
}

}  // namespace lockstep
