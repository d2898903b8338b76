// Smooth dynamics in com-based coordinates (MuJoCo mj_comPos, mj_makeM, mj_factorM, mj_comVel,
// mj_rne). Spatial vectors are [rot; lin], world-oriented, about c = subtree_com[body_rootid].
#pragma once

#include "engine/support.h"

namespace lockstep {

// The world's gravity [m/s^2]: param_gravity, or zero when gravity is disabled.
LS_HD Vec3 gravity(const ModelView& m, const Data& d) {
  const float on = (m.opt.disableflags & kDsblGravity) ? 0.0f : 1.0f;
  return on * load3(d.param_gravity(), 0);
}

// Inputs: kinematics, param_mass_scale. Outputs: subtree_mass, subtree_com, cinert, cdof.
template <class L = OneLane>
LS_HD void com_pos(const ModelView& m, const Data& d, L lanes = {}) {
  const int nbody = m.size.nbody;
  lanes.sync();  // kinematics' frames
  for_split(0, nbody, lanes, [&](int b) {
    d.subtree_mass()[b] = m.body_mass[b] * d.param_mass_scale()[b];
    store3(d.subtree_com(), 3 * b, d.subtree_mass()[b] * load3(d.xipos(), 3 * b));
  });
  sum_up_tree(m, lanes, true, [&](int p, int b) {
    store3(d.subtree_com(), 3 * p, load3(d.subtree_com(), 3 * p) + load3(d.subtree_com(), 3 * b));
    d.subtree_mass()[p] += d.subtree_mass()[b];
  });
  for_split(0, nbody, lanes, [&](int b) {
    const float mass = d.subtree_mass()[b];
    // Massless subtrees (model data) take their own com.
    store3(d.subtree_com(), 3 * b,
           mass > 1e-15f ? (1.0f / mass) * load3(d.subtree_com(), 3 * b) : load3(d.xipos(), 3 * b));
  });
  lanes.sync();

  // cinert: principal inertia rotated to world, moved to c by the parallel-axis rule.
  for_split(0, nbody, lanes, [&](int b) {
    const float scale = d.param_mass_scale()[b];
    const float mass = m.body_mass[b] * scale;
    const Mat3 R = load9(d.ximat(), 9 * b);
    const Vec3 diag = scale * load3(m.body_inertia + 3 * b);
    const Vec3 dif = load3(d.xipos(), 3 * b) - load3(d.subtree_com(), 3 * m.body_rootid[b]);
    float I[3][3];
    for (int r = 0; r < 3; ++r)
      for (int s = 0; s < 3; ++s)
        I[r][s] = R.m[3 * r] * diag.x * R.m[3 * s] + R.m[3 * r + 1] * diag.y * R.m[3 * s + 1] +
                  R.m[3 * r + 2] * diag.z * R.m[3 * s + 2];
    const float dd = dot(dif, dif);
    const float dv[3] = {dif.x, dif.y, dif.z};
    Inertia c;
    c.I[0] = I[0][0] + mass * (dd - dv[0] * dv[0]);
    c.I[1] = I[1][1] + mass * (dd - dv[1] * dv[1]);
    c.I[2] = I[2][2] + mass * (dd - dv[2] * dv[2]);
    c.I[3] = I[0][1] - mass * dv[0] * dv[1];
    c.I[4] = I[0][2] - mass * dv[0] * dv[2];
    c.I[5] = I[1][2] - mass * dv[1] * dv[2];
    c.h = mass * dif;
    c.m = mass;
    store_inertia(d.cinert(), 10 * b, c);
  });

  // cdof, joint by joint (types are Model data).
  for_split(0, m.size.njnt, lanes, [&](int j) {
    const int b = m.jnt_bodyid[j];
    const int da = m.jnt_dofadr[j];
    const Vec3 c = load3(d.subtree_com(), 3 * m.body_rootid[b]);
    const Vec3 offset = c - load3(d.xanchor(), 3 * j);
    const int type = m.jnt_type[j];
    if (type == kJntHinge) {
      const Vec3 axis = load3(d.xaxis(), 3 * j);
      store6(d.cdof(), 6 * da, {axis, cross(axis, offset)});
    } else if (type == kJntSlide) {
      store6(d.cdof(), 6 * da, {{0, 0, 0}, load3(d.xaxis(), 3 * j)});
    } else {
      int rot = da;
      if (type == kJntFree) {
        store6(d.cdof(), 6 * da, {{0, 0, 0}, {1, 0, 0}});
        store6(d.cdof(), 6 * da + 6, {{0, 0, 0}, {0, 1, 0}});
        store6(d.cdof(), 6 * da + 12, {{0, 0, 0}, {0, 0, 1}});
        rot = da + 3;
      }
      // Ball and free rotation: the body frame's axes, so ω is expressed locally.
      const Mat3 xmat = load9(d.xmat(), 9 * b);
      for (int k = 0; k < 3; ++k) {
        const Vec3 axis = column(xmat, k);
        store6(d.cdof(), 6 * (rot + k), {axis, cross(axis, offset)});
      }
    }
  });
}

// Composite rigid-body algorithm. Inputs: cinert, cdof. Outputs: crb, qM (dense, both
// triangles) including armature. Only the tree entries (a dof and its ancestors) are written:
// the others are zero from the state's allocation on and nothing else writes qM (Humanoid: 347
// of 529 entries, so 182 stores a step fewer).
template <class L = OneLane>
LS_HD void make_m(const ModelView& m, const Data& d, L lanes = {}) {
  const int nbody = m.size.nbody, nv = m.size.nv;
  if (L::kSerial) {
    copy_entries(d.crb(), d.cinert(), 10 * nbody);
  } else {
    for_split(0, nbody, lanes, [&](int b) {
      copy_entries(sub(d.crb(), 10 * b), sub(d.cinert(), 10 * b), 10);
    });
  }
  sum_up_tree(m, lanes, false, [&](int p, int b) {
    add_inertia(d.crb(), 10 * p, load_inertia(d.crb(), 10 * b));
  });
  for_split(0, nv, lanes, [&](int i) {
    // Force the subtree of dof i exerts when moving along cdof_i, projected on its ancestors;
    // the diagonal also gets the armature.
    const Vec6 f = mul_inertia(load_inertia(d.crb(), 10 * m.dof_bodyid[i]), cdof_of(d, i));
    update_ancestors<4>(
        m, i, true, [&](int j) { return dot(cdof_of(d, j), f); },
        [&](int j, float mij) {
          if (j == i) mij = mij + m.dof_armature[i];
          d.qM()[i * nv + j] = mij;
          d.qM()[j * nv + i] = mij;
        });
  });
  lanes.sync();
}

// Rank-1 update of factor_tree's ancestor block by pivot k: row i (an ancestor of k), columns i
// and its ancestors, LD[i][j] −= s·LD[k][j] with s = LD[k][i]/D[k]. Rows i and k differ, so a
// batch's loads may go before its stores.
LS_HD void update_row(const ModelView& m, Arr<float> LD, int nv, int i, int k, float s) {
  update_ancestors<8>(
      m, i, true, [&](int j) { return LD[i * nv + j] - s * LD[k * nv + j]; },
      [&](int j, float v) { LD[i * nv + j] = v; });
}

// Tree-sparse L'DL factorisation of a dense nv×nv matrix `M` (qM, or qM plus a diagonal) into
// `LD`: D on the diagonal, L (unit lower, nonzero only at ancestor columns) below it. Fill-in is
// confined to ancestor pairs, so the loops run over dofs' ancestors, which are Model data.
// Factors M + scale·diag(diag_add) (scale 0: M itself; Euler's implicit damping otherwise).
// Lanes split the rows a pivot updates (each row's updates keep their order).
template <class L = OneLane>
LS_HD void factor_tree(const ModelView& m, Arr<float> M, Arr<float> LD, Arr<float> diag_add,
                       float scale, L lanes = {}) {
  const int nv = m.size.nv;
  // Only the lower triangle's tree entries: nM of nv² (Humanoid: 185 of 529); the rest of
  // LD is never read.
  for_split(0, nv, lanes, [&](int i) {
    update_ancestors<8>(
        m, i, true, [&](int j) { return M[i * nv + j]; },
        [&](int j, float v) { LD[i * nv + j] = v; });
  });
  for_split(0, nv, lanes, [&](int i) { LD[i * nv + i] += scale * diag_add[i]; });
  for (int k = nv - 1; k >= 0; --k) {
    lanes.sync();
    const float invD = 1.0f / LD[k * nv + k];
    if (L::kSerial) {
      for_each_ancestor(m, k, false, [&](int i) {
        const float tmp = LD[k * nv + i];
        update_row(m, LD, nv, i, k, tmp * invD);
        LD[k * nv + i] = tmp * invD;
      });
      continue;
    }
    // Lanes take rows; row k's entries are read unscaled by every row's update (as in the
    // serial order, where a row's own entry is scaled after its update and the ancestors' later),
    // then scaled.
    const int adr = m.LD_rowadr[k], last = adr + m.LD_rownnz[k] - 2;  // ancestors: adr … last
    for (int t = last - lanes.sub; t >= adr; t -= lanes.count) {
      const int i = m.LD_colind[t];
      update_row(m, LD, nv, i, k, LD[k * nv + i] * invD);
    }
    lanes.sync();
    for (int t = last - lanes.sub; t >= adr; t -= lanes.count) LD[k * nv + m.LD_colind[t]] *= invD;
  }
  lanes.sync();
}

// x ← (L'DL)⁻¹ x with the factor from factor_tree.
LS_HD void solve_tree(const ModelView& m, Arr<float> LD, Arr<float> x) {
  const int nv = m.size.nv;
  // x[k] in a register through its row (an ancestor i is never k; the compiler cannot know).
  for (int k = nv - 1; k >= 0; --k) {
    const float xk = x[k];
    update_ancestors<8>(
        m, k, false, [&](int i) { return x[i] - LD[k * nv + i] * xk; },
        [&](int i, float v) { x[i] = v; });
  }
  set_entries(x, nv, [&](int k) { return x[k] / LD[k * nv + k]; });
  for (int k = 0; k < nv; ++k) {
    float xk = x[k];
    for_each_ancestor(m, k, false, [&](int i) { xk -= LD[k * nv + i] * x[i]; });
    x[k] = xk;
  }
}

// Body b's part of com_vel_rne's walk down the tree, from its parent's cvel and cacc.
LS_HD void body_vel_rne(const ModelView& m, const Data& d, int b) {
  const int parent = m.body_parentid[b];
  Vec6 cvel = load6(d.cvel(), 6 * parent);
  Vec6 cacc = load6(d.cacc(), 6 * parent);
  // Dof i's cdof_dot, and its term of cacc (the body's dofs come in order).
  auto dof_dot = [&](int i, float qvel, const Vec6& cdof_dot) {
    store6(d.cdof_dot(), 6 * i, cdof_dot);
    cacc += qvel * cdof_dot;
  };
  for (int k = 0; k < m.body_jntnum[b]; ++k) {
    const int j = m.body_jntadr[b] + k;
    int da = m.jnt_dofadr[j];
    const int type = m.jnt_type[j];
    if (type == kJntFree) {
      for (int t = 0; t < 3; ++t) {
        const float qvel = d.qvel()[da + t];
        dof_dot(da + t, qvel, {{0, 0, 0}, {0, 0, 0}});
        cvel += qvel * cdof_of(d, da + t);
      }
      da += 3;
    }
    if (type == kJntFree || type == kJntBall) {
      Vec6 dv{{0, 0, 0}, {0, 0, 0}};
      for (int t = 0; t < 3; ++t) {
        const float qvel = d.qvel()[da + t];
        const Vec6 cdof = cdof_of(d, da + t);
        dof_dot(da + t, qvel, cross_motion(cvel, cdof));
        dv += qvel * cdof;
      }
      cvel += dv;
    } else {
      const float qvel = d.qvel()[da];
      const Vec6 cdof = cdof_of(d, da);
      dof_dot(da, qvel, cross_motion(cvel, cdof));
      cvel += qvel * cdof;
    }
  }
  store6(d.cvel(), 6 * b, cvel);
  store6(d.cacc(), 6 * b, cacc);
  const Inertia c = load_inertia(d.cinert(), 10 * b);
  store6(d.cfrc_int(), 6 * b, mul_inertia(c, cacc) + cross_force(cvel, mul_inertia(c, cvel)));
}

// mj_comVel, then mj_rne with zero acceleration, in one walk down the tree: a body's cvel and its
// dofs' cdof_dot feed its cacc and cfrc_int from registers, where a second walk read them back
// from memory (evicted from L2 by then in large batches). Same sums in the same order as the two
// walks. Inputs: cdof, cinert, qvel. Outputs: cvel, cdof_dot, cacc, cfrc_int (scratch),
// qfrc_bias = C(q, v) + g(q). Ball dofs all use the velocity before the ball; free translation
// has cdof_dot = 0.
template <class L = OneLane>
LS_HD void com_vel_rne(const ModelView& m, const Data& d, L lanes = {}) {
  if (lanes.runs(0)) {
    store6(d.cvel(), 0, {{0, 0, 0}, {0, 0, 0}});
    store6(d.cacc(), 0, {{0, 0, 0}, -1.0f * gravity(m, d)});
    store6(d.cfrc_int(), 0, {{0, 0, 0}, {0, 0, 0}});
  }
  walk_down_tree(m, lanes, [&](int b) { body_vel_rne(m, d, b); });
  sum_up_tree(m, lanes, false, [&](int p, int b) {
    store6(d.cfrc_int(), 6 * p, load6(d.cfrc_int(), 6 * p) + load6(d.cfrc_int(), 6 * b));
  });
  for_split(0, m.size.nv, lanes, [&](int i) {
    d.qfrc_bias()[i] = dot(cdof_of(d, i), load6(d.cfrc_int(), 6 * m.dof_bodyid[i]));
  });
}

}  // namespace lockstep
