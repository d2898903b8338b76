// Box-box narrowphase with MuJoCo's semantics (mjc_BoxBox, src/engine/engine_collision_box.c of
// mujoco 3.3.x; checked numerically by tests/python/test_collision_vs_mujoco.py).
//
// MuJoCo's rule, in words (written here from its source, in Lockstep's terms):
//  1. Separating axes: the 3 + 3 face normals (box 1's, then box 2's, interleaved by index) and
//     the 9 edge crosses a1_i x a2_j. The overlap along each is computed; if any is below -margin
//     the boxes are apart: no contact. The axis of least overlap wins; on a tie the earlier one,
//     except that an edge axis wins a tie while the best overlap is negative (box_box_axis).
//  2. Face axis: the reference face is that face of the box owning the axis, facing the other
//     box; the incident box contributes its corner deepest towards the face (the "lowest" corner)
//     and the edges from that corner along its axes that are within 60 degrees of the face plane
//     (|axis . face normal| < 0.5): none (a corner points down), one (an edge) or two (a face,
//     given as a parallelogram). In the face plane: crossings of those edges with the sides of the
//     reference rectangle, corners of the rectangle strictly inside the parallelogram (height
//     interpolated on it), and the incident vertices strictly inside the rectangle; the lowest
//     corner is always a candidate, inside the rectangle or not. Kept: height z above the face
//     <= margin. dist = z/2 and pos halfway up (MuJoCo's report), normal = the face's outward
//     normal, signed to run from geom 1 to geom 2.
//  3. Edge axis (edge i of box 1 crossing edge j of box 2): the reference face of box 1 is the one
//     of its two faces adjacent to edge i that is most aligned with the normal; box 2's incident
//     face holds its edge nearest box 1 and runs across along the box-2 axis most aligned with
//     edge i. That face (a parallelogram) is projected along the normal onto the reference plane
//     and clipped against the rectangle: edge crossings (kept if their depth along the normal is
//     <= margin), rectangle corners inside the projection (matched with the incident-face point
//     they project from; when no crossing was kept, a corner inside one of the two parameter
//     ranges is clamped onto the parallelogram instead), incident vertices inside the rectangle
//     (with a looser test when neither crossings nor corners were kept). Corners and vertices
//     report the Euclidean distance between their two points, negative when the incident point
//     lies below the plane, kept if below the plane or within margin; crossings report the
//     distance along the normal. pos is the midpoint of the two points.
//  4. MuJoCo's driver then drops a contact whose position equals (exactly) a later one's.
//
// Count: the candidates are the vertices of the intersection of two convex quads (at most 8)
// plus, on a face axis, the lowest corner when it lies outside the reference face: at most 9.
// MuJoCo does return 9 for a cube resting on an equal cube turned by 30 or 45 degrees, so the
// routine owns 9 slots (collision_num_slots) where the notes' mj_maxContact says 8.
//
// Lockstep form: face and edge cases are one parametrised pass over a parallelogram against a
// rectangle in "face coordinates" (x, y in the reference face plane, z = height above it); the
// per-world case choice is a set of selects on its inputs and on the filters. All loops have
// fixed trip counts; candidates are compacted into the slots by a running count with selects.
// Differences from MuJoCo's float64 arithmetic are confined to near-exact ties: between a face and
// an edge axis whose overlaps agree to ~1e-6 of the scale (where MuJoCo's own pick is decided by
// float64 rounding), and points exactly on a rectangle side.
#pragma once

#include "engine/collision_primitive.h"
#include "engine/defs.h"
#include "engine/math.h"

namespace lockstep {

constexpr int kBoxBoxSlots = 9;
static_assert(kBoxBoxSlots <= kMaxContactSlots, "box-box needs kBoxBoxSlots contact slots");

LS_HD float bb_get(Vec3 v, int i) { return i == 0 ? v.x : i == 1 ? v.y : v.z; }
LS_HD Vec3 bb_pick(const Vec3* v, int i) { return col_select(i == 0, v[0], col_select(i == 1, v[1], v[2])); }

// Face coordinates of a vector given in a box frame, for the face of axis k on side sgn (+-1):
// z = sgn v[k] along the outward normal, and (x, y) the in-plane axes of MuJoCo's rotation of
// that face onto +z (x = xs v[xa], y = ys v[ya] below). Which in-plane axis is x, and its sign,
// set the order in which the rectangle's corners are visited, which MuJoCo's corner rule depends
// on (see collide_box_box). bb_from_face is the inverse.
LS_HD void bb_face_axes(int k, float sgn, int* xa, float* xs, int* ya, float* ys) {
  *xa = k == 0 ? 2 : 0;
  *xs = k == 0 ? -sgn : k == 1 ? 1.0f : sgn;
  *ya = k == 1 ? 2 : 1;
  *ys = k == 1 ? -sgn : 1.0f;
}
LS_HD Vec3 bb_to_face(Vec3 v, int k, float sgn) {
  int xa, ya;
  float xs, ys;
  bb_face_axes(k, sgn, &xa, &xs, &ya, &ys);
  return {xs * bb_get(v, xa), ys * bb_get(v, ya), sgn * bb_get(v, k)};
}
LS_HD Vec3 bb_from_face(Vec3 f, int k, float sgn) {
  int xa, ya;
  float xs, ys;
  bb_face_axes(k, sgn, &xa, &xs, &ya, &ys);
  float c[3];
  for (int i = 0; i < 3; ++i) c[i] = i == k ? sgn * f.z : i == xa ? xs * f.x : ys * f.y;
  return {c[0], c[1], c[2]};
}

// Outcome of the separating-axis test.
struct BoxBoxAxis {
  int code;        // 0..5: box 1's face (axis code%3, side - if code>=3); 6..11: box 2's face, same
                   // encoding of code-6; 12 + 3i + j: edge i of box 1 x edge j of box 2
  bool separated;  // an axis separates the boxes by more than the margin
  Vec3 edge_n;     // edge axis: a1_i x a2_j, unit, in box 1's frame, unsigned
  bool edge_in;    // edge axis: box 2 lies on the -edge_n side
  int cle1, cle2;  // edge axis: corner bits (axis k set = + side) of the nearest edges of box 1, 2
};

// rot[3i + j] = a1_i . a2_j; pos21 = box 2's centre in box 1's frame, pos12 the converse.
LS_HD BoxBoxAxis box_box_axis(const float* rot, Vec3 pos21, Vec3 pos12, Vec3 s1, Vec3 s2,
                              float margin) {
  BoxBoxAxis r{-1, false, {0, 0, 1}, false, 0, 0};
  const float ssum = s1.x + s1.y + s1.z + s2.x + s2.y + s2.z;
  float best = margin + 3.0f * ssum;
  // Ties. MuJoCo keeps the earlier axis on an exact tie, except that an edge axis wins a tie
  // while the best overlap is negative (its 1e-12 relative bias flips sign with the overlap).
  // Exact ties are common in real scenes (parallel faces of stacked boxes make face axes and
  // edge crosses coincide) and decide between manifolds (a face axis reports half the depth).
  // float32 rounds tied overlaps apart by ~1e-7 of the scale, so a tie here means "within tol".
  const float tol = 1e-6f * (ssum + fabsf(pos21.x) + fabsf(pos21.y) + fabsf(pos21.z));
  for (int i = 0; i < 3; ++i) {
    float plen2 = 0.0f, plen1 = 0.0f;  // the other box's radius along a1_i, a2_i
    for (int j = 0; j < 3; ++j) {
      plen2 += fabsf(rot[3 * i + j]) * bb_get(s2, j);
      plen1 += fabsf(rot[3 * j + i]) * bb_get(s1, j);
    }
    float c1 = -fabsf(bb_get(pos21, i)) + bb_get(s1, i) + plen2;
    float c2 = -fabsf(bb_get(pos12, i)) + bb_get(s2, i) + plen1;
    r.separated = r.separated || c1 < -margin || c2 < -margin;
    bool t1 = c1 < best - tol;
    best = t1 ? c1 : best;
    r.code = t1 ? i + (bb_get(pos21, i) < 0.0f ? 3 : 0) : r.code;
    bool t2 = c2 < best - tol;
    best = t2 ? c2 : best;
    r.code = t2 ? 6 + i + (bb_get(pos12, i) < 0.0f ? 3 : 0) : r.code;
  }
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      Vec3 a2{rot[j], rot[3 + j], rot[6 + j]};  // a2_j in box 1's frame
      Vec3 e = i == 0 ? Vec3{0, -a2.z, a2.y} : i == 1 ? Vec3{a2.z, 0, -a2.x} : Vec3{-a2.y, a2.x, 0};
      float len = norm(e);
      // Nearly parallel edges: MuJoCo skips them below 1e-15; float32 rotations are orthonormal
      // to ~1e-7, so the cross is only known to ~1e-7/len rad: below 1e-3 it could not meet the
      // 1e-4 rad tolerance anyway, and such an axis is then (nearly) a face axis already tested.
      bool ok = len >= 1e-3f;
      e = (1.0f / (ok ? len : 1.0f)) * e;
      float c2 = dot(pos21, e);
      float c3 = 0.0f;
      for (int k = 0; k < 3; ++k) {
        c3 += k != i ? bb_get(s1, k) * fabsf(bb_get(e, k)) : 0.0f;
        // |a2_k . e| = |a1_i . a2_(3-j-k)| / len for k != j
        c3 += k != j ? bb_get(s2, k) * fabsf(rot[3 * i + (6 - k - j) % 3]) / (ok ? len : 1.0f) : 0.0f;
      }
      c3 -= fabsf(c2);
      r.separated = r.separated || (ok && c3 < -margin);
      // |best| <= tol counts as touching, where MuJoCo's bias is zero and the face axis stays
      // (boxes placed exactly face to face, as scenes are often written).
      bool take = ok && c3 < (best >= -tol ? best - tol : best + tol);
      int cle1 = 0, cle2 = 0;
      for (int k = 0; k < 3; ++k) {
        // nearest edge of box 1: sign of n_k (n = e signed towards box 2); of box 2: sign of
        // -(a2_k . n), from a2_j x a2_k = +-a2_t (t the third axis, + when k follows j)
        bool cyc = (k - j + 3) % 3 == 1;
        float rt = rot[3 * i + (6 - k - j) % 3];
        cle1 |= (k != i && ((bb_get(e, k) > 0.0f) != (c2 < 0.0f))) ? 1 << k : 0;
        cle2 |= (k != j && (((rt > 0.0f) != (c2 < 0.0f)) != cyc)) ? 1 << k : 0;
      }
      best = take ? c3 : best;
      r.code = take ? 12 + 3 * i + j : r.code;
      r.edge_n = col_select(take, e, r.edge_n);
      r.edge_in = take ? c2 < 0.0f : r.edge_in;
      r.cle1 = take ? cle1 : r.cle1;
      r.cle2 = take ? cle2 : r.cle2;
    }
  return r;
}

// 9 slots (kBoxBoxSlots). margin [m] is the pair's: MuJoCo's rule keeps points by their depth
// (see the header comment), not only by the reported dist.
LS_HD void collide_box_box(const GeomPose& g1, const GeomPose& g2, Contact* out,
                           float margin = 3.0e38f) {
  float rot[9];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) rot[3 * i + j] = dot(column(g1.mat, i), column(g2.mat, j));
  Vec3 pos21 = mul_transpose(g1.mat, g2.pos - g1.pos);
  Vec3 pos12 = mul_transpose(g2.mat, g1.pos - g2.pos);
  BoxBoxAxis ax = box_box_axis(rot, pos21, pos12, g1.size, g2.size, margin);
  const bool edge = ax.code >= 12;

  // ---- the reference face and, in its face coordinates, the incident box -------------------
  // face axis: reference box 2 if code in 6..11; edge axis: box 1 (face chosen below)
  const bool ref2 = !edge && ax.code >= 6;
  const int ei = edge ? (ax.code - 12) / 3 : 0, ej = edge ? (ax.code - 12) % 3 : 0;
  // box 1's axes other than ei, (pax1, pax2) with pax1 the one most aligned with box 2's edge ej;
  // box 2's axes other than ej, (ax1, ax2) with ax1 the one most aligned with box 1's edge ei
  int pax1 = ei == 1 ? 0 : 1, pax2 = ei == 2 ? 0 : 2;
  int bx1 = ej == 1 ? 0 : 1, bx2 = ej == 2 ? 0 : 2;
  {
    bool sw = fabsf(rot[3 * pax1 + ej]) < fabsf(rot[3 * pax2 + ej]);
    int t = pax1;
    pax1 = sw ? pax2 : pax1;
    pax2 = sw ? t : pax2;
    sw = fabsf(rot[3 * ei + bx1]) < fabsf(rot[3 * ei + bx2]);
    t = bx1;
    bx1 = sw ? bx2 : bx1;
    bx2 = sw ? t : bx2;
  }
  const int q1 = ax.code % 6;
  const int k = edge ? pax2 : q1 % 3;
  const float sgn = edge ? ((ax.cle1 >> pax2) & 1 ? 1.0f : -1.0f) : (q1 < 3 ? 1.0f : -1.0f);
  const Vec3 sR = ref2 ? g2.size : g1.size, sI = ref2 ? g1.size : g2.size;
  const Vec3 sF = bb_to_face(sR, k, 1.0f);
  const float lx = fabsf(sF.x), ly = fabsf(sF.y), hz = bb_get(sR, k);
  Vec3 fa[3];  // incident axes in face coordinates
  for (int m = 0; m < 3; ++m) {
    Vec3 a = col_select(ref2, Vec3{rot[3 * m], rot[3 * m + 1], rot[3 * m + 2]},
                        Vec3{rot[m], rot[3 + m], rot[6 + m]});
    fa[m] = bb_to_face(a, k, sgn);
  }
  const Vec3 fp = bb_to_face(ref2 ? pos12 : pos21, k, sgn) - Vec3{0, 0, hz};  // incident centre

  // face axis: the lowest incident corner L and its edges within 60 degrees of the face plane
  Vec3 L = fp, E[3];
  bool par[3];
  for (int m = 0; m < 3; ++m) {
    float sm = bb_get(sI, m);
    bool neg = fa[m].z < 0.0f;
    L = L + (neg ? sm : -sm) * fa[m];
    par[m] = fabsf(fa[m].z) < 0.5f;
    E[m] = (neg ? -2.0f * sm : 2.0f * sm) * fa[m];
  }
  const bool has1 = par[0] || par[1] || par[2];
  const bool has2 = (par[0] ? 1 : 0) + (par[1] ? 1 : 0) + (par[2] ? 1 : 0) >= 2;
  const Vec3 A = col_select(par[0], E[0], col_select(par[1], E[1], E[2]));
  const Vec3 B = col_select(par[0] && par[1], E[1], E[2]);

  // edge axis: box 2's face through its nearest edge (along ej), spanned with axis bx1
  const Vec3 rn = bb_to_face(ax.edge_n, k, sgn);  // unsigned normal, face coordinates
  const float rz = fabsf(rn.z) > 0.0f ? rn.z : 1.0f;  // |rn.z| >= 1/sqrt(2) on an edge axis
  const float innorm = edge ? (ax.edge_in ? -1.0f : 1.0f) / rz : 1.0f;
  const float b1 = (ax.cle2 >> bx1) & 1 ? 1.0f : -1.0f, b2 = (ax.cle2 >> bx2) & 1 ? 1.0f : -1.0f;
  const Vec3 fa1 = bb_get(g2.size, bx1) * bb_pick(fa, bx1), fa2 = bb_get(g2.size, bx2) * bb_pick(fa, bx2);
  const Vec3 faj = bb_get(g2.size, ej) * bb_pick(fa, ej);
  const Vec3 base0 = fp + b1 * fa1 + b2 * fa2, base2 = fp - b1 * fa1 + b2 * fa2;
  Vec3 P[4] = {base0 + faj, base0 - faj, base2 + faj, base2 - faj};
  Vec3 Q[4];  // P projected along rn onto the face plane (edge axis)
  for (int m = 0; m < 4; ++m) Q[m] = P[m] + (-P[m].z / rz) * rn;

  // ---- one parallelogram (O, O+E1, O+E2, O+E1+E2) against the rectangle [-lx,lx] x [-ly,ly] ----
  Vec3 V[4] = {L, L + A, L + B, (L + A) + B};  // vertices (unprojected)
  for (int m = 0; m < 4; ++m) V[m] = col_select(edge, P[m], V[m]);
  const Vec3 O = V[0];
  const Vec3 E1 = col_select(edge, P[1] - P[0], A), E2 = col_select(edge, P[2] - P[0], B);
  // in-plane (projected) copies; on a face axis the projection is straight down
  Vec3 QV[4];
  for (int m = 0; m < 4; ++m) QV[m] = col_select(edge, Q[m], V[m]);
  const Vec3 QE1 = col_select(edge, Q[1] - Q[0], A), QE2 = col_select(edge, Q[2] - Q[0], B);
  const Vec3 QO = QV[0];
  const float margin2 = margin * margin;

  // candidates in face coordinates, compacted into the slots by a running count
  float cdist[kBoxBoxSlots];
  Vec3 cpos[kBoxBoxSlots];
  bool cex[kBoxBoxSlots];
  for (int s = 0; s < kBoxBoxSlots; ++s) {
    cdist[s] = 0.0f;
    cpos[s] = {0, 0, 0};
    cex[s] = false;
  }
  int count = 0;
  auto emit = [&](bool keep, Vec3 pos, float dist) {
    for (int s = 0; s < kBoxBoxSlots; ++s) {  // fixed trip count: the write is a select
      bool w = keep && s == count;
      cpos[s] = col_select(w, pos, cpos[s]);
      cdist[s] = w ? dist : cdist[s];
      cex[s] = cex[s] || w;
    }
    count += keep ? 1 : 0;
  };

  // (a) crossings of the parallelogram's sides with the rectangle's side lines
  int nl = 0;
  for (int l = 0; l < 4; ++l) {
    const Vec3 po = l < 2 ? QO : l == 2 ? QO + QE1 : QO + QE2;
    const Vec3 pd = l == 0 || l == 3 ? QE1 : QE2;
    const Vec3 uo = l < 2 ? O : l == 2 ? O + E1 : O + E2;
    const Vec3 ud = l == 0 || l == 3 ? E1 : E2;
    const bool on = edge || (l == 0 ? has1 : has2);
    for (int q = 0; q < 2; ++q) {
      float a = q ? po.y : po.x, b = q ? pd.y : pd.x, c = q ? po.x : po.y, d = q ? pd.x : pd.y;
      float ext = q ? ly : lx, ext_o = q ? lx : ly;
      bool bok = fabsf(b) > 1e-15f;
      float ib = 1.0f / (bok ? b : 1.0f);
      for (int j = -1; j <= 1; j += 2) {
        float lim = j * ext;
        float t = (lim - a) * ib;
        float c2 = c + d * t;
        bool hit = on && bok && t >= 0.0f && t <= 1.0f && fabsf(c2) <= ext_o;
        Vec3 u = uo + t * ud;  // the incident point
        float depth = u.z * innorm;
        bool keep = hit && depth <= margin;
        // edge axis: midpoint of u and its projection (lim, c2); face axis: halfway up from u
        Vec3 mid_e = 0.5f * u + Vec3{0.5f * (q ? c2 : lim), 0.5f * (q ? lim : c2), 0.0f};
        Vec3 mid_f{u.x, u.y, 0.5f * u.z};
        emit(keep, col_select(edge, mid_e, mid_f), edge ? depth : 0.5f * u.z);
        nl += keep ? 1 : 0;
      }
    }
  }

  // (b) corners of the rectangle inside the projected parallelogram. On an edge axis MuJoCo
  // solves for (u, v) with a divisor that starts as the determinant but is overwritten by the
  // squared distance of each corner that passes the parameter test; later corners use that
  // value. It decides which corners MuJoCo reports (13 of 1000 random states here), so it is kept.
  float divisor = QE1.x * QE2.y - QE2.x * QE1.y;
  int nf = nl;
  for (int i = 0; i < 4; ++i) {
    float cx = i / 2 ? lx : -lx, cy = i % 2 ? ly : -ly;
    float x = cx - QO.x, y = cy - QO.y;
    float idiv = 1.0f / (divisor != 0.0f ? divisor : 1.0f);
    float u = (x * QE2.y - y * QE2.x) * idiv, v = (y * QE1.x - x * QE1.y) * idiv;
    // face axis: strictly inside, height interpolated on the incident face
    bool cand_f = has2 && u > 0.0f && v > 0.0f && u < 1.0f && v < 1.0f;
    float hf = O.z + u * E1.z + v * E2.z;
    // edge axis: inside (or, with no crossing kept, inside one parameter range), clamped
    bool inu = u >= 0.0f && u <= 1.0f, inv = v >= 0.0f && v <= 1.0f;
    bool cand_e = nl == 0 ? (inu || inv) : (inu && inv);
    float uc = col_clamp(u, 0.0f, 1.0f), vc = col_clamp(v, 0.0f, 1.0f);
    Vec3 T = (1.0f - uc - vc) * P[0] + uc * P[1] + vc * P[2];
    Vec3 dT = Vec3{cx, cy, 0.0f} - T;
    float dd = dot(dT, dT);
    divisor = edge && cand_e ? dd : divisor;
    bool keep_e = cand_e && !(T.z > 0.0f && dd > margin2);
    bool keep = edge ? keep_e : cand_f && hf <= margin;
    Vec3 mid_e = 0.5f * (Vec3{cx, cy, 0.0f} + T);
    float dist_e = (T.z < 0.0f ? -1.0f : 1.0f) * sqrtf(dd);
    emit(keep, col_select(edge, mid_e, Vec3{cx, cy, 0.5f * hf}), edge ? dist_e : 0.5f * hf);
    nf += keep ? 1 : 0;
  }

  // (c) vertices of the incident parallelogram inside the rectangle
  for (int i = 0; i < 4; ++i) {
    float x = QV[i].x, y = QV[i].y, z = V[i].z;
    bool outx = x < -lx || x > lx, outy = y < -ly || y > ly;
    // face axis: the lowest corner always; the others if they exist and lie strictly inside
    bool cand_f = i == 0 || ((i == 1 ? has1 : has2) && x > -lx && x < lx && y > -ly && y < ly);
    bool cand_e = nl == 0 ? (nf == 0 || !(outx && outy)) : !(outx || outy);
    float xc = col_clamp(x, -lx, lx), yc = col_clamp(y, -ly, ly);
    float zn = z * innorm;
    float dd = (x - xc) * (x - xc) + (y - yc) * (y - yc) + zn * zn;
    bool keep = edge ? cand_e && !(z > 0.0f && dd > margin2) : cand_f && z <= margin;
    Vec3 mid_e = 0.5f * Vec3{xc, yc, 0.0f} + 0.5f * V[i];
    float dist_e = (z < 0.0f ? -1.0f : 1.0f) * sqrtf(dd);
    emit(keep, col_select(edge, mid_e, Vec3{x, y, 0.5f * z}), edge ? dist_e : 0.5f * z);
  }

  // MuJoCo's driver drops a box-box contact whose position equals a later one's (exactly: the
  // same point reached twice, as where sides meet at a rectangle corner).
  for (int s = 0; s < kBoxBoxSlots; ++s) {
    bool dup = false;
    for (int t = s + 1; t < kBoxBoxSlots; ++t)
      dup = dup || (cex[t] && cpos[t].x == cpos[s].x && cpos[t].y == cpos[s].y &&
                    cpos[t].z == cpos[s].z);
    cex[s] = cex[s] && !dup;
  }

  // ---- back to the world ---------------------------------------------------------------------
  const Mat3& Rm = ref2 ? g2.mat : g1.mat;
  const Vec3 Rp = ref2 ? g2.pos : g1.pos;
  // normal from geom 1 to geom 2: the reference face's outward normal (negated when the
  // reference box is geom 2), or the edge cross signed towards box 2
  Vec3 nf_face = col_select(edge, (ax.edge_in ? -1.0f : 1.0f) * rn, Vec3{0, 0, ref2 ? -1.0f : 1.0f});
  Vec3 n = mul(Rm, bb_from_face(nf_face, k, sgn));
  const Mat3 frame = contact_frame(n, Vec3{0, 0, 0});
  const float live = ax.separated ? 0.0f : 1.0f;
  for (int s = 0; s < kBoxBoxSlots; ++s) {
    Vec3 local = bb_from_face(cpos[s] + Vec3{0, 0, hz}, k, sgn);
    out[s] = {cdist[s], mul(Rm, local) + Rp, frame, cex[s] ? live : 0.0f};
  }
  for (int s = kBoxBoxSlots; s < kMaxContactSlots; ++s) out[s].exists = 0.0f;
}

}  // namespace lockstep
