// Fixed tendons and passive forces (MuJoCo mj_tendon for fixed tendons, mj_passive).
#pragma once

#include "engine/support.h"

namespace lockstep {

// Inputs: qpos, qvel. Outputs: ten_length, ten_velocity. A fixed tendon is a linear
// combination of scalar joints: L = Σ coef·q, so its Jacobian row is coef at each dof.
LS_HD void tendon(const ModelView& m, const Data& d) {
  for (int t = 0; t < m.size.ntendon; ++t) {
    float len = 0, vel = 0;
    for (int w = m.tendon_adr[t]; w < m.tendon_adr[t] + m.tendon_num[t]; ++w) {
      const int j = m.wrap_objid[w];
      len += m.wrap_prm[w] * d.qpos()[m.jnt_qposadr[j]];
      vel += m.wrap_prm[w] * d.qvel()[m.jnt_dofadr[j]];
    }
    d.ten_length()[t] = len;
    d.ten_velocity()[t] = vel;
  }
}

// Inputs: qpos, qvel, ten_length, ten_velocity. Output: qfrc_passive =
// −stiffness·(q − qpos_spring) − param_damping·qvel, plus tendon springs/dampers through J_tendon.
LS_HD void passive(const ModelView& m, const Data& d) {
  const int nv = m.size.nv;
  for (int i = 0; i < nv; ++i) d.qfrc_passive()[i] = 0;
  if (m.opt.disableflags & kDsblPassive) return;  // Model data: uniform across worlds
  const bool spring = !(m.opt.disableflags & kDsblSpring);
  const bool damper = !(m.opt.disableflags & kDsblDamper);

  if (spring) {
    for (int j = 0; j < m.size.njnt; ++j) {
      const float k = m.jnt_stiffness[j];
      if (k == 0) continue;  // Model data
      const int qa = m.jnt_qposadr[j], da = m.jnt_dofadr[j];
      const int type = m.jnt_type[j];
      if (type == kJntHinge || type == kJntSlide) {
        d.qfrc_passive()[da] -= k * (d.qpos()[qa] - m.qpos_spring[qa]);
        continue;
      }
      int rq = qa, rd = da;
      if (type == kJntFree) {
        for (int t = 0; t < 3; ++t) d.qfrc_passive()[da + t] -= k * (d.qpos()[qa + t] - m.qpos_spring[qa + t]);
        rq += 3;
        rd += 3;
      }
      const Vec3 dif = quat_sub(quat_normalize(load4(d.qpos(), rq)), load4(m.qpos_spring + rq));
      d.qfrc_passive()[rd] -= k * dif.x;
      d.qfrc_passive()[rd + 1] -= k * dif.y;
      d.qfrc_passive()[rd + 2] -= k * dif.z;
    }
  }
  if (damper)
    for (int i = 0; i < nv; ++i) d.qfrc_passive()[i] -= d.param_damping()[i] * d.qvel()[i];

  for (int t = 0; t < m.size.ntendon; ++t) {
    // Spring force is zero inside the dead band [lengthspring0, lengthspring1].
    const float len = d.ten_length()[t];
    const float lo = m.tendon_lengthspring[2 * t], hi = m.tendon_lengthspring[2 * t + 1];
    const float stretch = len > hi ? len - hi : (len < lo ? len - lo : 0.0f);
    const float f = -(spring ? m.tendon_stiffness[t] * stretch : 0.0f) -
                    (damper ? m.tendon_damping[t] * d.ten_velocity()[t] : 0.0f);
    for (int w = m.tendon_adr[t]; w < m.tendon_adr[t] + m.tendon_num[t]; ++w)
      d.qfrc_passive()[m.jnt_dofadr[m.wrap_objid[w]]] += m.wrap_prm[w] * f;
  }
}

}  // namespace lockstep
