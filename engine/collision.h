// Collision stage: geom poses (geom_xpos, geom_xmat, from kinematics) => contact slots
// (contact_dist, contact_pos, contact_frame, contact_active, contact_geom), ncon,
// contact_overflow. One world per call, LS_HD.
//
// Candidate pairs and their contact slots are fixed when the model is compiled
// (engine/collision_pairs.h). The loop over pairs and the choice of narrowphase routine depend
// only on the Model, so they are uniform across worlds (no divergence). Per-world state decides
// only the values written and the active mask: slot active iff the routine produced a candidate
// there, contacts are enabled, and dist < margin. Inactive slots get contact_dist and
// contact_active only; their pos, frame and geom entries are stale.
//
// No bounding-sphere prefilter: MuJoCo's test (centre distance > rbound1 + rbound2 + margin)
// rejects only pairs whose narrowphase distance already exceeds the margin, so as a mask it would
// never change a result; its value is skipping work, which lockstep execution cannot do per world.
//
// contact_overflow: every routine writes at most collision_num_slots(func) candidates, which is
// also the number of slots the pair owns, so no world ever needs more slots than it has; the flag
// is written as 0 and kept for the day a routine with a data-dependent count (meshes) arrives.
#pragma once

#include "engine/collision_box.h"
#include "engine/collision_primitive.h"
#include "engine/defs.h"
#include "engine/lanes.h"
#include "engine/math.h"
#include "engine/model.h"
#include "engine/state.h"

namespace lockstep {

// World pose of geom g (geom_xpos, geom_xmat) with its sizes.
LS_HD GeomPose geom_pose(const ModelView& m, const Data& d, int g) {
  GeomPose p;
  p.pos = {d.geom_xpos()[3 * g], d.geom_xpos()[3 * g + 1], d.geom_xpos()[3 * g + 2]};
  for (int k = 0; k < 9; ++k) p.mat.m[k] = d.geom_xmat()[9 * g + k];
  p.size = {m.geom_size[3 * g], m.geom_size[3 * g + 1], m.geom_size[3 * g + 2]};
  return p;
}

// Runs the narrowphase routine `func` on (g1, g2); fills collision_num_slots(func) entries.
// `margin` is the pair's detection margin (box–box keeps face points by their full depth).
LS_HD void collide_pair(int func, const GeomPose& g1, const GeomPose& g2, float margin,
                        Contact* out) {
  switch (func) {  // model data: the same routine in every world
    case kColPlaneSphere: collide_plane_sphere(g1, g2, out); break;
    case kColPlaneCapsule: collide_plane_capsule(g1, g2, out); break;
    case kColPlaneBox: collide_plane_box(g1, g2, out); break;
    case kColPlaneCylinder: collide_plane_cylinder(g1, g2, out); break;
    case kColSphereSphere: collide_sphere_sphere(g1, g2, out); break;
    case kColSphereCapsule: collide_sphere_capsule(g1, g2, out); break;
    case kColSphereBox: collide_sphere_box(g1, g2, out); break;
    case kColCapsuleCapsule: collide_capsule_capsule(g1, g2, out); break;
    case kColCapsuleBox: collide_capsule_box(g1, g2, out); break;
    case kColBoxBox: collide_box_box(g1, g2, out, margin); break;
    default:
      for (int k = 0; k < kMaxContactSlots; ++k) out[k].exists = 0.0f;
      break;
  }
}

// The collision stage of one world: m (compiled candidate pairs), d.geom_xpos()/geom_xmat =>
// d.contact_* for every slot, d.ncon (number of active slots), d.contact_overflow (0).
// Data by value, as for forward() (nvcc compiles this out of line too).
// Lanes (engine/lanes.h) take pairs.
template <class L = OneLane>
LS_HD void collision(const ModelView& m, const Data d, L lanes = {}) {
  const float enabled = (m.opt.disableflags & kDsblContact) ? 0.0f : 1.0f;  // model-uniform
  int ncon = 0;
  for (int c = lanes.sub; c < m.size.ncollision; c += lanes.count) {
    const int g1 = m.collision_geom1[c], g2 = m.collision_geom2[c];
    const int adr = m.collision_conadr[c], num = m.collision_connum[c];
    const float margin = m.collision_margin[c];
    GeomPose p1 = geom_pose(m, d, g1), p2 = geom_pose(m, d, g2);
    Contact out[kMaxContactSlots];
    collide_pair(m.collision_func[c], p1, p2, margin, out);
    for (int k = 0; k < num; ++k) {
      const Contact& con = out[k];
      const int i = adr + k;
      const float active = (con.exists > 0.0f && con.dist < margin) ? enabled : 0.0f;
      d.contact_dist()[i] = con.dist;
      d.contact_active()[i] = active;
      ncon += active > 0.0f ? 1 : 0;
      if (active == 0.0f) continue;  // per-world mask: an inactive slot's geometry is never read
      d.contact_pos()[3 * i] = con.pos.x;
      d.contact_pos()[3 * i + 1] = con.pos.y;
      d.contact_pos()[3 * i + 2] = con.pos.z;
      for (int j = 0; j < 9; ++j) d.contact_frame()[9 * i + j] = con.frame.m[j];
      d.contact_geom()[2 * i] = static_cast<float>(g1);
      d.contact_geom()[2 * i + 1] = static_cast<float>(g2);
    }
  }
  ncon = lanes.sum(ncon);
  if (!lanes.runs(0)) return;
  d.ncon()[0] = static_cast<float>(ncon);
  d.contact_overflow()[0] = 0.0f;
}

}  // namespace lockstep
