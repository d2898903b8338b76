// Constraint rows (MuJoCo mj_makeConstraint, mj_makeImpedance, mj_referenceConstraint) for
// joint limits, fixed-tendon limits and contacts, in MuJoCo's soft-constraint model.
//
// Rows live in fixed slots assigned when the model is compiled (compile_constraint_rows):
// 2 per limited joint or tendon (lower, upper), then each contact slot's rows (pyramidal:
// 1 if condim = 1 else 2·(condim−1); elliptic: condim). A row is active by mask: a limit when
// its distance is below its margin, a contact when its slot is active and dist < margin − gap.
// The active rows' ids, in MuJoCo's order (limits, then contacts), make the list the solvers
// walk, so they see MuJoCo's active set. An inactive row gets efc_active = 0 and nothing else:
// its Jacobian, parameters and force are stale, and nothing reads them.
#pragma once

#include "engine/support.h"

namespace lockstep {

// Impedance d ∈ (0, 1) at violation `pos` with margin, MuJoCo's solimp sigmoid:
// solimp = (dmin, dmax, width, midpoint, power), sanitised as MuJoCo does.
LS_HD float impedance(ModelArray<float> solimp, float pos, float margin) {
  const float dmin = clampf(solimp[0], 1e-4f, 0.9999f);
  const float dmax = clampf(solimp[1], 1e-4f, 0.9999f);
  const float width = solimp[2];
  const float mid = clampf(solimp[3], 1e-4f, 0.9999f);
  const float power = fmaxf(1.0f, solimp[4]);
  if (dmin == dmax || width <= 1e-15f) return 0.5f * (dmin + dmax);
  const float x = fabsf(pos - margin) / width;
  if (x >= 1.0f) return dmax;
  const float y = x <= mid ? powf(x, power) / powf(mid, power - 1.0f)
                           : 1.0f - powf(1.0f - x, power) / powf(1.0f - mid, power - 1.0f);
  return dmin + y * (dmax - dmin);
}

// Reference-acceleration gains from solref, with dmax = solimp[1]:
// standard (timeconst, dampratio > 0): B = 2/(dmax·tc), K = 1/(dmax²·tc²·dr²), tc ≥ 2·timestep
// unless refsafe is off; direct (both ≤ 0): B = −dr/dmax, K = −tc/dmax². Mixed signs → default.
LS_HD void solref_gains(const ModelView& m, ModelArray<float> solref, ModelArray<float> solimp,
                        float* K, float* B) {
  float tc = solref[0], dr = solref[1];
  if ((tc > 0) != (dr > 0) || (tc == 0 && dr == 0)) {
    tc = 0.02f;
    dr = 1.0f;
  }
  const float dmax = clampf(solimp[1], 1e-4f, 0.9999f);
  if (tc > 0) {
    if (!(m.opt.disableflags & kDsblRefsafe)) tc = fmaxf(tc, 2.0f * m.opt.timestep);
    *B = 2.0f / (dmax * tc);
    *K = 1.0f / (dmax * dmax * tc * tc * dr * dr);
  } else {
    *B = -dr / dmax;
    *K = -tc / (dmax * dmax);
  }
}

// Fills one row: violation pos, margin, solver parameters; R = (1−d)/d·Â.
// The Jacobian row is written by the caller; aref needs efc velocity (set_row_aref).
struct RowParams {
  float pos, margin, K, B, d, R;
};
LS_HD RowParams row_params(const ModelView& m, ModelArray<float> solref,
                           ModelArray<float> solimp, float pos, float margin, float diag_approx) {
  RowParams p;
  p.pos = pos;
  p.margin = margin;
  solref_gains(m, solref, solimp, &p.K, &p.B);
  p.d = impedance(solimp, pos, margin);
  p.R = fmaxf(1e-15f, (1.0f - p.d) / p.d * diag_approx);
  return p;
}

// Row r's velocity J_r·qvel (its Jacobian row written).
LS_HD float row_velocity(const Data& d, int nv, int r) {
  float vel = 0;
  for (int i = 0; i < nv; ++i) vel += d.efc_J()[r * nv + i] * d.qvel()[i];
  return vel;
}

// Active row r of velocity vel = J_r·qvel: aref = −B·vel − K·d·(pos − margin).
LS_HD void write_row(const Data& d, int r, const RowParams& p, float vel, bool spring) {
  d.efc_active()[r] = 1;
  d.efc_pos()[r] = p.pos;
  d.efc_margin()[r] = p.margin;
  d.efc_R()[r] = p.R;
  d.efc_aref()[r] = -p.B * vel - (spring ? p.K * p.d * (p.pos - p.margin) : 0.0f);
}

LS_HD void zero_row(const Data& d, int nv, int r) {
  for (int i = 0; i < nv; ++i) d.efc_J()[r * nv + i] = 0;
}

// The world's active-row list while its rows are filled: ids appended in increasing order, as
// one thread fills rows in the order the model numbers them. A world split over lanes fills
// them out of order, so it only counts here and builds the list afterwards (active_row_list).
struct RowList {
  int n = 0;
  bool write = true;
};
LS_HD void append_active_row(const Data& d, RowList& list, int r) {
  if (list.write) d.efc_rowid()[list.n] = static_cast<float>(r);
  ++list.n;
}

// Distance of x from its lower (side 0) or upper (side 1) limit in range[0..1].
LS_HD float limit_dist(ModelArray<float> range, float x, int side) {
  return side == 0 ? x - range[0] : range[1] - x;
}

// Limit rows of joints and tendons; active ones appended to the active-row list.
// Thread per world, a warp runs a row's code once for every row active in any of its worlds, so
// each world visits only its own active rows (a bit mask per chunk of joints, read with loads
// alone first), in row order. H200, constraint-rows stage: Humanoid 16.3 → 15.8 ns per
// world-step at 262,144 worlds, Ant 40.4 → 37.5 at 4,096 (contacts: see contact_rows_fill).
// Lanes take joints and tendons.
template <class L = OneLane>
LS_HD void limit_rows(const ModelView& m, const Data& d, RowList& list, L lanes = {}) {
  const int nv = m.size.nv;
  const bool enabled = !(m.opt.disableflags & (kDsblLimit | kDsblConstraint));
  if (!enabled) return;
  constexpr int kChunk = 16;  // joints: two rows (bits) each
  for (int j0 = 0; j0 < m.size.njnt; j0 += kChunk) {
    const int count = m.size.njnt - j0 < kChunk ? m.size.njnt - j0 : kChunk;
    unsigned on = 0;  // bit 2k + side: row `side` (0 lower, 1 upper) of joint j0 + k
    for (int k = 0; k < count; ++k) {
      const int j = j0 + k;
      if (m.jnt_efcadr[j] < 0 || !lanes.runs(j)) continue;  // not limited, or another lane's
      const float q = d.qpos()[m.jnt_qposadr[j]];
      for (int side = 0; side < 2; ++side)
        if (limit_dist(m.jnt_range + 2 * j, q, side) < m.jnt_margin[j]) on |= 1u << (2 * k + side);
    }
    for (; on != 0; on &= on - 1) {
      const int bit = lowest_bit(on), j = j0 + (bit >> 1), side = bit & 1;
      const int r = m.jnt_efcadr[j] + side, da = m.jnt_dofadr[j];
      const float q = d.qpos()[m.jnt_qposadr[j]];
      const float dist = limit_dist(m.jnt_range + 2 * j, q, side);
      const float sign = side == 0 ? 1.0f : -1.0f;
      zero_row(d, nv, r);
      d.efc_J()[r * nv + da] = sign;
      append_active_row(d, list, r);
      const RowParams p = row_params(m, m.jnt_solref + 2 * j, m.jnt_solimp + 5 * j, dist,
                                     m.jnt_margin[j], m.dof_invweight0[da]);
      // J_r·qvel with J_r = ±e_da, without reading back the row just stored (the general
      // product cost nv loads of J and of qvel per row: Ant's rows are mostly limits).
      write_row(d, r, p, sign * d.qvel()[da], true);
    }
  }
  for (int t = 0; t < m.size.ntendon; ++t) {
    const int r = m.tendon_efcadr[t];
    if (r < 0 || !lanes.runs(t)) continue;  // not limited, or another lane's
    const float len = d.ten_length()[t];
    for (int side = 0; side < 2; ++side) {
      const float dist = limit_dist(m.tendon_range + 2 * t, len, side);
      if (!(dist < m.tendon_margin[t])) continue;  // per-world mask, as for joints
      const float sign = side == 0 ? 1.0f : -1.0f;
      zero_row(d, nv, r + side);
      for (int w = m.tendon_adr[t]; w < m.tendon_adr[t] + m.tendon_num[t]; ++w)
        d.efc_J()[(r + side) * nv + m.jnt_dofadr[m.wrap_objid[w]]] += sign * m.wrap_prm[w];
      append_active_row(d, list, r + side);
      const RowParams p = row_params(m, m.tendon_solref_lim + 2 * t, m.tendon_solimp_lim + 5 * t,
                                     dist, m.tendon_margin[t], m.tendon_invweight0[t]);
      write_row(d, r + side, p, row_velocity(d, nv, r + side), true);
    }
  }
}

// Friction of candidate pair c in this world: the pair's 5 coefficients × param_friction.
LS_HD void pair_friction(const ModelView& m, const Data& d, int c, float mu[5]) {
  for (int k = 0; k < 5; ++k) mu[k] = m.collision_friction[5 * c + k] * d.param_friction()[0];
}

// Number of rows of a contact of dimensionality `condim` under the model's cone.
LS_HD int contact_rows(const ModelView& m, int condim) {
  return m.opt.cone == kConeElliptic ? condim : (condim == 1 ? 1 : 2 * (condim - 1));
}

// Most rows a contact has: pyramidal condim 6.
constexpr int kMaxContactRows = 10;

// Entry k of a contact's Jacobian rows from one body's v6 (see contact_slot_rows).
LS_HD float contact_row_entry(const float v6[6], const float mu[5], int k, int dim,
                              bool elliptic) {
  if (elliptic) return v6[k];
  if (dim == 1) return v6[0];
  const int f = k >> 1;  // friction direction of the pair of rows 2f, 2f + 1
  return (k & 1) ? v6[0] - mu[f] * v6[f + 1] : v6[0] + mu[f] * v6[f + 1];
}

// v6 of dof i for the body whose subtree com is `com` (see contact_slot_rows).
LS_HD void contact_v6(const Data& d, int i, Vec3 pos, Vec3 com, const Vec3 frame[3],
                      float v6[6]) {
  Vec3 jp, jr;
  jac_column(cdof_of(d, i), pos, com, &jp, &jr);
  for (int a = 0; a < 3; ++a) {
    v6[a] = dot(frame[a], jp);
    v6[a + 3] = dot(frame[a], jr);
  }
}

// Contact rows of active slot s, appended to the active-row list. The relative velocity of
// geom2 w.r.t. geom1 at the contact point, projected on the contact frame, gives
// v6 = [n, t1, t2 (translation); n, t1, t2 (rotation)] per dof.
// Pyramidal rows: J_n ± μ_k·J_k (k = t1, t2, spin, roll1, roll2), all with pos = dist.
// Elliptic rows: J_n, J_t1, ... with pos = dist on the normal and no spring on friction rows.
// Dof by dof, each entry is summed in registers (geom1's body's term, then geom2's) and stored
// once, and each row's velocity J_r·qvel accumulates beside it: adding into zeroed rows in the
// state, then reading them back, made every update's loads wait for the store before (the
// compiler cannot rule out that they alias). Same sums in the same order.
LS_HD void contact_slot_rows(const ModelView& m, const Data& d, int s, bool elliptic,
                             RowList& list) {
  const int nv = m.size.nv;
  const int c = m.slot_collisionid[s];
  const int dim = m.collision_condim[c];
  const int nrow = contact_rows(m, dim);
  const int r0 = m.slot_efcadr[s];
  float mu[5];
  pair_friction(m, d, c, mu);
  const float dist = d.contact_dist()[s];
  const float includemargin = m.collision_margin[c] - m.collision_gap[c];
  for (int k = 0; k < nrow; ++k) append_active_row(d, list, r0 + k);

  const Vec3 pos = load3(d.contact_pos(), 3 * s);
  const Vec3 frame[3] = {load3(d.contact_frame(), 9 * s), load3(d.contact_frame(), 9 * s + 3),
                         load3(d.contact_frame(), 9 * s + 6)};
  const int b1 = m.geom_bodyid[m.collision_geom1[c]], b2 = m.geom_bodyid[m.collision_geom2[c]];
  const Vec3 com1 = load3(d.subtree_com(), 3 * m.body_rootid[b1]);
  const Vec3 com2 = load3(d.subtree_com(), 3 * m.body_rootid[b2]);
  // The dofs moving each body, ascending: row `last` of qLD's sparsity (ancestors, then itself).
  const int last1 = last_dof_of_body(m, b1), last2 = last_dof_of_body(m, b2);
  int next1 = last1 < 0 ? 0 : m.LD_rowadr[last1];
  int next2 = last2 < 0 ? 0 : m.LD_rowadr[last2];
  const int end1 = last1 < 0 ? 0 : next1 + m.LD_rownnz[last1];
  const int end2 = last2 < 0 ? 0 : next2 + m.LD_rownnz[last2];
  float vel[kMaxContactRows] = {};
  for (int i = 0; i < nv; ++i) {
    const bool moves1 = next1 < end1 && m.LD_colind[next1] == i;
    const bool moves2 = next2 < end2 && m.LD_colind[next2] == i;
    next1 += moves1;
    next2 += moves2;
    float v1[6] = {}, v2[6] = {};
    if (moves1) contact_v6(d, i, pos, com1, frame, v1);
    if (moves2) contact_v6(d, i, pos, com2, frame, v2);
    const float qvel = d.qvel()[i];
    LS_UNROLL for (int k = 0; k < kMaxContactRows; ++k) {
      if (k >= nrow) break;
      float entry = 0;
      if (moves1) entry += -1.0f * contact_row_entry(v1, mu, k, dim, elliptic);
      if (moves2) entry += 1.0f * contact_row_entry(v2, mu, k, dim, elliptic);
      d.efc_J()[(r0 + k) * nv + i] = entry;
      vel[k] += entry * qvel;
    }
  }

  // Regulariser from the qpos0 inverse weights of both bodies (MuJoCo's diagApprox), then
  // MuJoCo's cone adjustments: R1 = R0/impratio, μ_reg = μ0·sqrt(R1/R0).
  const float tran = m.body_invweight0[2 * b1] + m.body_invweight0[2 * b2];
  const ModelArray<float> solref = m.collision_solref + 2 * c;
  const ModelArray<float> solimp = m.collision_solimp + 5 * c;
  RowParams p0 = row_params(m, solref, solimp, dist, includemargin,
                            (!elliptic && dim > 1) ? tran + mu[0] * mu[0] * tran : tran);
  const float R1 = p0.R / m.opt.impratio;
  const float mu_reg = mu[0] * sqrtf(R1 / p0.R);
  LS_UNROLL for (int k = 0; k < kMaxContactRows; ++k) {  // unrolled: vel stays in registers
    if (k >= nrow) break;
    RowParams p = p0;
    bool spring = true;
    if (!elliptic && dim > 1) {
      p.R = 2.0f * mu_reg * mu_reg * p0.R;
    } else if (elliptic && k > 0) {
      p.R = R1 * mu[0] * mu[0] / (mu[k - 1] * mu[k - 1]);
      p.pos = 0;
      spring = false;
    }
    write_row(d, r0 + k, p, vel[k], spring);
  }
}

// Every contact slot's rows (contact_slot_rows). Lanes take slots.
template <class L = OneLane>
LS_HD void contact_rows_fill(const ModelView& m, const Data& d, RowList& list, L lanes = {}) {
  const bool enabled = !(m.opt.disableflags & (kDsblContact | kDsblConstraint));
  const bool elliptic = m.opt.cone == kConeElliptic;
  for (int s0 = 0; s0 < m.size.ncon_max; s0 += 32) {
    const int count = m.size.ncon_max - s0 < 32 ? m.size.ncon_max - s0 : 32;
    // The chunk's active slots first, with loads only: a store between two loads would order
    // each after the last (the compiler cannot rule out that they alias), one load latency per
    // slot on the GPU.
    unsigned chunk = 0;
    for (int j = 0; j < count; ++j) {
      const int s = s0 + j, c = m.slot_collisionid[s];
      const float includemargin = m.collision_margin[c] - m.collision_gap[c];
      const bool on = enabled && lanes.runs(s) && d.contact_active()[s] > 0 &&
                      d.contact_dist()[s] < includemargin;
      chunk |= on ? 1u << j : 0u;
    }
    // Slot by slot, so a warp's lanes write the same rows (coalesced in the world-fastest
    // state) even though it runs the rows of every slot active in any of its worlds. Visiting
    // only each world's own active slots (as limit_rows) cut the Humanoid's instructions here
    // from 397M to 169M but scattered its lanes' rows: the stage went from 16.3 to 19.1 ns per
    // world-step at 262,144 worlds (H200, 2026-12-03).
    for (int j = 0; j < count; ++j)
      if (chunk >> j & 1u) contact_slot_rows(m, d, s0 + j, elliptic, list);
  }
}

// The active-row list from efc_active, each lane taking every count-th row: rows the world's
// lanes filled out of order, listed in increasing order. Returns the number of active rows.
template <class L>
LS_HD int active_row_list(const ModelView& m, const Data& d, L lanes) {
  lanes.sync();
  int nefc = 0;
  for (int r0 = 0; r0 < m.size.nefc_max; r0 += lanes.count) {
    const int r = r0 + lanes.sub;
    const bool on = r < m.size.nefc_max && d.efc_active()[r] != 0.0f;
    int total = 0;
    const int before = lanes.rank(on, &total);
    if (on) d.efc_rowid()[nefc + before] = static_cast<float>(r);
    nefc += total;
  }
  return nefc;
}

// All rows, with nefc = number of active rows and their ids in efc_rowid, so that the solvers
// visit a world's few active rows instead of every slot (measured means: Ant ~4 of 116 slots,
// Humanoid ~5-6 of 311).
// Inputs: kinematics, com_pos, collision, qvel.
template <class L = OneLane>
LS_HD void make_constraint(const ModelView& m, const Data& d, L lanes = {}) {
  // The last call's active rows flagged inactive, then this call's written: efc_active is 1
  // exactly on the rows of the active list (0 from the state's allocation on, and nothing else
  // writes it). Inactive rows are otherwise left as they are (zeroing them cost Humanoid 311·23
  // stores a step); flagging every row inactive took nefc_max stores a step (Humanoid 311, of
  // which ~12 had been active). The list is state a user can overwrite, so it is bounded
  // (compared as floats: NaN fails both tests) before it indexes anything.
  const int nefc_max = m.size.nefc_max;
  const float last = d.nefc()[0];
  const int previous = last > 0 ? (last < nefc_max ? static_cast<int>(last) : nefc_max) : 0;
  constexpr int kBatch = 8;  // a batch's row ids loaded before its stores (see set_entries)
  for (int k0 = lanes.sub * kBatch; k0 < previous; k0 += lanes.count * kBatch) {
    float r[kBatch];
    LS_UNROLL for (int c = 0; c < kBatch; ++c)
      r[c] = k0 + c < previous ? d.efc_rowid()[k0 + c] : -1.0f;
    LS_UNROLL for (int c = 0; c < kBatch; ++c)
      if (r[c] >= 0 && r[c] < nefc_max) d.efc_active()[static_cast<int>(r[c])] = 0;
  }
  lanes.sync();
  RowList list;
  list.write = L::kSerial;
  limit_rows(m, d, list, lanes);
  contact_rows_fill(m, d, list, lanes);
  const int nefc = list.write ? list.n : active_row_list(m, d, lanes);
  if (lanes.runs(0)) d.nefc()[0] = static_cast<float>(nefc);
}

// Number of active rows, and the id of the k-th (k < active_rows).
LS_HD int active_rows(const Data& d) { return static_cast<int>(d.nefc()[0]); }
LS_HD int active_row(const Data& d, int k) { return static_cast<int>(d.efc_rowid()[k]); }

// Contact forces in the contact frame from row forces (MuJoCo mj_contactForce): pyramidal
// normal = Σ f, tangent k = (f₂ₖ − f₂ₖ₊₁)·μₖ; elliptic rows are the components themselves.
// Writes all six entries of slot s (zero for an inactive slot).
LS_HD void contact_force_slot(const ModelView& m, const Data& d, int s) {
  const int c = m.slot_collisionid[s];
  const int dim = m.collision_condim[c];
  const int r0 = m.slot_efcadr[s];
  const bool active = d.efc_active()[r0] != 0.0f;  // else the rows' forces are stale
  // An inactive pyramidal slot whose normal force is zero is all zero already: its normal was
  // the sum of its rows' forces, each ≥ 0, so they and the tangents were 0 (NaN ≠ 0 is zeroed).
  // One load where six stores were (Humanoid: 190 slots a step, ~3 active).
  const bool zeroed = !active && m.opt.cone != kConeElliptic && d.contact_force()[6 * s] == 0.0f;
  if (zeroed) return;  // per-world mask
  for (int k = active ? dim : 0; k < 6; ++k) d.contact_force()[6 * s + k] = 0;
  if (!active) return;
  if (m.opt.cone == kConeElliptic) {
    for (int k = 0; k < dim; ++k) d.contact_force()[6 * s + k] = d.efc_force()[r0 + k];
    return;
  }
  float mu[5];
  pair_friction(m, d, c, mu);
  float normal = 0;
  for (int k = 0; k < contact_rows(m, dim); ++k) normal += d.efc_force()[r0 + k];
  d.contact_force()[6 * s] = normal;
  for (int k = 0; k < dim - 1; ++k)
    d.contact_force()[6 * s + 1 + k] =
        (d.efc_force()[r0 + 2 * k] - d.efc_force()[r0 + 2 * k + 1]) * mu[k];
}

LS_HD void contact_force(const ModelView& m, const Data& d) {
  for (int s = 0; s < m.size.ncon_max; ++s) contact_force_slot(m, d, s);
}

}  // namespace lockstep
