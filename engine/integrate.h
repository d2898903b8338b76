// Time integration (MuJoCo mj_Euler, mj_RungeKutta, mj_integratePos).
#pragma once

#include "engine/smooth.h"

namespace lockstep {

// qpos ← qpos ⊕ h·qvel: scalar joints add, quaternions (ball, free rotation) rotate by the local
// angular velocity and are not renormalised (MuJoCo normalises only copies in kinematics).
LS_HD void integrate_pos(const ModelView& m, Arr<float> qpos, Arr<float> qvel, float h) {
  for (int j = 0; j < m.size.njnt; ++j) {
    int qa = m.jnt_qposadr[j], da = m.jnt_dofadr[j];
    const int type = m.jnt_type[j];
    if (type == kJntHinge || type == kJntSlide) {
      qpos[qa] += h * qvel[da];
      continue;
    }
    if (type == kJntFree) {
      for (int t = 0; t < 3; ++t) qpos[qa + t] += h * qvel[da + t];
      qa += 3;
      da += 3;
    }
    store4(qpos, qa, quat_integrate(load4(qpos, qa), load3(qvel, da), h));
  }
}

// Semi-implicit Euler. With damping in the model (and eulerdamp enabled), the damping is taken
// implicitly: qacc = (M + h·diag(damping))⁻¹·(qfrc_smooth + qfrc_constraint).
LS_HD void euler(const ModelView& m, const Data& d) {
  const int nv = m.size.nv;
  const float h = m.opt.timestep;
  // Per-world damping may differ, so this is a per-world branch; without it the extra
  // factorisation would be spent on every undamped world.
  bool has_damping = false;
  for (int i = 0; i < nv; ++i) has_damping = has_damping || d.param_damping()[i] > 0;
  if (has_damping && !(m.opt.disableflags & (kDsblEulerDamp | kDsblDamper | kDsblPassive))) {
    // qLD is reused for the factor of M + hD; forward() refactors M next step.
    factor_tree(m, d.qM(), d.qLD(), d.param_damping(), h);
    for (int i = 0; i < nv; ++i) d.qacc()[i] = d.qfrc_smooth()[i] + d.qfrc_constraint()[i];
    solve_tree(m, d.qLD(), d.qacc());
  }
  for (int i = 0; i < nv; ++i) d.qvel()[i] += h * d.qacc()[i];
  integrate_pos(m, d.qpos(), d.qvel(), h);
  d.time()[0] += h;
}

}  // namespace lockstep
