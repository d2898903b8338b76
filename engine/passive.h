// Fixed tendons and passive forces (MuJoCo mj_tendon for fixed tendons, mj_passive).
#pragma once

#include "engine/support.h"

namespace lockstep {

// Inputs: qpos, qvel. Outputs: ten_length, ten_velocity. A fixed tendon is a linear
// combination of scalar joints: L = Σ coef·q, so its Jacobian row is coef at each dof.
// Lanes take tendons.
template <class L = OneLane>
LS_HD void tendon(const ModelView& m, const Data& d, L lanes = {}) {
  for_split(0, m.size.ntendon, lanes, [&](int t) {
    float len = 0, vel = 0;
    for (int w = m.tendon_adr[t]; w < m.tendon_adr[t] + m.tendon_num[t]; ++w) {
      const int j = m.wrap_objid[w];
      len += m.wrap_prm[w] * d.qpos()[m.jnt_qposadr[j]];
      vel += m.wrap_prm[w] * d.qvel()[m.jnt_dofadr[j]];
    }
    d.ten_length()[t] = len;
    d.ten_velocity()[t] = vel;
  });
}

// Inputs: qpos, qvel, ten_length, ten_velocity. Output: qfrc_passive =
// −stiffness·(q − qpos_spring) − param_damping·qvel, plus tendon springs/dampers through J_tendon.
// Lanes take joints (each writes only its own dofs), then lane 0 adds the tendons' forces.
template <class L = OneLane>
LS_HD void passive(const ModelView& m, const Data& d, L lanes = {}) {
  const bool off = (m.opt.disableflags & kDsblPassive) != 0;  // Model data: uniform across worlds
  const bool spring = !off && !(m.opt.disableflags & kDsblSpring);
  const bool damper = !off && !(m.opt.disableflags & kDsblDamper);
  for_split(0, m.size.njnt, lanes, [&](int j) {
    const int qa = m.jnt_qposadr[j], da = m.jnt_dofadr[j], type = m.jnt_type[j];
    const int ndof = jnt_nv(type);
    for (int t = 0; t < ndof; ++t) d.qfrc_passive()[da + t] = 0;
    const float k = m.jnt_stiffness[j];
    if (spring && k != 0) {  // Model data
      if (type == kJntHinge || type == kJntSlide) {
        d.qfrc_passive()[da] -= k * (d.qpos()[qa] - m.qpos_spring[qa]);
      } else {
        int rq = qa, rd = da;
        if (type == kJntFree) {
          for (int t = 0; t < 3; ++t)
            d.qfrc_passive()[da + t] -= k * (d.qpos()[qa + t] - m.qpos_spring[qa + t]);
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
      for (int t = 0; t < ndof; ++t)
        d.qfrc_passive()[da + t] -= d.param_damping()[da + t] * d.qvel()[da + t];
  });
  if (off || m.size.ntendon == 0) return;
  lanes.sync();
  if (!lanes.runs(0)) return;
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
