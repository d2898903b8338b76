// Narrowphase: contacts between pairs of primitive geoms (plane, sphere, capsule, cylinder, box;
// box-box is in engine/collision_box.h), with MuJoCo's conventions (mujoco 3.3.7, checked
// numerically by tests/python/test_collision_vs_mujoco.py):
//   - geom1 has the lower GeomType; the normal (frame row 0) points from geom1 to geom2;
//   - dist is the signed surface distance [m], negative in penetration;
//   - pos lies midway between the two surfaces along the normal;
//   - frame rows are (n, t1, t2); t1 is (0,1,0), or (0,0,1) if |n_y| >= 0.5, made orthogonal to n,
//     unless a primitive proposes its own t1 (plane-capsule: the capsule axis); t2 = n x t1.
//
// Every primitive fills a fixed number K of Contact slots (collision_num_slots). A slot whose
// `exists` is 0 holds no candidate (for example the second point of two capsules that are not
// parallel); the driver marks a slot active iff exists && dist < margin. Primitives do not test the
// margin themselves (exception: box-box, whose MuJoCo rule keeps points by a depth that is not
// always the reported dist; it takes the margin as an argument): the result is a continuous
// function of the poses plus a mask, so every world runs the same instructions. Branches on
// per-world state that remain are written as selects (`c ? a : b` on floats/vectors, both sides
// computed), except where a comment says otherwise.
#pragma once

#include "engine/defs.h"
#include "engine/math.h"

namespace lockstep {

// Narrowphase routine of a candidate pair, decided when the model is compiled.
enum CollisionFunc : int {
  kColPlaneSphere = 0,
  kColPlaneCapsule,
  kColPlaneBox,
  kColPlaneCylinder,
  kColSphereSphere,
  kColSphereCapsule,
  kColSphereBox,
  kColCapsuleCapsule,
  kColCapsuleBox,
  kColBoxBox,
  kColNumFuncs
};
constexpr int kMaxContactSlots = 9;  // most slots of any routine (box-box, engine/collision_box.h)

// Contact slots per routine (MuJoCo's maximum number of contacts for that pair of types).
LS_HD int collision_num_slots(int func) {
  switch (func) {
    case kColPlaneCapsule: return 2;
    case kColPlaneBox: return 4;
    case kColPlaneCylinder: return 4;
    case kColCapsuleCapsule: return 2;
    case kColCapsuleBox: return 2;
    case kColBoxBox: return 9;  // kBoxBoxSlots
    default: return 1;
  }
}

// A geom's world pose: position [m], rotation (row-major, columns = geom axes), geom_size.
struct GeomPose {
  Vec3 pos;
  Mat3 mat;
  Vec3 size;
};

// One contact candidate.
struct Contact {
  float dist;    // signed distance [m]
  Vec3 pos;      // position [m]
  Mat3 frame;    // rows n (geom1 -> geom2), t1, t2
  float exists;  // 1 if the slot holds a candidate, 0 otherwise
};

LS_HD Vec3 col_select(bool c, Vec3 a, Vec3 b) { return {c ? a.x : b.x, c ? a.y : b.y, c ? a.z : b.z}; }
LS_HD float col_clamp(float x, float lo, float hi) { return fminf(fmaxf(x, lo), hi); }

// MuJoCo's contact frame: rows n, t1, t2 from a unit normal and an optional tangent hint (zero
// vector: default). n_y decides the default seed, so that the seed is never parallel to n.
LS_HD Mat3 contact_frame(Vec3 n, Vec3 t1_hint) {
  Vec3 seed = fabsf(n.y) < 0.5f ? Vec3{0, 1, 0} : Vec3{0, 0, 1};
  Vec3 t = col_select(dot(t1_hint, t1_hint) < 0.25f, seed, t1_hint);
  t = normalize(t - dot(n, t) * n);
  Vec3 t2 = cross(n, t);
  return {{n.x, n.y, n.z, t.x, t.y, t.z, t2.x, t2.y, t2.z}};
}

LS_HD Contact make_contact(float dist, Vec3 pos, Vec3 n, Vec3 t1_hint = {0, 0, 0},
                           float exists = 1.0f) {
  return {dist, pos, contact_frame(n, t1_hint), exists};
}

// Two spheres (or sphere-swept points): centres c1, c2 [m], radii r1, r2 [m].
// n = (c2 - c1)/|c2 - c1| ((1,0,0) if the centres coincide), dist = |c2 - c1| - r1 - r2,
// pos = c1 + n (r1 + dist/2).
LS_HD Contact sphere_sphere_raw(Vec3 c1, float r1, Vec3 c2, float r2) {
  Vec3 n = normalize(c2 - c1);
  float dist = norm(c2 - c1) - r1 - r2;
  return make_contact(dist, c1 + (r1 + 0.5f * dist) * n, n);
}

LS_HD Vec3 plane_normal(const GeomPose& p) { return column(p.mat, 2); }
LS_HD Vec3 geom_axis(const GeomPose& g) { return column(g.mat, 2); }

// Plane (geom1) - sphere at c with radius r. pos = c - n (r + dist/2).
LS_HD Contact plane_sphere_raw(const GeomPose& plane, Vec3 c, float r, Vec3 t1_hint) {
  Vec3 n = plane_normal(plane);
  float dist = dot(c - plane.pos, n) - r;
  return make_contact(dist, c - (r + 0.5f * dist) * n, n, t1_hint);
}

// ---- plane - X -------------------------------------------------------------------------------

// 1 slot.
LS_HD void collide_plane_sphere(const GeomPose& g1, const GeomPose& g2, Contact* out) {
  out[0] = plane_sphere_raw(g1, g2.pos, g2.size.x, Vec3{0, 0, 0});
}

// 2 slots: the end spheres, +axis end first; t1 = capsule axis (as MuJoCo).
LS_HD void collide_plane_capsule(const GeomPose& g1, const GeomPose& g2, Contact* out) {
  Vec3 axis = geom_axis(g2);
  Vec3 seg = g2.size.y * axis;
  out[0] = plane_sphere_raw(g1, g2.pos + seg, g2.size.x, axis);
  out[1] = plane_sphere_raw(g1, g2.pos - seg, g2.size.x, axis);
}

// 4 slots: the 4 corners on the plane's side of the box centre. Corner i of MuJoCo's loop has
// local coordinates (±sx, ±sy, ±sz) with signs from bits 0, 1, 2 of i; corner 7-i is its mirror,
// so slot i (i < 4) takes whichever of corners i and 7-i faces the plane (a select). MuJoCo keeps
// the first 4 of these in corner order; here slot order is by pair, so the set of contacts is the
// same but their order differs (only ties, a corner exactly level with the centre, differ in set).
LS_HD void collide_plane_box(const GeomPose& g1, const GeomPose& g2, Contact* out) {
  Vec3 n = plane_normal(g1);
  float dist0 = dot(g2.pos - g1.pos, n);
  for (int i = 0; i < 4; ++i) {
    Vec3 local{(i & 1) ? g2.size.x : -g2.size.x, (i & 2) ? g2.size.y : -g2.size.y,
               (i & 4) ? g2.size.z : -g2.size.z};
    Vec3 v = mul(g2.mat, local);
    float ld = dot(n, v);
    v = col_select(ld <= 0.0f, v, -v);
    float dist = dist0 - fabsf(ld);
    out[i] = make_contact(dist, g2.pos + v - (0.5f * dist) * n, n);
  }
}

// 4 slots, MuJoCo's rule: with the cylinder axis a turned to point into the plane and r the
// rim direction reaching deepest (scaled by the radius), (1) the deepest rim point of the near
// disk, (2) the same rim point on the far disk, (3, 4) the near-disk rim points at +-120 degrees
// from (1). If the axis is parallel to the normal, r is the cylinder's local x axis (MuJoCo's
// choice); the threshold on |n - (n.a)a|^2 is float32's, MuJoCo uses 1e-15.
LS_HD void collide_plane_cylinder(const GeomPose& g1, const GeomPose& g2, Contact* out) {
  Vec3 n = plane_normal(g1);
  float radius = g2.size.x, half = g2.size.y;
  Vec3 a = geom_axis(g2);
  float prjaxis = dot(a, n);
  a = col_select(prjaxis > 0.0f, -a, a);
  prjaxis = -fabsf(prjaxis);
  float dist0 = dot(g2.pos - g1.pos, n);
  Vec3 perp = prjaxis * a - n;  // rim direction towards the plane, unnormalised
  float len2 = dot(perp, perp);
  Vec3 vec = radius * col_select(len2 < 1e-12f, column(g2.mat, 0), (1.0f / sqrtf(fmaxf(len2, 1e-30f))) * perp);
  float prjvec = dot(vec, n);
  Vec3 near = g2.pos + half * a;
  Vec3 far = g2.pos - half * a;
  Vec3 w = 0.8660254037844386f * cross(vec, a);

  float d1 = dist0 + prjaxis * half + prjvec;
  float d2 = dist0 - prjaxis * half + prjvec;
  float d3 = dist0 + prjaxis * half - 0.5f * prjvec;
  Vec3 p1 = near + vec, p2 = far + vec;
  Vec3 p3 = near - 0.5f * vec + w, p4 = near - 0.5f * vec - w;
  Vec3 none{0, 0, 0};
  out[0] = make_contact(d1, p1 - (0.5f * d1) * n, n, none);
  out[1] = make_contact(d2, p2 - (0.5f * d2) * n, n, none);
  out[2] = make_contact(d3, p3 - (0.5f * d3) * n, n, none);
  out[3] = make_contact(d3, p4 - (0.5f * d3) * n, n, none);
}

// ---- sphere - X ------------------------------------------------------------------------------

LS_HD void collide_sphere_sphere(const GeomPose& g1, const GeomPose& g2, Contact* out) {
  out[0] = sphere_sphere_raw(g1.pos, g1.size.x, g2.pos, g2.size.x);
}

// Sphere against the nearest point of the capsule's segment.
LS_HD void collide_sphere_capsule(const GeomPose& g1, const GeomPose& g2, Contact* out) {
  Vec3 axis = geom_axis(g2);
  float t = col_clamp(dot(g1.pos - g2.pos, axis), -g2.size.y, g2.size.y);
  out[0] = sphere_sphere_raw(g1.pos, g1.size.x, g2.pos + t * axis, g2.size.x);
}

// Sphere (centre c, radius r; geom1) against a box (geom2). Outside the box: n runs from the
// centre to the nearest box point. Inside: the face of least penetration, n into the box.
LS_HD Contact sphere_box_raw(Vec3 c, float r, const GeomPose& box) {
  Vec3 s = box.size;
  Vec3 t = mul_transpose(box.mat, c - box.pos);  // centre in the box frame
  Vec3 cl{col_clamp(t.x, -s.x, s.x), col_clamp(t.y, -s.y, s.y), col_clamp(t.z, -s.z, s.z)};
  Vec3 out_v = cl - t;
  float out_len = norm(out_v);
  bool outside = fmaxf(fabsf(t.x) - s.x, fmaxf(fabsf(t.y) - s.y, fabsf(t.z) - s.z)) > 0.0f;
  // inside: smallest face clearance, ties to the lower axis
  float ex = s.x - fabsf(t.x), ey = s.y - fabsf(t.y), ez = s.z - fabsf(t.z);
  bool use_x = ex <= ey && ex <= ez;
  bool use_y = !use_x && ey <= ez;
  float e = use_x ? ex : use_y ? ey : ez;
  float tk = use_x ? t.x : use_y ? t.y : t.z;
  float sg = tk > 0.0f ? -1.0f : 1.0f;
  Vec3 n_in{use_x ? sg : 0.0f, use_y ? sg : 0.0f, (!use_x && !use_y) ? sg : 0.0f};
  Vec3 n_out = (1.0f / fmaxf(out_len, 1e-30f)) * out_v;
  Vec3 n_local = col_select(outside, n_out, n_in);
  float dist = outside ? out_len - r : -e - r;
  Vec3 n = mul(box.mat, n_local);
  return make_contact(dist, c + (r + 0.5f * dist) * n, n);
}

LS_HD void collide_sphere_box(const GeomPose& g1, const GeomPose& g2, Contact* out) {
  out[0] = sphere_box_raw(g1.pos, g1.size.x, g2);
}

// ---- capsule - X -----------------------------------------------------------------------------

// 2 slots. Non-parallel axes: one contact between the nearest points of the two segments.
// Parallel axes (sin^2 of the angle below 1e-10; MuJoCo: det < 1e-15 in absolute terms, which
// float32 cannot resolve): two contacts, from each end of capsule 1 (+axis first) to its
// nearest point on segment 2.
LS_HD void collide_capsule_capsule(const GeomPose& g1, const GeomPose& g2, Contact* out) {
  Vec3 a1 = g1.size.y * geom_axis(g1), a2 = g2.size.y * geom_axis(g2);
  Vec3 dif = g1.pos - g2.pos;
  float ma = dot(a1, a1), mb = -dot(a1, a2), mc = dot(a2, a2);
  float u = -dot(a1, dif), v = dot(a2, dif);
  Vec3 cr = cross(a1, a2);
  float det = dot(cr, cr);  // = ma mc - mb^2 without cancellation
  bool parallel = det < fmaxf(1e-15f, 1e-10f * ma * mc);
  float inv_det = 1.0f / fmaxf(det, 1e-30f);
  float x1 = (mc * u - mb * v) * inv_det, x2 = (ma * v - mb * u) * inv_det;
  // clamp x1, then x2 (MuJoCo's order)
  x2 = x1 > 1.0f ? (v - mb) / mc : x1 < -1.0f ? (v + mb) / mc : x2;
  x1 = col_clamp(x1, -1.0f, 1.0f);
  x1 = x2 > 1.0f ? col_clamp((u - mb) / ma, -1.0f, 1.0f)
                 : x2 < -1.0f ? col_clamp((u + mb) / ma, -1.0f, 1.0f) : x1;
  x2 = col_clamp(x2, -1.0f, 1.0f);
  Contact gen = sphere_sphere_raw(g1.pos + x1 * a1, g1.size.x, g2.pos + x2 * a2, g2.size.x);
  float xa = col_clamp((v - mb) / mc, -1.0f, 1.0f), xb = col_clamp((v + mb) / mc, -1.0f, 1.0f);
  Contact pa = sphere_sphere_raw(g1.pos + a1, g1.size.x, g2.pos + xa * a2, g2.size.x);
  Contact pb = sphere_sphere_raw(g1.pos - a1, g1.size.x, g2.pos + xb * a2, g2.size.x);
  // per-world select between the two cases (whole-struct copy, no divergent work)
  out[0] = parallel ? pa : gen;
  out[1] = pb;
  out[1].exists = parallel ? 1.0f : 0.0f;
}

// Signed distance [m] from a point p (box frame) to a box of half sizes s.
LS_HD float box_sdf(Vec3 p, Vec3 s) {
  Vec3 q{fabsf(p.x) - s.x, fabsf(p.y) - s.y, fabsf(p.z) - s.z};
  Vec3 qp{fmaxf(q.x, 0.0f), fmaxf(q.y, 0.0f), fmaxf(q.z, 0.0f)};
  return norm(qp) + fminf(fmaxf(q.x, fmaxf(q.y, q.z)), 0.0f);
}

// 2 slots, MuJoCo's rule inferred from its outputs (mujoco 3.3.7; see
// tests/python/test_collision_vs_mujoco.py). Both are sphere-box contacts at points of the
// capsule's segment (box frame below):
// (1) at the point x1 nearest to (or deepest in) the box: the signed distance to a convex set is
//     convex along the segment, so a fixed-count golden-section search finds it with no
//     data-dependent trip count.
// (2) at x2, found by walking along the segment across one face of the box. The face kf is the
//     one the nearest box point lies on; if that point is on an edge or corner, the face of those
//     it lies on that is most parallel to the axis (least |a_k|). The walk starts at the nearest
//     box point and stops where it leaves the face rectangle (tangent coordinates reach +-size
//     in the direction of travel; a coordinate already on the boundary and moving outwards does
//     not stop it), clamped to the segment. Direction: on a face, from the segment end x1 towards
//     the other end (x1 strictly inside the segment on a face: axis parallel to the face, no
//     second contact); on an edge or corner, so that the clamped tangent coordinate (the one of
//     largest |a_k| at a corner) runs across to the opposite edge. The walk may be clamped back
//     onto x1: MuJoCo then reports the same contact twice, and so does this; except on an edge at
//     a segment end from which the segment leaves both faces of the edge: no second contact.
LS_HD void collide_capsule_box(const GeomPose& g1, const GeomPose& g2, Contact* out) {
  Vec3 axis = geom_axis(g1);
  float half = g1.size.y;
  Vec3 s = g2.size;
  Vec3 c = mul_transpose(g2.mat, g1.pos - g2.pos);
  Vec3 a = mul_transpose(g2.mat, axis);
  const float g = 0.6180339887498949f;  // 1/phi
  float lo = -half, hi = half;
  float xc = hi - g * (hi - lo), xd = lo + g * (hi - lo);
  float fc = box_sdf(c + xc * a, s), fd = box_sdf(c + xd * a, s);
  for (int it = 0; it < 40; ++it) {  // fixed trip count: bracket shrinks to 0.618^40 ~ 5e-9
    bool left = fc <= fd;            // minimum lies in [lo, xd]
    lo = left ? lo : xc;
    hi = left ? xd : hi;
    float keep = left ? xc : xd, fkeep = left ? fc : fd;
    float xn = left ? hi - g * (hi - lo) : lo + g * (hi - lo);
    float fn = box_sdf(c + xn * a, s);
    xc = left ? xn : keep;
    fc = left ? fn : fkeep;
    xd = left ? keep : xn;
    fd = left ? fkeep : fn;
  }
  // The search locates the minimum only to ~sqrt(float eps) (the distance is flat there), enough
  // to name the feature of the box nearest to the segment. Near an edge or corner the point is
  // then solved in closed form: the segment point nearest to that edge line (corner point).
  float x = 0.5f * (lo + hi);
  float ak[3] = {a.x, a.y, a.z}, sk[3] = {s.x, s.y, s.z}, c0[3] = {c.x, c.y, c.z};
  float ck[3], cl[3];
  bool o[3];
  int nout = 0;
  float num = 0.0f, den = 0.0f;
  for (int k = 0; k < 3; ++k) {
    ck[k] = c0[k] + x * ak[k];
    cl[k] = col_clamp(ck[k], -sk[k], sk[k]);
    o[k] = fabsf(ck[k]) > sk[k];
    nout += o[k] ? 1 : 0;
    num += o[k] ? (c0[k] - cl[k]) * ak[k] : 0.0f;
    den += o[k] ? ak[k] * ak[k] : 0.0f;
  }
  float x_feat = col_clamp(-num / fmaxf(den, 1e-30f), -half, half);
  x = nout >= 2 && den > 1e-12f ? x_feat : x;
  // Over a face (centre outside one slab only) the distance is linear in x, so its minimum is a
  // segment end, which the bracket only approaches (to ~1e-5 where the axis is nearly parallel
  // to the face): snap to it.
  bool at_end = nout == 1 || fabsf(x) > half * (1.0f - 1e-5f);
  x = at_end ? (x > 0.0f ? half : -half) : x;
  for (int k = 0; k < 3; ++k) {
    ck[k] = c0[k] + x * ak[k];
    cl[k] = col_clamp(ck[k], -sk[k], sk[k]);
  }
  out[0] = sphere_box_raw(g1.pos + x * axis, g1.size.x, g2);
  // face kf: outside axis of least |a| (one outside axis: that one); inside the box, the face of
  // least clearance (sphere_box_raw's choice)
  int kf = 0;
  float best = 1e30f;
  for (int k = 0; k < 3; ++k) {
    float key = nout > 0 ? (o[k] ? fabsf(ak[k]) : 1e30f) : sk[k] - fabsf(ck[k]);
    bool take = key < best;
    best = take ? key : best;
    kf = take ? k : kf;
  }
  // edge or corner: the clamped tangent axis j (largest |a| of those) sets the direction
  int j = (kf + 1) % 3;
  float bj = -1.0f;
  for (int k = 0; k < 3; ++k) {
    float key = (k != kf && o[k]) ? fabsf(ak[k]) : -1.0f;
    bool take = key > bj;
    bj = take ? key : bj;
    j = take ? k : j;
  }
  float dir_face = x > 0.0f ? -1.0f : 1.0f;
  float dir_edge = (cl[j] > 0.0f ? -1.0f : 1.0f) * (ak[j] > 0.0f ? 1.0f : -1.0f);
  float d = nout >= 2 ? dir_edge : dir_face;
  float step = 1e30f;
  for (int k = 0; k < 3; ++k) {
    float v = ak[k] * d;
    float tgt = v > 0.0f ? sk[k] : -sk[k];
    float st = (tgt - cl[k]) / (fabsf(v) > 1e-30f ? v : 1e-30f);
    step = (k != kf && st > 0.0f) ? fminf(step, st) : step;
  }
  float x2 = col_clamp(x + d * step, -half, half);
  out[1] = sphere_box_raw(g1.pos + x2 * axis, g1.size.x, g2);
  // an edge at a segment end from which the segment runs away from both faces of the edge:
  // MuJoCo reports no second contact
  float dir_in = x > 0.0f ? -1.0f : 1.0f;  // from the end into the segment
  bool away = true;
  for (int k = 0; k < 3; ++k) away = away && (!o[k] || dir_in * ak[k] * cl[k] > 0.0f);
  bool edge_away = nout == 2 && at_end && away;
  out[1].exists = ((nout >= 2 || at_end) && !edge_away) ? 1.0f : 0.0f;
}

}  // namespace lockstep
