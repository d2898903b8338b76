// Constraint solvers (MuJoCo mj_fwdConstraint): minimise over qacc
//   ½‖qacc − qacc_smooth‖²_M + Σ_rows s(J·qacc − aref),
// with s the soft-constraint cost of each active row. Outputs qacc, efc_force, qfrc_constraint.
//
// Newton (primal; MuJoCo's default): H = M + Jᵀ·Hess(s)·J, exact line search along the Newton
// direction; pyramidal and elliptic cones. PGS (dual, sequential Gauss-Seidel over rows, as
// mujoco ≤ 3.8.0): projected updates of the row forces, pyramidal cones. CG, and PGS with
// elliptic cones, run as Newton: they minimise the same convex cost, and Gauss-Seidel over an
// elliptic contact's normal and friction blocks stalls below the optimum when it slides.
//
// Scalar rows are visited through the world's list of active rows (efc_rowid, nefc long, its
// length read once per function): ~4 of Ant's 116 row slots, so the loops cost what is in
// contact, not what could be.
//
// Branches left in the hot path, and why they are acceptable:
//  - loops over contact slots (elliptic cones), cone type, condim and solver: Model data.
//  - loops over the active-row list (per-world length) and skips of rows without curvature
//    or force and of zero Jacobian entries (`continue` on jar, J == 0, f == 0): per-world
//    masks. A warp runs the longest list among its lanes, the CPU a world's own.
//  - elliptic_cost's zone (top / bottom / middle): per world, a few flops each side.
//  - PGS's form, the dense block or row by row: per world, by its number of active rows.
//  - early exits of the Newton, line-search and PGS loops once the improvement is below
//    opt.tolerance (MuJoCo's test) and of worlds with no active row: per world. A warp runs
//    until its slowest world; results never depend on which worlds share a warp or on the
//    number of worlds.
#pragma once

#include "engine/constraint.h"
#include "engine/smooth.h"

namespace lockstep {

// qfrc = Jᵀ·f over the active rows.
LS_HD void mul_jt(const ModelView& m, const Data& d, Arr<float> f, Arr<float> qfrc) {
  const int nv = m.size.nv;
  for (int i = 0; i < nv; ++i) qfrc[i] = 0;
  const int nactive = active_rows(d);
  for (int k = 0; k < nactive; ++k) {
    const int r = active_row(d, k);
    const float fr = f[r];
    if (fr == 0.0f) continue;  // rows without force (mask); a warp pays for the union
    for (int i = 0; i < nv; ++i) qfrc[i] += d.efc_J()[r * nv + i] * fr;
  }
}

LS_HD float row_dot(const Data& d, int nv, int r, Arr<float> x) {
  float s = 0;
  for (int i = 0; i < nv; ++i) s += d.efc_J()[r * nv + i] * x[i];
  return s;
}

// y = qM·x (dense).
LS_HD void mul_m(const ModelView& m, const Data& d, Arr<float> x, Arr<float> y) {
  const int nv = m.size.nv;
  for (int i = 0; i < nv; ++i) {
    float s = 0;
    for (int j = 0; j < nv; ++j) s += d.qM()[i * nv + j] * x[j];
    y[i] = s;
  }
}

// Soft cost of an elliptic contact at y = J·qacc − aref (dim rows), its forces f = −∇s(y) and,
// with `C`, its Hessian. With u = (μ₁y₁, …), ρ = R₁μ₀² (equal to Rⱼμⱼ² for every friction row):
//   top    y₀ ≥ ‖u‖            (separating)  s = 0
//   bottom y₀ ≤ −‖u‖·R₀/ρ      (sticking)    s = ½y₀²/R₀ + ½‖u‖²/ρ, each row independent
//   middle otherwise           (sliding)     s = ½(‖u‖ − y₀)²/(R₀ + ρ)
// These are MuJoCo's three zones of the elliptic cone, written in the row regularisers.
LS_HD float elliptic_cost(int dim, const float* y, const float* R, const float* mu, float* f,
                          float C[6][6]) {
  float u[6], nu2 = 0;
  for (int j = 1; j < dim; ++j) {
    u[j] = mu[j - 1] * y[j];
    nu2 += u[j] * u[j];
  }
  const float nu = sqrtf(nu2);
  const float R0 = R[0], rho = dim > 1 ? R[1] * mu[0] * mu[0] : 1.0f;
  if (C)
    for (int i = 0; i < dim; ++i)
      for (int j = 0; j < dim; ++j) C[i][j] = 0;
  if (y[0] >= nu) {
    for (int j = 0; j < dim; ++j) f[j] = 0;
    return 0;
  }
  if (y[0] <= -nu * R0 / rho || nu < 1e-20f) {
    float s = 0;
    for (int j = 0; j < dim; ++j) {
      f[j] = -y[j] / R[j];
      s += 0.5f * y[j] * y[j] / R[j];
      if (C) C[j][j] = 1.0f / R[j];
    }
    return s;
  }
  const float k = 1.0f / (R0 + rho), w = nu - y[0];
  f[0] = k * w;
  for (int j = 1; j < dim; ++j) f[j] = -k * w * mu[j - 1] * u[j] / nu;
  if (C) {
    // Hess s = k·(∇w∇wᵀ + w·∇²w), ∇w = (−1, μⱼuⱼ/‖u‖), ∇²‖u‖ = diag(μ)(I/‖u‖ − uuᵀ/‖u‖³)diag(μ).
    float gw[6];
    gw[0] = -1.0f;
    for (int j = 1; j < dim; ++j) gw[j] = mu[j - 1] * u[j] / nu;
    for (int i = 0; i < dim; ++i)
      for (int j = 0; j < dim; ++j) {
        float h2 = 0;
        if (i > 0 && j > 0)
          h2 = mu[i - 1] * mu[j - 1] * ((i == j ? 1.0f / nu : 0.0f) - u[i] * u[j] / (nu * nu2));
        C[i][j] = k * (gw[i] * gw[j] + w * h2);
      }
  }
  return 0.5f * k * w * w;
}

// Row values y = jar + α·Jp of every active row; forces f = −∇s(y) into `force` (active rows
// only); returns the soft cost Σ s and, with `curvature`,
// Jpᵀ·Hess(s)·Jp. Scalar rows (limits, pyramidal edges) cost ½y²/R where y < 0; elliptic
// contacts cost elliptic_cost of their block.
LS_HD float eval_rows(const ModelView& m, const Data& d, Arr<float> jar, Arr<float> Jp,
                      float alpha, Arr<float> force, float* curvature) {
  const bool elliptic = m.opt.cone == kConeElliptic;
  const int scalar_end = elliptic && m.size.ncon_max > 0 ? m.slot_efcadr[0] : m.size.nefc_max;
  float cost = 0, curv = 0;
  const int nactive = active_rows(d);
  for (int k = 0; k < nactive; ++k) {
    const int r = active_row(d, k);
    if (r >= scalar_end) break;  // ids increase: elliptic contact rows from here on
    const float y = jar[r] + alpha * Jp[r];
    const bool on = y < 0;
    force[r] = on ? -y / d.efc_R()[r] : 0.0f;
    cost += on ? 0.5f * y * y / d.efc_R()[r] : 0.0f;
    curv += on ? Jp[r] * Jp[r] / d.efc_R()[r] : 0.0f;
  }
  for (int s = 0; elliptic && s < m.size.ncon_max; ++s) {
    const int r0 = m.slot_efcadr[s];
    const int c = m.slot_collisionid[s];
    const int dim = m.collision_condim[c];
    float y[6], R[6], f[6], C[6][6];
    for (int j = 0; j < dim; ++j) {
      y[j] = jar[r0 + j] + alpha * Jp[r0 + j];
      R[j] = d.efc_R()[r0 + j];
    }
    const bool on = d.efc_active()[r0] != 0.0f;
    float mu[5];
    pair_friction(m, d, c, mu);
    cost += on ? elliptic_cost(dim, y, R, mu, f, curvature ? C : nullptr) : 0.0f;
    for (int j = 0; j < dim; ++j) force[r0 + j] = on ? f[j] : 0.0f;
    if (curvature && on)
      for (int i = 0; i < dim; ++i)
        for (int j = 0; j < dim; ++j) curv += Jp[r0 + i] * C[i][j] * Jp[r0 + j];
  }
  if (curvature) *curvature = curv;
  return cost;
}

// H += Jᵀ·Hess(s)·J at the current jar (lower triangle).
LS_HD void add_constraint_hessian(const ModelView& m, const Data& d, Arr<float> jar, Arr<float> H) {
  const int nv = m.size.nv;
  const bool elliptic = m.opt.cone == kConeElliptic;
  const int scalar_end = elliptic && m.size.ncon_max > 0 ? m.slot_efcadr[0] : m.size.nefc_max;
  const int nactive = active_rows(d);
  for (int k = 0; k < nactive; ++k) {
    const int r = active_row(d, k);
    if (r >= scalar_end) break;  // ids increase: elliptic contact rows from here on
    if (!(jar[r] < 0)) continue;  // no curvature (mask)
    const float D = 1.0f / d.efc_R()[r];
    for (int i = 0; i < nv; ++i) {
      const float Ji = D * d.efc_J()[r * nv + i];
      if (Ji == 0.0f) continue;  // dofs outside the contact's kinematic chains (mask)
      for (int k = 0; k <= i; ++k) H[i * nv + k] += Ji * d.efc_J()[r * nv + k];
    }
  }
  for (int s = 0; elliptic && s < m.size.ncon_max; ++s) {
    const int r0 = m.slot_efcadr[s];
    if (d.efc_active()[r0] == 0.0f) continue;  // inactive slot (mask)
    const int c = m.slot_collisionid[s];
    const int dim = m.collision_condim[c];
    float y[6], R[6], f[6], C[6][6];
    for (int j = 0; j < dim; ++j) {
      y[j] = jar[r0 + j];
      R[j] = d.efc_R()[r0 + j];
    }
    float mu[5];
    pair_friction(m, d, c, mu);
    elliptic_cost(dim, y, R, mu, f, C);
    for (int a = 0; a < dim; ++a)
      for (int b = 0; b < dim; ++b) {
        if (C[a][b] == 0.0f) continue;
        for (int i = 0; i < nv; ++i) {
          const float Ji = C[a][b] * d.efc_J()[(r0 + a) * nv + i];
          if (Ji == 0.0f) continue;
          for (int k = 0; k <= i; ++k) H[i * nv + k] += Ji * d.efc_J()[(r0 + b) * nv + k];
        }
      }
  }
}

// jar = J·a − aref on the active rows (the others are never read).
LS_HD void compute_jar(const ModelView& m, const Data& d, Arr<float> a, Arr<float> jar) {
  const int nv = m.size.nv;
  const int nactive = active_rows(d);
  for (int k = 0; k < nactive; ++k) {
    const int r = active_row(d, k);
    jar[r] = row_dot(d, nv, r, a) - d.efc_aref()[r];
  }
}

// Primal cost at qacc = a with M·a in `Ma` (jar of a in `jar`): Gauss term + soft costs.
LS_HD float primal_cost(const ModelView& m, const Data& d, Arr<float> a, Arr<float> Ma,
                        Arr<float> jar, Arr<float> zero) {
  float cost = 0;
  for (int i = 0; i < m.size.nv; ++i)
    cost += 0.5f * (Ma[i] - d.qfrc_smooth()[i]) * (a[i] - d.qacc_smooth()[i]);
  return cost + eval_rows(m, d, jar, zero, 0.0f, d.efc_force(), nullptr);
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

// Rounding of a float32 sum, relative to the sum of its terms' magnitudes: a few dozen terms
// (dofs plus active rows), each rounded once, with margin.
constexpr float kSlopeNoise = 16 * 1.1920929e-7f;

// The step α along a descent direction from the slope φ′(0) = d0 < 0 and curvature h0:
// safeguarded Newton on φ′ inside a bracket [lo, hi], stopping once |φ′| is within
// opt.ls_tolerance of |d0| or the slope's float32 noise. slope(α, &curvature, &noise) → φ′(α).
template <class Slope>
LS_HD float line_search(const ModelView& m, Slope& slope, float d0, float h0) {
  float lo = 0, hi = 3.4e38f, alpha = 0, g = d0, h = h0, noise = 0;
  const int ls_max = m.opt.ls_iterations < 50 ? m.opt.ls_iterations : 50;
  for (int ls = 0; ls < ls_max; ++ls) {
    float next = alpha - g / h;
    if (!(next > lo && next < hi))
      next = hi < 3.4e38f ? 0.5f * (lo + hi) : 2.0f * fmaxf(next, lo + 1.0f);
    alpha = next;
    g = slope(alpha, &h, &noise);
    if (g < 0) lo = alpha; else hi = alpha;
    if (fabsf(g) <= m.opt.ls_tolerance * fabsf(d0) + noise) break;
  }
  return alpha;
}

// Newton's method on the primal cost; qacc holds the starting point on entry.
LS_HD void solve_newton(const ModelView& m, const Data& d) {
  const int nv = m.size.nv, nefc = m.size.nefc_max, nactive = active_rows(d);
  const Arr<float> a = d.qacc(), grad = d.solver_scratch(), p = sub(d.solver_scratch(), nv),
                   Mp = sub(d.solver_scratch(), 2 * nv), Jp = d.efc_scratch(),
                   jar = sub(d.efc_scratch(), nefc), zero = sub(d.efc_scratch(), 2 * nefc),
                   Ma = d.qfrc_constraint();  // scratch until the end of the solve
  for (int k = 0; k < nactive; ++k) zero[active_row(d, k)] = 0;
  const float scale = 1.0f / (m.stat_meaninertia[0] * fmaxf(1.0f, float(nv)));
  int iter = 0, neval = 0;
  mul_m(m, d, a, Ma);
  compute_jar(m, d, a, jar);
  float cost = primal_cost(m, d, a, Ma, jar, zero);  // also sets efc_force
  for (; iter < m.opt.iterations; ++iter) {
    // Gradient M·a − qfrc_smooth − Jᵀ·f and Hessian M + Jᵀ·Hess(s)·J.
    mul_jt(m, d, d.efc_force(), grad);
    for (int i = 0; i < nv; ++i) grad[i] = Ma[i] - d.qfrc_smooth()[i] - grad[i];
    copy_entries(d.qH(), d.qM(), nv * nv);
    add_constraint_hessian(m, d, jar, d.qH());
    cholesky(nv, d.qH());
    for (int i = 0; i < nv; ++i) p[i] = -grad[i];
    cholesky_solve(nv, d.qH(), p);

    // Exact line search on the convex φ(α) = cost(a + α·p): safeguarded Newton on φ′ inside a
    // bracket [lo, hi]; φ′(α) = pᵀ(M(a + αp) − qfrc_smooth) − f(α)·Jp.
    // φ′ is a sum of terms of both signs, so in float32 it is known only to about
    // kSlopeNoise·(Σ |terms|); below that its sign is rounding. Both the descent test and the
    // search's stop accept that floor, where a relative test alone would bisect noise until
    // ls_iterations (measured: 17% of Ant's solves did, and a warp waits for its slowest world).
    mul_m(m, d, p, Mp);
    float g0 = 0, g0_mag = 0, pMp = 0;
    for (int i = 0; i < nv; ++i) {
      g0 += p[i] * (Ma[i] - d.qfrc_smooth()[i]);
      g0_mag += fabsf(p[i]) * (fabsf(Ma[i]) + fabsf(d.qfrc_smooth()[i]));
      pMp += p[i] * Mp[i];
    }
    for (int k = 0; k < nactive; ++k) {
      const int r = active_row(d, k);
      Jp[r] = row_dot(d, nv, r, p);
    }
    auto slope = [&](float alpha, float* curvature, float* noise) {
      ++neval;
      float c;
      eval_rows(m, d, jar, Jp, alpha, d.efc_force(), &c);
      float g = g0 + alpha * pMp, mag = g0_mag + fabsf(alpha) * pMp;
      for (int k = 0; k < nactive; ++k) {
        const int r = active_row(d, k);
        const float term = d.efc_force()[r] * Jp[r];
        g -= term;
        mag += fabsf(term);
      }
      *curvature = pMp + c;
      *noise = kSlopeNoise * mag;
      return g;
    };
    float h0, noise;
    const float d0 = slope(0.0f, &h0, &noise);
    if (!(d0 < -noise)) break;  // no descent that float32 resolves: converged
    const float alpha = line_search(m, slope, d0, h0);
    for (int i = 0; i < nv; ++i) {
      a[i] += alpha * p[i];
      Ma[i] += alpha * Mp[i];
    }
    compute_jar(m, d, a, jar);
    const float new_cost = primal_cost(m, d, a, Ma, jar, zero);
    const float improvement = scale * (cost - new_cost);
    cost = new_cost;
    float gnorm = 0;
    for (int i = 0; i < nv; ++i) gnorm += grad[i] * grad[i];
    if (improvement < m.opt.tolerance || scale * sqrtf(gnorm) < m.opt.tolerance) {
      ++iter;
      break;
    }
  }
  d.solver_niter()[0] = static_cast<float>(iter);
  d.solver_neval()[0] = static_cast<float>(neval);
}

// Row k < nactive of MinvJT: M⁻¹·J_rᵀ for the active row r = active_row(d, k) (tree solves).
LS_HD void minv_jt_rows(const ModelView& m, const Data& d, int nactive, Arr<float> MinvJT) {
  const int nv = m.size.nv;
  for (int k = 0; k < nactive; ++k) {
    const int r = active_row(d, k);
    const Arr<float> row = sub(MinvJT, k * nv);
    for (int i = 0; i < nv; ++i) row[i] = d.efc_J()[r * nv + i];
    solve_tree(m, d.qLD(), row);
  }
}

// qacc = qacc_smooth + M⁻¹·Jᵀ·f over the active rows, with the M⁻¹·Jᵀ rows at the start of
// efc_scratch. PGS's scratch is indexed by position k in the active-row list, not by row id, so
// a world's solve touches nactive·nv floats of it instead of rows spread over nefc_max·nv.
LS_HD void pgs_qacc(const ModelView& m, const Data& d, int nactive) {
  const int nv = m.size.nv;
  const Arr<float> MinvJT = d.efc_scratch();
  for (int i = 0; i < nv; ++i) d.qacc()[i] = d.qacc_smooth()[i];
  for (int k = 0; k < nactive; ++k) {
    const int r = active_row(d, k);
    for (int i = 0; i < nv; ++i) d.qacc()[i] += MinvJT[k * nv + i] * d.efc_force()[r];
  }
}

// PGS sweeps until the dual cost improves by less than opt.tolerance (scaled) or for
// opt.iterations; return the sweeps made. Both keep f ≥ 0 on every active row and start from
// efc_force and qacc = qacc_smooth + M⁻¹·Jᵀ·f, and leave both current.
//
// pgs_sweeps: row r's residual J_r·qacc − aref_r + R_r·f_r from qacc, updated after each row
// (a dot product and an update over nv per row visit).
LS_HD int pgs_sweeps(const ModelView& m, const Data& d, int nactive, float scale) {
  const int nv = m.size.nv;
  const Arr<float> MinvJT = d.efc_scratch(), diagA = sub(d.efc_scratch(), m.size.nefc_max * nv);
  int iter = 0;
  while (iter < m.opt.iterations) {
    ++iter;
    float change = 0;
    for (int k = 0; k < nactive; ++k) {
      const int r = active_row(d, k);
      const float f0 = d.efc_force()[r];
      const float res = row_dot(d, nv, r, d.qacc()) - d.efc_aref()[r] + d.efc_R()[r] * f0;
      const float f = fmaxf(0.0f, f0 - res / diagA[k]);
      const float delta = f - f0;
      for (int i = 0; i < nv; ++i) d.qacc()[i] += delta * MinvJT[k * nv + i];
      d.efc_force()[r] = f;
      change += res * delta + 0.5f * diagA[k] * delta * delta;  // change of the dual cost
    }
    if (-scale * change < m.opt.tolerance) break;
  }
  return iter;
}

// pgs_sweeps_dense, for at most nefc_dense active rows: the same iteration on the dual as
// MuJoCo writes it, residual_k = b_k + Σ_l AR_kl·f_l with AR = J·M⁻¹·Jᵀ + R over the active
// rows (efc_AR) and b = J·qacc_smooth − aref, so a row visit costs one pass over the active
// rows instead of two over nv.
LS_HD int pgs_sweeps_dense(const ModelView& m, const Data& d, int nactive, float scale) {
  const int nv = m.size.nv, nefc = m.size.nefc_max;
  const Arr<float> MinvJT = d.efc_scratch(), diagA = sub(d.efc_scratch(), nefc * nv);
  const Arr<float> AR = d.efc_AR(), b = sub(d.efc_scratch(), nefc * (nv + 1)),
                   f = sub(d.efc_scratch(), nefc * (nv + 2));
  for (int k = 0; k < nactive; ++k) {
    const int r = active_row(d, k);
    b[k] = row_dot(d, nv, r, d.qacc_smooth()) - d.efc_aref()[r];
    f[k] = d.efc_force()[r];
    AR[k * nactive + k] = diagA[k];
    for (int l = 0; l < k; ++l) {
      const float a = row_dot(d, nv, r, sub(MinvJT, l * nv));
      AR[k * nactive + l] = a;
      AR[l * nactive + k] = a;
    }
  }
  int iter = 0;
  while (iter < m.opt.iterations) {
    ++iter;
    float change = 0;
    for (int k = 0; k < nactive; ++k) {
      float res = b[k];
      for (int l = 0; l < nactive; ++l) res += AR[k * nactive + l] * f[l];
      const float diag = AR[k * nactive + k];
      const float fk = fmaxf(0.0f, f[k] - res / diag);
      const float delta = fk - f[k];
      f[k] = fk;
      change += res * delta + 0.5f * diag * delta * delta;
    }
    if (-scale * change < m.opt.tolerance) break;
  }
  for (int k = 0; k < nactive; ++k) d.efc_force()[active_row(d, k)] = f[k];
  pgs_qacc(m, d, nactive);
  return iter;
}

// Projected Gauss-Seidel on the dual: active rows in order (limits, then contact slots; row ids
// increase in that order), f ≥ 0 for limits and pyramidal contact edges; on return
// qacc = qacc_smooth + M⁻¹·Jᵀ·f.
LS_HD void solve_pgs(const ModelView& m, const Data& d) {
  const int nv = m.size.nv, nefc = m.size.nefc_max, nactive = active_rows(d);
  const Arr<float> MinvJT = d.efc_scratch(), diagA = sub(d.efc_scratch(), nefc * nv);
  const float scale = 1.0f / (m.stat_meaninertia[0] * fmaxf(1.0f, float(nv)));
  minv_jt_rows(m, d, nactive, MinvJT);
  for (int k = 0; k < nactive; ++k) {
    const int r = active_row(d, k);
    diagA[k] = row_dot(d, nv, r, sub(MinvJT, k * nv)) + d.efc_R()[r];
  }
  // Warm start from qacc (the caller's start point): f = −D·jar on violated rows, kept only if
  // its dual cost beats f = 0.
  float ws_cost = 0;
  for (int k = 0; k < nactive; ++k) {
    const int r = active_row(d, k);
    const float jar = row_dot(d, nv, r, d.qacc()) - d.efc_aref()[r];
    d.efc_force()[r] = jar < 0 ? -jar / d.efc_R()[r] : 0.0f;
  }
  pgs_qacc(m, d, nactive);
  for (int k = 0; k < nactive; ++k) {
    const int r = active_row(d, k);
    const float f = d.efc_force()[r];
    if (f == 0.0f) continue;
    // ½fᵀ(A)f + fᵀ(J·a0 − aref) with A·f = J·(qacc − a0) + R·f.
    float jq = 0, j0 = 0;
    for (int i = 0; i < nv; ++i) {
      jq += d.efc_J()[r * nv + i] * d.qacc()[i];
      j0 += d.efc_J()[r * nv + i] * d.qacc_smooth()[i];
    }
    ws_cost += f * (0.5f * (jq - j0 + d.efc_R()[r] * f) + j0 - d.efc_aref()[r]);
  }
  if (!(ws_cost < 0)) {
    for (int k = 0; k < nactive; ++k) d.efc_force()[active_row(d, k)] = 0;
    for (int i = 0; i < nv; ++i) d.qacc()[i] = d.qacc_smooth()[i];
  }

  const int iter = nactive <= m.size.nefc_dense ? pgs_sweeps_dense(m, d, nactive, scale)
                                                : pgs_sweeps(m, d, nactive, scale);
  d.solver_niter()[0] = static_cast<float>(iter);
  d.solver_neval()[0] = 0;  // no line search
}

// Constraint stage: qacc, efc_force, qfrc_constraint, contact_force. Starts from
// qacc_warmstart when it is cheaper than qacc_smooth (Newton) or through the dual warm start.
// Data by value, as for forward().
LS_HD void solve_constraint(const ModelView& m, const Data d) {
  const int nv = m.size.nv;
  const int nactive = active_rows(d);
  const bool any = nactive > 0;
  for (int i = 0; i < nv; ++i) d.qacc()[i] = d.qacc_smooth()[i];
  // The solvers read and write the forces of active rows only; the other rows' are stale.
  for (int k = 0; k < nactive; ++k) d.efc_force()[active_row(d, k)] = 0;
  if (!any) {  // no active row in this world: the unconstrained answer is exact
    for (int i = 0; i < nv; ++i) d.qfrc_constraint()[i] = 0;
    d.solver_niter()[0] = 0;
    d.solver_neval()[0] = 0;
    contact_force(m, d);
    return;
  }
  const bool warm = !(m.opt.disableflags & kDsblWarmstart);
  if (uses_pgs(m.opt)) {
    if (warm)
      for (int i = 0; i < nv; ++i) d.qacc()[i] = d.qacc_warmstart()[i];
    solve_pgs(m, d);
  } else {
    if (warm) {
      const Arr<float> Ma = d.qfrc_constraint(), jar = sub(d.efc_scratch(), m.size.nefc_max),
                       zero = sub(d.efc_scratch(), 2 * m.size.nefc_max);
      for (int k = 0; k < nactive; ++k) zero[active_row(d, k)] = 0;
      mul_m(m, d, d.qacc_smooth(), Ma);
      compute_jar(m, d, d.qacc_smooth(), jar);
      const float c_smooth = primal_cost(m, d, d.qacc_smooth(), Ma, jar, zero);
      mul_m(m, d, d.qacc_warmstart(), Ma);
      compute_jar(m, d, d.qacc_warmstart(), jar);
      if (primal_cost(m, d, d.qacc_warmstart(), Ma, jar, zero) < c_smooth)
        for (int i = 0; i < nv; ++i) d.qacc()[i] = d.qacc_warmstart()[i];
    }
    solve_newton(m, d);
  }
  mul_jt(m, d, d.efc_force(), d.qfrc_constraint());
  contact_force(m, d);
}

}  // namespace lockstep
