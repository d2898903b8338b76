// Body accelerations and forces after the constraint solve (MuJoCo mj_rnePostConstraint):
// what Gymnasium reads as cfrc_ext. Not part of step(); call it when these are wanted.
#pragma once

#include "engine/constraint.h"
#include "engine/smooth.h"

namespace lockstep {

// A wrench (torque, force) acting at world point p, as a com-based spatial force about c.
LS_HD Vec6 wrench_at(Vec3 torque, Vec3 force, Vec3 p, Vec3 c) {
  return {torque + cross(p - c, force), force};
}

// Inputs: cinert, cvel, cdof, cdof_dot, qvel, qacc, xfrc_applied, contact slots and
// contact_force, xipos, subtree_com. Outputs:
//   cfrc_ext: xfrc_applied at xipos plus contact forces (subtracted on geom1's body, added on
//             geom2's), each about its body's root com;
//   cacc:     body accelerations with qacc (gravity as a base acceleration);
//   cfrc_int: cinert·cacc + cvel ×* (cinert·cvel) − cfrc_ext, summed child → parent.
// As in MuJoCo, it uses the current qvel with the derived quantities of the last forward().
LS_HD void rne_post_constraint(const ModelView& m, const Data& d) {
  const int nbody = m.size.nbody;
  for (int b = 0; b < nbody; ++b) {
    const Vec3 c = load3(d.subtree_com(), 3 * m.body_rootid[b]);
    const Vec6 f = b == 0 ? Vec6{{0, 0, 0}, {0, 0, 0}}
                          : wrench_at(load3(d.xfrc_applied(), 6 * b + 3), load3(d.xfrc_applied(), 6 * b),
                                      load3(d.xipos(), 3 * b), c);
    store6(d.cfrc_ext(), 6 * b, f);
  }
  for (int s = 0; s < m.size.ncon_max; ++s) {
    if (d.contact_active()[s] == 0.0f) continue;  // masked slot: zero force anyway
    const int col = m.slot_collisionid[s];
    const Mat3 frame = load9(d.contact_frame(), 9 * s);
    // contact_force is (normal, t1, t2, spin, roll1, roll2) in the frame whose rows are n, t1, t2.
    const Vec3 force = mul_transpose(frame, load3(d.contact_force(), 6 * s));
    const Vec3 torque = mul_transpose(frame, load3(d.contact_force(), 6 * s + 3));
    const Vec3 p = load3(d.contact_pos(), 3 * s);
    const int b1 = m.geom_bodyid[m.collision_geom1[col]], b2 = m.geom_bodyid[m.collision_geom2[col]];
    const Vec6 w1 = wrench_at(torque, force, p, load3(d.subtree_com(), 3 * m.body_rootid[b1]));
    const Vec6 w2 = wrench_at(torque, force, p, load3(d.subtree_com(), 3 * m.body_rootid[b2]));
    // The world body's entry stays zero, as in MuJoCo.
    if (b1 > 0) store6(d.cfrc_ext(), 6 * b1, load6(d.cfrc_ext(), 6 * b1) - w1);
    if (b2 > 0) store6(d.cfrc_ext(), 6 * b2, load6(d.cfrc_ext(), 6 * b2) + w2);
  }

  store6(d.cacc(), 0, {{0, 0, 0}, -1.0f * gravity(m, d)});
  store6(d.cfrc_int(), 0, {{0, 0, 0}, {0, 0, 0}});
  for (int b = 1; b < nbody; ++b) {
    Vec6 cacc = load6(d.cacc(), 6 * m.body_parentid[b]);
    for (int k = 0; k < m.body_dofnum[b]; ++k) {
      const int i = m.body_dofadr[b] + k;
      cacc += d.qvel()[i] * load6(d.cdof_dot(), 6 * i) + d.qacc()[i] * cdof_of(d, i);
    }
    store6(d.cacc(), 6 * b, cacc);
    const Inertia c = load_inertia(d.cinert(), 10 * b);
    const Vec6 cvel = load6(d.cvel(), 6 * b);
    store6(d.cfrc_int(), 6 * b, mul_inertia(c, cacc) + cross_force(cvel, mul_inertia(c, cvel)) -
                                  load6(d.cfrc_ext(), 6 * b));
  }
  for (int b = nbody - 1; b > 0; --b) {
    const int p = m.body_parentid[b];
    if (p > 0) store6(d.cfrc_int(), 6 * p, load6(d.cfrc_int(), 6 * p) + load6(d.cfrc_int(), 6 * b));
  }
}

}  // namespace lockstep
