// Candidate contact pairs, decided once when a model is compiled (host only).
#pragma once

#include "engine/model.h"

namespace lockstep {

// Compiles the candidate geom pairs of m with MuJoCo's rules (mujoco 3.3.7):
//  - automatic pairs: geoms of different bodies, skipping the same weld group, two dof-less weld
//    groups, weld-level parent and child unless one is the world (kDsblFilterParent turns this
//    off), <exclude>d body pairs, and requiring (contype1 & conaffinity2) || (contype2 &
//    conaffinity1); geom pairs named by an explicit <pair> are left to it;
//  - explicit <pair>s are added regardless of filters, with their own parameters;
//  - geom1/geom2 ordered so that geom_type[geom1] <= geom_type[geom2];
//  - automatic parameters mixed as mj_contactParam: higher priority wins; otherwise condim and
//    friction are maxima, solref/solimp blended by solmix; margin and gap are the maxima;
//  - order: by body pair (lower body id, higher), explicit pairs first, then geom order;
//  - each pair owns collision_num_slots(func) consecutive contact slots; ncon_max is their sum.
// Reads geom_*, body_parentid/weldid/dofnum, pair_*, exclude_*, opt.disableflags; writes
// size.ncollision, size.ncon_max, collision_* and slot_collisionid. Throws std::invalid_argument
// naming the geoms if a pair that can collide has no narrowphase routine (ellipsoid, mesh,
// hfield, cylinder against anything but a plane).
void compile_collision_pairs(Model& m);

// CollisionFunc for geom types t1 <= t2; -1 if Lockstep has no routine, -2 if MuJoCo never
// collides the pair (plane-plane).
int collision_func_for_types(int type1, int type2);

}  // namespace lockstep
