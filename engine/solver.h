// Constraint solvers (MuJoCo mj_fwdConstraint): minimise over qacc
//   ½‖qacc − qacc_smooth‖²_M + Σ_rows s(J·qacc − aref),
// with s the soft-constraint cost of each active row. Outputs qacc, efc_force, qfrc_constraint.
//
// Newton (primal; MuJoCo's default): H = M + Jᵀ·D_active·J, exact line search along the Newton
// direction. PGS (dual, sequential Gauss-Seidel over rows, as mujoco ≤ 3.8.0): projected updates
// of the row forces. CG runs as Newton: both minimise the same convex cost.
//
// Every world runs the same loops over the same row slots; inactive rows have zero Jacobian and
// are skipped by a mask. The iteration loops exit early per world once the improvement falls
// below opt.tolerance (MuJoCo's test); on the GPU a warp runs until its slowest world, and the
// results do not depend on which worlds share a warp.
#pragma once

#include "engine/constraint.h"
#include "engine/smooth.h"

namespace lockstep {

// qfrc = Jᵀ·f over every row slot.
LS_HD void mul_jt(const ModelView& m, const Data& d, Arr<float> f, Arr<float> qfrc) {
  const int nv = m.size.nv;
  for (int i = 0; i < nv; ++i) qfrc[i] = 0;
  for (int r = 0; r < m.size.nefc_max; ++r) {
    const float fr = f[r];
    if (fr == 0.0f) continue;  // inactive rows (mask); a warp pays for the union
    for (int i = 0; i < nv; ++i) qfrc[i] += d.efc_J[r * nv + i] * fr;
  }
}

LS_HD float row_dot(const Data& d, int nv, int r, Arr<float> x) {
  float s = 0;
  for (int i = 0; i < nv; ++i) s += d.efc_J[r * nv + i] * x[i];
  return s;
}

// y = qM·x (dense).
LS_HD void mul_m(const ModelView& m, const Data& d, Arr<float> x, Arr<float> y) {
  const int nv = m.size.nv;
  for (int i = 0; i < nv; ++i) {
    float s = 0;
    for (int j = 0; j < nv; ++j) s += d.qM[i * nv + j] * x[j];
    y[i] = s;
  }
}

// Primal cost at qacc = a with M·a in `Ma`: Gauss term + ½·D·jar² on active rows with jar < 0.
LS_HD float primal_cost(const ModelView& m, const Data& d, Arr<float> a, Arr<float> Ma) {
  const int nv = m.size.nv;
  float cost = 0;
  for (int i = 0; i < nv; ++i) cost += 0.5f * (Ma[i] - d.qfrc_smooth[i]) * (a[i] - d.qacc_smooth[i]);
  for (int r = 0; r < m.size.nefc_max; ++r) {
    if (d.efc_active[r] == 0.0f) continue;
    const float jar = row_dot(d, nv, r, a) - d.efc_aref[r];
    if (jar < 0) cost += 0.5f * jar * jar / d.efc_R[r];
  }
  return cost;
}

// In-place dense Cholesky L·Lᵀ of the nv×nv matrix H (lower triangle); tiny pivots clamped.
LS_HD void cholesky(int n, Arr<float> H) {
  for (int j = 0; j < n; ++j) {
    float djj = H[j * n + j];
    for (int k = 0; k < j; ++k) djj -= H[j * n + k] * H[j * n + k];
    djj = sqrtf(fmaxf(djj, 1e-15f));
    H[j * n + j] = djj;
    for (int i = j + 1; i < n; ++i) {
      float s = H[i * n + j];
      for (int k = 0; k < j; ++k) s -= H[i * n + k] * H[j * n + k];
      H[i * n + j] = s / djj;
    }
  }
}
LS_HD void cholesky_solve(int n, Arr<float> L, Arr<float> x) {
  for (int i = 0; i < n; ++i) {
    float s = x[i];
    for (int k = 0; k < i; ++k) s -= L[i * n + k] * x[k];
    x[i] = s / L[i * n + i];
  }
  for (int i = n - 1; i >= 0; --i) {
    float s = x[i];
    for (int k = i + 1; k < n; ++k) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
}

// Newton's method on the primal cost; qacc holds the starting point on entry.
LS_HD void solve_newton(const ModelView& m, const Data& d) {
  const int nv = m.size.nv, nefc = m.size.nefc_max;
  const Arr<float> a = d.qacc, grad = d.solver_scratch, p = sub(d.solver_scratch, nv),
                   Mp = sub(d.solver_scratch, 2 * nv), Jp = d.efc_scratch,
                   jar = sub(d.efc_scratch, nefc), Ma = d.qfrc_constraint;  // scratch until end
  const float scale = 1.0f / (m.stat_meaninertia[0] * fmaxf(1.0f, float(nv)));
  int iter = 0;
  mul_m(m, d, a, Ma);
  float cost = primal_cost(m, d, a, Ma);
  for (; iter < m.opt.iterations; ++iter) {
    // Row forces f = −D·jar on the active set, gradient M·a − qfrc_smooth − Jᵀ·f, Hessian.
    for (int r = 0; r < nefc; ++r) {
      const float j = d.efc_active[r] != 0.0f ? row_dot(d, nv, r, a) - d.efc_aref[r] : 0.0f;
      jar[r] = j;
      d.efc_force[r] = j < 0 ? -j / d.efc_R[r] : 0.0f;
    }
    mul_jt(m, d, d.efc_force, grad);
    for (int i = 0; i < nv; ++i) grad[i] = Ma[i] - d.qfrc_smooth[i] - grad[i];
    for (int k = 0; k < nv * nv; ++k) d.qH[k] = d.qM[k];
    for (int r = 0; r < nefc; ++r) {
      if (!(jar[r] < 0)) continue;  // inactive or satisfied row: no curvature
      const float D = 1.0f / d.efc_R[r];
      for (int i = 0; i < nv; ++i) {
        const float Ji = D * d.efc_J[r * nv + i];
        if (Ji == 0.0f) continue;
        for (int k = 0; k <= i; ++k) d.qH[i * nv + k] += Ji * d.efc_J[r * nv + k];
      }
    }
    cholesky(nv, d.qH);
    for (int i = 0; i < nv; ++i) p[i] = -grad[i];
    cholesky_solve(nv, d.qH, p);

    // Exact line search on the convex piecewise quadratic φ(α) = cost(a + α·p): safeguarded
    // Newton on φ′ inside a bracket [lo, hi].
    mul_m(m, d, p, Mp);
    float g0 = 0, pMp = 0;
    for (int i = 0; i < nv; ++i) {
      g0 += p[i] * (Ma[i] - d.qfrc_smooth[i]);
      pMp += p[i] * Mp[i];
    }
    for (int r = 0; r < nefc; ++r) Jp[r] = d.efc_active[r] != 0.0f ? row_dot(d, nv, r, p) : 0.0f;
    auto slope = [&](float alpha, float* curvature) {
      float g = g0 + alpha * pMp, h = pMp;
      for (int r = 0; r < nefc; ++r) {
        const float x = jar[r] + alpha * Jp[r];
        if (d.efc_active[r] != 0.0f && x < 0) {
          const float D = 1.0f / d.efc_R[r];
          g += D * x * Jp[r];
          h += D * Jp[r] * Jp[r];
        }
      }
      *curvature = h;
      return g;
    };
    float h0;
    const float d0 = slope(0.0f, &h0);
    if (!(d0 < 0)) break;  // no descent left: converged to rounding
    float lo = 0, hi = 3.4e38f, alpha = 0, g = d0, h = h0;
    const int ls_max = m.opt.ls_iterations < 50 ? m.opt.ls_iterations : 50;
    for (int ls = 0; ls < ls_max; ++ls) {
      float next = alpha - g / h;
      if (!(next > lo && next < hi)) next = hi < 3.4e38f ? 0.5f * (lo + hi) : 2.0f * fmaxf(next, lo + 1.0f);
      alpha = next;
      g = slope(alpha, &h);
      if (g < 0) lo = alpha; else hi = alpha;
      if (fabsf(g) <= m.opt.ls_tolerance * fabsf(d0)) break;
    }
    for (int i = 0; i < nv; ++i) {
      a[i] += alpha * p[i];
      Ma[i] += alpha * Mp[i];
    }
    const float new_cost = primal_cost(m, d, a, Ma);
    const float improvement = scale * (cost - new_cost);
    cost = new_cost;
    float gnorm = 0;
    for (int i = 0; i < nv; ++i) gnorm += grad[i] * grad[i];
    if (improvement < m.opt.tolerance || scale * sqrtf(gnorm) < m.opt.tolerance) {
      ++iter;
      break;
    }
  }
  d.solver_niter[0] = static_cast<float>(iter);
  for (int r = 0; r < nefc; ++r) {
    const float j = d.efc_active[r] != 0.0f ? row_dot(d, nv, r, a) - d.efc_aref[r] : 0.0f;
    d.efc_force[r] = j < 0 ? -j / d.efc_R[r] : 0.0f;
  }
}

// Projected Gauss-Seidel on the dual: rows in order, f ≥ 0 for limits and pyramidal contact
// edges; elliptic contacts update the normal, then the friction rows, then scale the friction
// into the cone Σ(fⱼ/μⱼ)² ≤ fₙ². qacc = qacc_smooth + M⁻¹·Jᵀ·f is kept current.
LS_HD void solve_pgs(const ModelView& m, const Data& d) {
  const int nv = m.size.nv, nefc = m.size.nefc_max;
  const Arr<float> MinvJT = d.efc_scratch, diagA = sub(d.efc_scratch, nefc * nv);
  const float scale = 1.0f / (m.stat_meaninertia[0] * fmaxf(1.0f, float(nv)));
  for (int r = 0; r < nefc; ++r) {
    const Arr<float> row = sub(MinvJT, r * nv);
    for (int i = 0; i < nv; ++i) row[i] = d.efc_J[r * nv + i];
    if (d.efc_active[r] != 0.0f) solve_tree(m, d.qLD, row);
    diagA[r] = row_dot(d, nv, r, row) + d.efc_R[r];
  }
  // Warm start from qacc (the caller's start point): f = −D·jar on violated rows, kept only if
  // its dual cost beats f = 0.
  float ws_cost = 0;
  for (int r = 0; r < nefc; ++r) {
    const float jar = d.efc_active[r] != 0.0f ? row_dot(d, nv, r, d.qacc) - d.efc_aref[r] : 0.0f;
    d.efc_force[r] = jar < 0 ? -jar / d.efc_R[r] : 0.0f;
  }
  for (int i = 0; i < nv; ++i) d.qacc[i] = d.qacc_smooth[i];
  for (int r = 0; r < nefc; ++r)
    for (int i = 0; i < nv; ++i) d.qacc[i] += MinvJT[r * nv + i] * d.efc_force[r];
  for (int r = 0; r < nefc; ++r) {
    const float f = d.efc_force[r];
    if (f == 0.0f) continue;
    // ½fᵀ(A)f + fᵀ(J·a0 − aref) with A·f = J·(qacc − a0) + R·f.
    float jq = 0, j0 = 0;
    for (int i = 0; i < nv; ++i) {
      jq += d.efc_J[r * nv + i] * d.qacc[i];
      j0 += d.efc_J[r * nv + i] * d.qacc_smooth[i];
    }
    ws_cost += f * (0.5f * (jq - j0 + d.efc_R[r] * f) + j0 - d.efc_aref[r]);
  }
  if (!(ws_cost < 0)) {
    for (int r = 0; r < nefc; ++r) d.efc_force[r] = 0;
    for (int i = 0; i < nv; ++i) d.qacc[i] = d.qacc_smooth[i];
  }

  const bool elliptic = m.opt.cone == kConeElliptic;
  auto update_row = [&](int r, float lower) {
    const float res = row_dot(d, nv, r, d.qacc) - d.efc_aref[r] + d.efc_R[r] * d.efc_force[r];
    const float f = fmaxf(lower, d.efc_force[r] - res / diagA[r]);
    const float delta = f - d.efc_force[r];
    for (int i = 0; i < nv; ++i) d.qacc[i] += delta * MinvJT[r * nv + i];
    d.efc_force[r] = f;
    return res * delta + 0.5f * diagA[r] * delta * delta;  // change of the dual cost
  };
  int iter = 0;
  for (; iter < m.opt.iterations; ++iter) {
    float change = 0;
    int r = 0;
    // Limit rows come first, one scalar each; then contact slots.
    const int ncon_rows_start = m.size.ncon_max > 0 ? m.slot_efcadr[0] : nefc;
    for (; r < ncon_rows_start; ++r)
      if (d.efc_active[r] != 0.0f) change += update_row(r, 0.0f);
    for (int s = 0; s < m.size.ncon_max; ++s) {
      const int r0 = m.slot_efcadr[s];
      if (d.efc_active[r0] == 0.0f) continue;  // inactive slot (mask)
      const int c = m.slot_collisionid[s];
      const int dim = m.collision_condim[c];
      const int nrow = contact_rows(m, dim);
      if (!elliptic) {
        for (int k = 0; k < nrow; ++k) change += update_row(r0 + k, 0.0f);
        continue;
      }
      change += update_row(r0, 0.0f);
      for (int k = 1; k < nrow; ++k) change += update_row(r0 + k, -3.4e38f);
      // Project the friction components into the elliptic cone.
      const float* mu = m.collision_friction + 5 * c;
      float norm2 = 0;
      for (int k = 1; k < nrow; ++k) norm2 += (d.efc_force[r0 + k] / mu[k - 1]) * (d.efc_force[r0 + k] / mu[k - 1]);
      const float fn = d.efc_force[r0];
      if (norm2 > fn * fn) {
        const float shrink = fn / sqrtf(norm2);
        for (int k = 1; k < nrow; ++k) {
          const float delta = (shrink - 1.0f) * d.efc_force[r0 + k];
          for (int i = 0; i < nv; ++i) d.qacc[i] += delta * MinvJT[(r0 + k) * nv + i];
          d.efc_force[r0 + k] += delta;
        }
      }
    }
    if (-scale * change < m.opt.tolerance) {
      ++iter;
      break;
    }
  }
  d.solver_niter[0] = static_cast<float>(iter);
}

// Constraint stage: qacc, efc_force, qfrc_constraint, contact_force. Starts from
// qacc_warmstart when it is cheaper than qacc_smooth (Newton) or through the dual warm start.
LS_HD void solve_constraint(const ModelView& m, const Data& d) {
  const int nv = m.size.nv;
  const bool any = d.nefc[0] > 0;
  for (int i = 0; i < nv; ++i) d.qacc[i] = d.qacc_smooth[i];
  if (!any) {  // no active row in this world: the unconstrained answer is exact
    for (int r = 0; r < m.size.nefc_max; ++r) d.efc_force[r] = 0;
    for (int i = 0; i < nv; ++i) d.qfrc_constraint[i] = 0;
    d.solver_niter[0] = 0;
    contact_force(m, d);
    return;
  }
  const bool warm = !(m.opt.disableflags & kDsblWarmstart);
  if (m.opt.solver == kSolverPGS || m.opt.cone == kConeElliptic) {
    if (warm)
      for (int i = 0; i < nv; ++i) d.qacc[i] = d.qacc_warmstart[i];
    solve_pgs(m, d);
  } else {
    if (warm) {
      const Arr<float> Ma = d.qfrc_constraint;
      mul_m(m, d, d.qacc_smooth, Ma);
      const float c_smooth = primal_cost(m, d, d.qacc_smooth, Ma);
      mul_m(m, d, d.qacc_warmstart, Ma);
      if (primal_cost(m, d, d.qacc_warmstart, Ma) < c_smooth)
        for (int i = 0; i < nv; ++i) d.qacc[i] = d.qacc_warmstart[i];
    }
    solve_newton(m, d);
  }
  mul_jt(m, d, d.efc_force, d.qfrc_constraint);
  contact_force(m, d);
}

}  // namespace lockstep
