// Forward kinematics (MuJoCo mj_kinematics): qpos ⇒ body, joint, geom and site frames.
#pragma once

#include "engine/support.h"

namespace lockstep {

// The frames of body b's geoms from the body's frame (pos, xmat). Taken while the body's frame is
// in registers: reading the body frames back after the body loop cost a reload from memory per
// geom (evicted from L2 in large batches).
LS_HD void body_geom_frames(const ModelView& m, const Data& d, int b, const Vec3& pos,
                            const Mat3& xmat) {
  const int first = m.body_geomadr[b];
  for (int g = first; g < first + m.body_geomnum[b]; ++g) {  // geomnum 0 where adr is -1
    store3(d.geom_xpos(), 3 * g, pos + mul(xmat, load3(m.geom_pos + 3 * g)));
    store9(d.geom_xmat(), 9 * g, mul(xmat, quat_to_mat(load4(m.geom_quat + 4 * g))));
  }
}

// Body b's frames, joint axes and geom frames from its parent's frame.
LS_HD void body_kinematics(const ModelView& m, const Data& d, int b) {
  const int p = m.body_parentid[b];
  Vec3 pos = load3(d.xpos(), 3 * p) + mul(load9(d.xmat(), 9 * p), load3(m.body_pos + 3 * b));
  Quat quat = quat_mul(load4(d.xquat(), 4 * p), load4(m.body_quat + 4 * b));

  // Joints of the body in order; the loop bounds and joint types are Model data.
  for (int k = 0; k < m.body_jntnum[b]; ++k) {
    const int j = m.body_jntadr[b] + k;
    const int qa = m.jnt_qposadr[j];
    const Vec3 jpos = load3(m.jnt_pos + 3 * j);
    const int type = m.jnt_type[j];
    if (type == kJntFree) {
      pos = {d.qpos()[qa], d.qpos()[qa + 1], d.qpos()[qa + 2]};
      quat = quat_normalize(load4(d.qpos(), qa + 3));
      store3(d.xanchor(), 3 * j, pos);
      store3(d.xaxis(), 3 * j, load3(m.jnt_axis + 3 * j));
      continue;
    }
    const Vec3 anchor = pos + quat_rotate(quat, jpos);
    const Vec3 axis = quat_rotate(quat, load3(m.jnt_axis + 3 * j));
    store3(d.xanchor(), 3 * j, anchor);
    store3(d.xaxis(), 3 * j, axis);
    if (type == kJntSlide) {
      pos += (d.qpos()[qa] - m.qpos0[qa]) * axis;
      continue;
    }
    const Quat qloc = type == kJntBall
                          ? quat_normalize(load4(d.qpos(), qa))
                          : axis_angle_quat(load3(m.jnt_axis + 3 * j), d.qpos()[qa] - m.qpos0[qa]);
    quat = quat_mul(quat, qloc);
    // Rotation about the anchor: move the origin so the anchor stays put.
    pos = anchor - quat_rotate(quat, jpos);
  }
  quat = quat_normalize(quat);
  const Mat3 xmat = quat_to_mat(quat);
  store3(d.xpos(), 3 * b, pos);
  store4(d.xquat(), 4 * b, quat);
  store9(d.xmat(), 9 * b, xmat);
  store3(d.xipos(), 3 * b, pos + mul(xmat, load3(m.body_ipos + 3 * b)));
  store9(d.ximat(), 9 * b, mul(xmat, quat_to_mat(load4(m.body_iquat + 4 * b))));
  body_geom_frames(m, d, b, pos, xmat);
}

// Inputs: qpos. Outputs: xpos, xquat, xmat, xipos, ximat, xanchor, xaxis, geom_xpos,
// geom_xmat, site_xpos, site_xmat. Hinge and slide joints use qpos − qpos0, so the pose written
// in the XML corresponds to qpos = qpos0. Depth by depth, a body after its parent.
template <class L = OneLane>
LS_HD void kinematics(const ModelView& m, const Data& d, L lanes = {}) {
  if (lanes.runs(0)) {
    body_geom_frames(m, d, 0, {0, 0, 0}, quat_to_mat({1, 0, 0, 0}));
    store3(d.xpos(), 0, {0, 0, 0});
    store4(d.xquat(), 0, {1, 0, 0, 0});
    store9(d.xmat(), 0, quat_to_mat({1, 0, 0, 0}));
    store3(d.xipos(), 0, {0, 0, 0});
    store9(d.ximat(), 0, quat_to_mat({1, 0, 0, 0}));
  }
  walk_down_tree(m, lanes, [&](int b) { body_kinematics(m, d, b); });
  for_split(0, m.size.nsite, lanes, [&](int s) {
    const int b = m.site_bodyid[s];
    const Mat3 xmat = load9(d.xmat(), 9 * b);
    store3(d.site_xpos(), 3 * s, load3(d.xpos(), 3 * b) + mul(xmat, load3(m.site_pos + 3 * s)));
    store9(d.site_xmat(), 9 * s, mul(xmat, quat_to_mat(load4(m.site_quat + 4 * s))));
  });
}

}  // namespace lockstep
