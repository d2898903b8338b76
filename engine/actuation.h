// Actuation (MuJoCo mj_transmission + mj_fwdActuation) for joint and fixed-tendon
// transmissions with fixed gain and affine bias (motor, position, velocity, general).
#pragma once

#include "engine/support.h"

namespace lockstep {

// Inputs: qpos, qvel, ctrl, ten_length, ten_velocity. Outputs: actuator_length,
// actuator_velocity, actuator_force, qfrc_actuator.
// force = param_actuator_gain·(gain·ctrl + b0 + b1·length + b2·velocity), with ctrl clamped to
// ctrlrange on a copy (ctrl itself is left as the user wrote it) and force clamped to forcerange.
// Lanes take actuators; lane 0 then adds their forces into qfrc_actuator in actuator order.
template <class L = OneLane>
LS_HD void actuation(const ModelView& m, const Data& d, L lanes = {}) {
  for_split(0, m.size.nv, lanes, [&](int i) { d.qfrc_actuator()[i] = 0; });
  // Any non-finite control zeroes every control of the world, as MuJoCo does; a select, not a
  // branch on world state.
  bool bad = false;
  for_split(0, m.size.nu, lanes, [&](int a) { bad = bad || !is_finite(d.ctrl()[a]); });
  bad = lanes.any(bad);
  const bool disabled = (m.opt.disableflags & kDsblActuation) != 0;
  const bool clamp = !(m.opt.disableflags & kDsblClampCtrl);

  // Adds actuator a's force into the dofs it drives.
  auto add_force = [&](int a, float force) {
    const float gear = m.actuator_gear[6 * a];
    const int id = m.actuator_trnid[a];
    if (m.actuator_trntype[a] == 0) {  // joint (Model data)
      d.qfrc_actuator()[m.jnt_dofadr[id]] += gear * force;
    } else {
      for (int w = m.tendon_adr[id]; w < m.tendon_adr[id] + m.tendon_num[id]; ++w)
        d.qfrc_actuator()[m.jnt_dofadr[m.wrap_objid[w]]] += gear * m.wrap_prm[w] * force;
    }
  };
  for_split(0, m.size.nu, lanes, [&](int a) {
    const float gear = m.actuator_gear[6 * a];
    const int id = m.actuator_trnid[a];
    float q, v;
    if (m.actuator_trntype[a] == 0) {  // joint (Model data)
      q = d.qpos()[m.jnt_qposadr[id]];
      v = d.qvel()[m.jnt_dofadr[id]];
    } else {
      q = d.ten_length()[id];
      v = d.ten_velocity()[id];
    }
    const float length = gear * q, velocity = gear * v;
    d.actuator_length()[a] = length;
    d.actuator_velocity()[a] = velocity;

    float ctrl = bad ? 0.0f : d.ctrl()[a];
    if (clamp && m.actuator_ctrllimited[a])
      ctrl = fminf(fmaxf(ctrl, m.actuator_ctrlrange[2 * a]), m.actuator_ctrlrange[2 * a + 1]);
    const ModelArray<float> bias = m.actuator_biasprm + 10 * a;
    float force = m.actuator_gainprm[10 * a] * ctrl;
    if (m.actuator_biastype[a] == kBiasAffine)
      force += bias[0] + bias[1] * length + bias[2] * velocity;
    force *= d.param_actuator_gain()[a];
    if (m.actuator_forcelimited[a])
      force = fminf(fmaxf(force, m.actuator_forcerange[2 * a]), m.actuator_forcerange[2 * a + 1]);
    force = disabled ? 0.0f : force;
    d.actuator_force()[a] = force;
    if (L::kSerial) add_force(a, force);
  });
  if (L::kSerial) return;
  lanes.sync();
  if (lanes.runs(0))
    for (int a = 0; a < m.size.nu; ++a) add_force(a, d.actuator_force()[a]);
}

}  // namespace lockstep
