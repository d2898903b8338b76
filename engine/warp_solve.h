// The warp solver's algorithm (kernels/warp_solver.cuh says what it does and why), in host and
// device code alike: a world's G lanes are a type W with kLanes, kShift, lane, shfl, sum, ballot
// and sync, which on the GPU is a warp's lanes (SolverLanes, kernels/warp_solver.cuh) and in the
// CPU tests host threads (tests/cpp/host_lanes.h), so CI runs this code too.
#pragma once

#include <algorithm>

#include "engine/solver.h"

namespace lockstep {

LS_HD int imin(int a, int b) { return a < b ? a : b; }

// 1/√x: the device's approximate reciprocal square root (one instruction), a division on the
// host.
LS_HD float rsqrt_approx(float x) {
#ifdef __CUDA_ARCH__
  return rsqrtf(x);
#else
  return 1.0f / sqrtf(x);
#endif
}

// One world's shared memory, in floats, for up to `rows` active rows. Matrix rows are `ld` =
// nv | 1 apart (odd: a column read by 32 lanes hits 32 banks). J: the active rows, in active
// order. Newton: M and the Hessian factor H. PGS: M⁻¹Jᵀ rows and AR = J·M⁻¹·Jᵀ + R (row stride
// ldr = rows + 1).
struct WarpSolverLayout {
  int rows = 0, ld = 0, ldr = 0, J = 0, M = 0, H = 0, MinvJT = 0, AR = 0, floats = 0;
};

inline WarpSolverLayout warp_solver_layout(const ModelView& m, int rows) {
  WarpSolverLayout l;
  l.rows = rows;
  l.ld = m.size.nv | 1;
  l.ldr = rows + 1;
  l.J = 0;
  int end = rows * l.ld;
  if (uses_pgs(m.opt)) {
    l.MinvJT = end;
    l.AR = l.MinvJT + rows * l.ld;
    end = l.AR + std::max(rows * l.ldr, m.size.nv * m.size.nv);  // qLD first sits in AR's place
  } else {
    l.M = end;
    l.H = l.M + m.size.nv * l.ld;
    end = l.H + m.size.nv * l.ld;
  }
  l.floats = end;
  return l;
}

inline size_t warp_solver_smem_bytes(const WarpSolverLayout& l, int worlds) {
  return sizeof(float) * l.floats * worlds;
}

// dst(t, src(t)) for t < n, eight loads in flight per lane: a store between two loads would
// serialise them on the load latency (the compiler cannot rule out that they alias). Every lane
// calls src (with a valid index), so src may shuffle.
template <class W, class Src, class Dst>
LS_HD void lanes_copy(const W& g, int n, Src src, Dst dst) {
  constexpr int G = W::kLanes;
  constexpr int kInFlight = 8;
  for (int t0 = 0; t0 < n; t0 += G * kInFlight) {
    float v[kInFlight];
    LS_UNROLL for (int c = 0; c < kInFlight; ++c) v[c] = src(imin(t0 + G * c + g.lane, n - 1));
    LS_UNROLL for (int c = 0; c < kInFlight; ++c)
      if (t0 + G * c + g.lane < n) dst(t0 + G * c + g.lane, v[c]);
  }
}

// dst(r, c, src(r, c)) for rows r < rows and columns c < cols ≤ G, a lane per column and eight
// rows' loads in flight (as lanes_copy, without its flat index's division by the row length).
// Every lane calls src (with a valid row), so src may shuffle.
template <class W, class Src, class Dst>
LS_HD void lanes_copy_rows(const W& g, int rows, int cols, Src src, Dst dst) {
  constexpr int kInFlight = 8;
  const int c = g.lane < cols ? g.lane : 0;
  for (int r0 = 0; r0 < rows; r0 += kInFlight) {
    float v[kInFlight];
    LS_UNROLL for (int k = 0; k < kInFlight; ++k) v[k] = src(imin(r0 + k, rows - 1), c);
    LS_UNROLL for (int k = 0; k < kInFlight; ++k)
      if (r0 + k < rows && g.lane < cols) dst(r0 + k, c, v[k]);
  }
}

// Row k of a world's rows lives in lane k % G, slot k / G of a per-lane array. row_value
// gives row k's value to every lane; k may differ by lane.
template <class W, int kRpl, class T>
LS_HD T row_value(const W& g, const T (&v)[kRpl], int k) {
  constexpr int G = W::kLanes;
  T out = 0;
  LS_UNROLL for (int q = 0; q < kRpl; ++q) {
    const T x = g.shfl(v[q], k & (G - 1));
    if ((k >> W::kShift) == q) out = x;
  }
  return out;
}

// Lane i < n: Σⱼ A[i][j]·xⱼ with xⱼ in lane j (A row-major, stride ld); 0 in the other lanes.
template <class W>
LS_HD float mat_vec(const W& g, const float* A, int ld, int n, int cols, float x) {
  const float* row = A + (g.lane < n ? g.lane : 0) * ld;
  float s = 0;
  for (int j = 0; j < cols; ++j) s += row[j] * g.shfl(x, j);
  return g.lane < n ? s : 0.0f;
}

// Rows k < n of A times x (xⱼ in lane j, j < cols), into the row slots: out[q] of lane i is row
// i + G·q's; 0 beyond n.
template <class W, int kRpl>
LS_HD void rows_times(const W& g, const float* A, int ld, int n, int cols, float x,
                      float (&out)[kRpl]) {
  constexpr int G = W::kLanes;
  LS_UNROLL for (int q = 0; q < kRpl; ++q)
    out[q] = mat_vec(g, A + G * q * ld, ld, n - G * q, cols, x);
}

// Lane i < cols: Σₖ A[k][i]·fₖ over rows k < n (fₖ in row slots), k ascending (as mul_jt).
template <class W, int kRpl>
LS_HD float mat_t_vec(const W& g, const float* A, int ld, int n, int cols,
                      const float (&f)[kRpl]) {
  const int i = g.lane < cols ? g.lane : 0;
  float s = 0;
  for (int k = 0; k < n; ++k) s += A[k * ld + i] * row_value(g, f, k);
  return g.lane < cols ? s : 0.0f;
}

// (i, j) with j ≤ i of the t-th entry of a lower triangle stored row by row.
LS_HD void lower_entry(int t, int& i, int& j) {
  i = static_cast<int>((sqrtf(8.0f * t + 1.0f) - 1.0f) * 0.5f);
  while (i * (i + 1) / 2 > t) --i;  // float rounding of the root
  while ((i + 1) * (i + 2) / 2 <= t) ++i;
  j = t - i * (i + 1) / 2;
}

// In-place Cholesky of the n×n lower triangle of H, fused with the forward substitution
// L·y = b (bᵢ in lane i); returns y in lane i and 1/L_ii in inv_diag (lane i; 0 beyond n).
// As cholesky() and cholesky_solve() but for rounding: each entry and each yᵢ is the same sum in
// the same order, then scaled by rsqrt of the pivot instead of divided by its root (a division
// per column sat on the factor's serial chain). Lane i computes row i of column j, lane j's sum
// being the pivot; yⱼ's update of the lanes below rides along with the column, off its chain.
template <class W>
LS_HD float warp_cholesky_forward(const W& g, int n, int ld, float* H, float b,
                                  float& inv_diag) {
  const int lane = g.lane;
  const float* row = H + (lane < n ? lane : 0) * ld;
  inv_diag = 0;
  for (int j = 0; j < n; ++j) {
    const bool below = lane >= j && lane < n;
    const float* Lj = H + j * ld;
    float s = 0;
    if (below) {
      s = row[j];
      for (int k = 0; k < j; ++k) s -= row[k] * Lj[k];
    }
    const float djj = fmaxf(g.shfl(s, j), 1e-15f);
    const float inv = rsqrt_approx(djj);
    const float lij = lane == j ? djj * inv : s * inv;
    if (below) H[lane * ld + j] = lij;
    if (lane == j) {
      inv_diag = inv;
      b *= inv;
    }
    const float yj = g.shfl(b, j);
    if (lane > j && lane < n) b -= lij * yj;
    g.sync();  // column j is stored before the next column reads it
  }
  return b;
}

// x ← L⁻ᵀ·y with yᵢ in lane i and inv_diag = 1/L_ii (warp_cholesky_forward's): backward
// substitution by columns, a multiply, not a division, on each step's serial chain.
template <class W>
LS_HD float warp_cholesky_backward(const W& g, int n, int ld, const float* L, float inv_diag,
                                   float x) {
  const int lane = g.lane;
  for (int k = n - 1; k >= 0; --k) {
    if (lane == k) x *= inv_diag;
    const float xk = g.shfl(x, k);
    if (lane < k) x -= L[k * ld + lane] * xk;
  }
  return x;
}

// What a world's lanes know of it: the active rows (row slots: R, aref) and the dof vectors it
// starts from (lane i). G: lanes per world, kRpl: rows per lane.
template <class W, int kRpl>
struct WarpWorld {
  const ModelView& m;
  const Data& d;
  float* sh;  // this world's shared memory
  const WarpSolverLayout& l;
  W g;
  int nv, nactive;
  bool dof;
  bool row[kRpl];
  float R[kRpl], aref[kRpl];
  float qacc_smooth, qfrc_smooth;
  float scale;  // of the cost, for the tolerance tests (as the thread-per-world solvers)
};

// This lane's share of the rows' soft cost at jar; their forces f = −jar/R where jar < 0.
template <class W, int kRpl>
LS_HD float row_cost(const WarpWorld<W, kRpl>& w, const float (&jar)[kRpl], float (&f)[kRpl]) {
  float cost = 0;
  LS_UNROLL for (int q = 0; q < kRpl; ++q) {
    const bool on = w.row[q] && jar[q] < 0;
    f[q] = on ? -jar[q] / w.R[q] : 0.0f;
    cost += on ? 0.5f * jar[q] * jar[q] / w.R[q] : 0.0f;
  }
  return cost;
}

// jar = J·a − aref over the active rows (0 in empty slots).
template <class W, int kRpl>
LS_HD void row_jar(const WarpWorld<W, kRpl>& w, float a, float (&jar)[kRpl]) {
  rows_times(w.g, w.sh + w.l.J, w.l.ld, w.nactive, w.nv, a, jar);
  LS_UNROLL for (int q = 0; q < kRpl; ++q) jar[q] -= w.aref[q];
}

// Primal cost at qacc = a (Ma = M·a, jar = J·a − aref); the rows' forces into f.
template <class W, int kRpl>
LS_HD float warp_primal_cost(const WarpWorld<W, kRpl>& w, float a, float Ma,
                             const float (&jar)[kRpl], float (&f)[kRpl]) {
  const float gauss = w.dof ? 0.5f * (Ma - w.qfrc_smooth) * (a - w.qacc_smooth) : 0.0f;
  return w.g.sum(gauss + row_cost(w, jar, f));
}

// A Newton iterate: qacc = a (lane i), M·a, jar = J·a − aref and the rows' forces f (row
// slots), and its primal cost.
template <int kRpl>
struct NewtonPoint {
  float a, Ma, cost;
  float jar[kRpl], f[kRpl];
};

template <class W, int kRpl>
LS_HD NewtonPoint<kRpl> newton_point(const WarpWorld<W, kRpl>& w, float a) {
  NewtonPoint<kRpl> p;
  p.a = a;
  p.Ma = mat_vec(w.g, w.sh + w.l.M, w.l.ld, w.nv, w.nv, a);
  row_jar(w, a, p.jar);
  p.cost = warp_primal_cost(w, a, p.Ma, p.jar, p.f);
  return p;
}

// solve_newton by a world's lanes from `start`; returns qacc in lane i, the rows' forces in f.
template <class W, int kRpl>
LS_HD float warp_newton(const WarpWorld<W, kRpl>& w, const NewtonPoint<kRpl>& start,
                        float (&f)[kRpl]) {
  constexpr int G = W::kLanes;
  const ModelView& m = w.m;
  const W& g = w.g;
  const int nv = w.nv, na = w.nactive, ld = w.l.ld, lane = g.lane;
  const float *J = w.sh + w.l.J, *M = w.sh + w.l.M;
  float* H = w.sh + w.l.H;
  float a = start.a, Ma = start.Ma, cost = start.cost;
  float jar[kRpl];
  LS_UNROLL for (int q = 0; q < kRpl; ++q) {
    jar[q] = start.jar[q];
    f[q] = start.f[q];
  }
  int iter = 0, neval = 0;
  for (; iter < m.opt.iterations; ++iter) {
    const float grad = Ma - w.qfrc_smooth - mat_t_vec(g, J, ld, na, nv, f);  // 0 beyond nv
    // H = M + Σ_rows Jᵀ·J/R over rows with jar < 0 (lower triangle, add_constraint_hessian's
    // order per entry).
    float D[kRpl];
    LS_UNROLL for (int q = 0; q < kRpl; ++q) D[q] = jar[q] < 0 ? 1.0f / w.R[q] : 0.0f;
    const int entries = nv * (nv + 1) / 2;
    g.sync();  // every lane is done with the last factor
    for (int t0 = 0; t0 < entries; t0 += G) {  // rounds of all G lanes: the shuffles need them
      int i, j;
      lower_entry(t0 + lane < entries ? t0 + lane : 0, i, j);
      float h = M[i * ld + j];
      for (int k = 0; k < na; ++k) h += row_value(g, D, k) * J[k * ld + i] * J[k * ld + j];
      if (t0 + lane < entries) H[i * ld + j] = h;
    }
    g.sync();
    float inv_diag;
    const float y = warp_cholesky_forward(g, nv, ld, H, -grad, inv_diag);
    const float p = warp_cholesky_backward(g, nv, ld, H, inv_diag, y);

    // Exact line search, as solve_newton (its comments give the reasons).
    const float Mp = mat_vec(g, M, ld, nv, nv, p);
    const float g0 = g.sum(p * (Ma - w.qfrc_smooth));
    const float g0_mag = g.sum(fabsf(p) * (fabsf(Ma) + fabsf(w.qfrc_smooth)));
    const float pMp = g.sum(p * Mp);
    float Jp[kRpl];
    rows_times(g, J, ld, na, nv, p, Jp);
    auto slope = [&](float alpha, float* curvature, float* noise) {
      ++neval;
      float curv = 0, term = 0, mag = 0;
      LS_UNROLL for (int q = 0; q < kRpl; ++q) {
        const float y = jar[q] + alpha * Jp[q];
        const bool on = w.row[q] && y < 0;
        const float fa = on ? -y / w.R[q] : 0.0f;
        curv += on ? Jp[q] * Jp[q] / w.R[q] : 0.0f;
        term += fa * Jp[q];
        mag += fabsf(fa * Jp[q]);
      }
      *curvature = pMp + g.sum(curv);
      *noise = kSlopeNoise * (g0_mag + fabsf(alpha) * pMp + g.sum(mag));
      return g0 + alpha * pMp - g.sum(term);
    };
    float h0, noise;
    const float d0 = slope(0.0f, &h0, &noise);
    if (!(d0 < -noise)) break;
    const float alpha = line_search(m, slope, d0, h0);
    a += alpha * p;
    Ma += alpha * Mp;
    row_jar(w, a, jar);
    const float new_cost = warp_primal_cost(w, a, Ma, jar, f);
    const float improvement = w.scale * (cost - new_cost);
    cost = new_cost;
    const float gnorm = g.sum(grad * grad);
    if (improvement < m.opt.tolerance || w.scale * sqrtf(gnorm) < m.opt.tolerance) {
      ++iter;
      break;
    }
  }
  if (lane == 0) {
    w.d.solver_niter()[0] = static_cast<float>(iter);
    w.d.solver_neval()[0] = static_cast<float>(neval);
  }
  return a;
}

// Lane i's place in the dof tree, as dof bit masks (nv ≤ 32): its ancestors and descendants.
struct DofTree {
  unsigned ancestors = 0, descendants = 0;
};

template <class W>
LS_HD DofTree dof_tree(const W& g, const ModelView& m, int nv) {
  DofTree t;
  if (g.lane < nv) for_each_ancestor(m, g.lane, false, [&](int j) { t.ancestors |= 1u << j; });
  for (int i = 0; i < nv; ++i) {  // transpose: the lanes that have i as an ancestor
    const unsigned below = g.ballot((t.ancestors >> i) & 1u);
    if (g.lane == i) t.descendants = below;
  }
  return t;
}

// solve_tree of one vector by a world's lanes, entry i in lane i (0 beyond nv), LD in shared memory
// (row-major, stride nv): both passes column by column, dof c's entry broadcast by a shuffle and
// applied by the lanes its tree links it to. A lane per row walking its row's ancestors through
// shared memory, each step a dependent load, multiply-add and store, was 32% of the Humanoid
// solve's stall samples (ncu, 2026-12-03). Same updates; the forward pass sums a row's terms
// root first instead of nearest first.
template <class W>
LS_HD float warp_solve_tree(const W& g, const float* LD, int nv, const DofTree& tree, float x) {
  const int i = g.lane < nv ? g.lane : 0;
  for (int c = nv - 1; c > 0; --c) {  // x_i −= L_ci·x_c for the ancestors i of c
    const float xc = g.shfl(x, c);
    if ((tree.descendants >> c) & 1u) x -= LD[c * nv + i] * xc;
  }
  if (g.lane < nv) x /= LD[i * nv + i];
  for (int c = 0; c + 1 < nv; ++c) {  // x_i −= L_ic·x_c for the ancestors c of i
    const float xc = g.shfl(x, c);
    if ((tree.ancestors >> c) & 1u) x -= LD[i * nv + c] * xc;
  }
  return x;
}

// One projected Gauss-Seidel step of row k = G·q + kk: every lane computes its own row q's
// step, lane kk applies it (f, and its share of the sweep's cost change) and broadcasts Δf_k.
// The shuffle runs in every lane of the world (a divergent shuffle is undefined).
template <class W, int kRpl>
LS_HD float pgs_row_step(const WarpWorld<W, kRpl>& w, int q, int kk,
                         const float (&res)[kRpl], const float (&diag)[kRpl],
                         const float (&inv_diag)[kRpl], float (&f)[kRpl], float& change) {
  const float fk = fmaxf(0.0f, f[q] - res[q] * inv_diag[q]), own = fk - f[q];
  const float delta = w.g.shfl(own, kk);
  if (w.g.lane == kk) {
    change += res[q] * own + 0.5f * diag[q] * own * own;
    f[q] = fk;
  }
  return delta;
}

// solve_pgs (dense form) by a world's lanes, from qacc = a; returns qacc in lane i, forces in f.
template <class W, int kRpl>
LS_HD float warp_pgs(const WarpWorld<W, kRpl>& w, float a, float (&f)[kRpl]) {
  constexpr int G = W::kLanes;
  const ModelView& m = w.m;
  const W& g = w.g;
  const int nv = w.nv, na = w.nactive, ld = w.l.ld, lane = g.lane, ldr = w.l.ldr;
  const float* J = w.sh + w.l.J;
  float *MinvJT = w.sh + w.l.MinvJT, *AR = w.sh + w.l.AR;
  // qLD in AR's place until AR is built (warp_solver_layout leaves room for it).
  float* LD = AR;
  const Arr<float> qLD = w.d.qLD();
  lanes_copy(g, nv * nv, [&](int t) { return qLD[t]; }, [&](int t, float v) { LD[t] = v; });
  const DofTree tree = dof_tree(g, m, nv);
  g.sync();
  // Row k: M⁻¹·J_kᵀ (minv_jt_rows) by all the world's lanes, then J_k·M⁻¹·J_kᵀ + R_k.
  float diag[kRpl] = {};
  for (int k = 0; k < na; ++k) {
    const float jk = w.dof ? J[k * ld + lane] : 0.0f;
    const float x = warp_solve_tree(g, LD, nv, tree, jk);
    if (w.dof) MinvJT[k * ld + lane] = x;
    const float jx = g.sum(jk * x);
    LS_UNROLL for (int q = 0; q < kRpl; ++q)
      if (lane + G * q == k) diag[q] = jx + w.R[q];
  }
  g.sync();
  // Warm start: f = −jar/R on violated rows at a, kept if its dual cost beats f = 0.
  float jar[kRpl], jq[kRpl], j0[kRpl], b[kRpl];
  row_jar(w, a, jar);
  row_cost(w, jar, f);
  a = w.qacc_smooth + mat_t_vec(g, MinvJT, ld, na, nv, f);
  rows_times(g, J, ld, na, nv, a, jq);
  rows_times(g, J, ld, na, nv, w.qacc_smooth, j0);
  float ws = 0;
  LS_UNROLL for (int q = 0; q < kRpl; ++q)
    ws += f[q] != 0.0f ? f[q] * (0.5f * (jq[q] - j0[q] + w.R[q] * f[q]) + j0[q] - w.aref[q]) : 0.0f;
  const bool keep = g.sum(ws) < 0;
  LS_UNROLL for (int q = 0; q < kRpl; ++q) {
    if (!keep) f[q] = 0;
    b[q] = w.row[q] ? j0[q] - w.aref[q] : 0.0f;
  }

  // AR over the active rows: J_k·(M⁻¹J_lᵀ) for l < k, mirrored; diag A on the diagonal.
  for (int t = lane; t < na * (na - 1) / 2; t += G) {
    int k, l;
    lower_entry(t, k, l);
    ++k;  // strict lower triangle
    float s = 0;
    for (int i = 0; i < nv; ++i) s += J[k * ld + i] * MinvJT[l * ld + i];
    AR[k * ldr + l] = s;
    AR[l * ldr + k] = s;
  }
  LS_UNROLL for (int q = 0; q < kRpl; ++q)
    if (w.row[q]) AR[(lane + G * q) * (ldr + 1)] = diag[q];
  g.sync();

  // Gauss-Seidel sweeps as pgs_sweeps_dense, with each row's residual b_k + Σ AR_kl·f_l kept in
  // its lane and updated by AR_kl·Δf_l after row l's step. Every lane takes its own row's step
  // and row k's lane broadcasts Δf_k (pgs_row_step): one shuffle per row visit, where taking r_k,
  // f_k and 1/AR_kk from lane k took three (Humanoid's solver stage 48.0 → 43.5 ns per
  // world-step with the AR column below; bench/RESULTS.md, 2026-12-03, fifth session).
  // 1/AR_kk ahead of the sweeps: a division on the sweep's serial chain of row steps costs
  // ~8 instructions and their latency per row visit (ncu, Humanoid, 2026-12-03).
  float res[kRpl], inv_diag[kRpl];
  LS_UNROLL for (int q = 0; q < kRpl; ++q) {
    inv_diag[q] = w.row[q] ? 1.0f / diag[q] : 0.0f;
    const int k = w.row[q] ? lane + G * q : 0;
    float s = 0;
    for (int l = 0; l < na; ++l) s += AR[k * ldr + l] * row_value(g, f, l);
    res[q] = w.row[q] ? b[q] + s : 0.0f;
  }
  // With one row per lane, lane l keeps AR's column l (its row: AR is symmetric) in registers:
  // a row visit is then a shuffle alone.
  float AR_col[G];
  if constexpr (kRpl == 1) {
    LS_UNROLL for (int k = 0; k < G; ++k)
      AR_col[k] = k < na && w.row[0] ? AR[k * ldr + lane] : 0.0f;
  }
  int iter = 0;
  while (iter < m.opt.iterations) {
    ++iter;
    float change = 0;
    if constexpr (kRpl == 1) {
      LS_UNROLL for (int k = 0; k < G; ++k) {
        if (k == na) break;
        res[0] += AR_col[k] * pgs_row_step(w, 0, k, res, diag, inv_diag, f, change);
      }
    } else {
      LS_UNROLL for (int q = 0; q < kRpl; ++q) {
        for (int kk = 0; kk < imin(G, na - G * q); ++kk) {
          const float delta = pgs_row_step(w, q, kk, res, diag, inv_diag, f, change);
          const float* AR_k = AR + (G * q + kk) * ldr + lane;
          LS_UNROLL for (int p = 0; p < kRpl; ++p)
            if (w.row[p]) res[p] += AR_k[G * p] * delta;
        }
      }
    }
    if (-w.scale * g.sum(change) < m.opt.tolerance) break;
  }
  if (lane == 0) {
    w.d.solver_niter()[0] = static_cast<float>(iter);
    w.d.solver_neval()[0] = 0;
  }
  return w.qacc_smooth + mat_t_vec(g, MinvJT, ld, na, nv, f);
}

// solve_constraint of one world with nactive ≤ G·kRpl active rows, by its G lanes: qacc, the
// active rows' efc_force, qfrc_constraint, contact forces, solver_niter/neval.
template <int kRpl, class W>
LS_HD void warp_solve_world(const ModelView& m, const Data& d, float* sh,
                            const WarpSolverLayout& l, int nactive, W lanes) {
  constexpr int G = W::kLanes;
  const int nv = m.size.nv;
  WarpWorld<W, kRpl> w{m, d, sh, l, lanes, nv, nactive};
  const W& g = w.g;
  const int lane = g.lane;
  w.dof = lane < nv;
  int r[kRpl];
  LS_UNROLL for (int q = 0; q < kRpl; ++q) {
    w.row[q] = lane + G * q < nactive;
    r[q] = w.row[q] ? active_row(d, lane + G * q) : 0;
    w.R[q] = w.row[q] ? d.efc_R()[r[q]] : 1.0f;
    w.aref[q] = w.row[q] ? d.efc_aref()[r[q]] : 0.0f;
  }
  w.qacc_smooth = w.dof ? d.qacc_smooth()[lane] : 0.0f;
  w.qfrc_smooth = w.dof ? d.qfrc_smooth()[lane] : 0.0f;
  w.scale = 1.0f / (m.stat_meaninertia[0] * fmaxf(1.0f, float(nv)));
  const bool warm = !(m.opt.disableflags & kDsblWarmstart);
  float a = w.dof ? (warm ? d.qacc_warmstart()[lane] : w.qacc_smooth) : 0.0f;
  float f[kRpl] = {};
  float* J = sh + l.J;
  const Arr<float> efc_J = d.efc_J();
  lanes_copy_rows(
      g, nactive, nv, [&](int k, int c) { return efc_J[row_value(g, r, k) * nv + c]; },
      [&](int k, int c, float v) { J[k * l.ld + c] = v; });
  if (nactive == 0) {  // the unconstrained answer is exact
    a = w.qacc_smooth;
    if (lane == 0) d.solver_niter()[0] = d.solver_neval()[0] = 0;
  } else if (uses_pgs(m.opt)) {
    g.sync();
    a = warp_pgs(w, a, f);
  } else {
    float* M = sh + l.M;
    const Arr<float> qM = d.qM();
    lanes_copy_rows(g, nv, nv, [&](int i, int c) { return qM[i * nv + c]; },
                    [&](int i, int c, float v) { M[i * l.ld + c] = v; });
    g.sync();
    // The cheaper of qacc_smooth and qacc_warmstart (solve_constraint), kept with the products
    // its cost took.
    NewtonPoint<kRpl> start = newton_point(w, w.qacc_smooth);
    if (warm) {
      const NewtonPoint<kRpl> from_warm = newton_point(w, a);
      if (from_warm.cost < start.cost) start = from_warm;
    }
    a = warp_newton(w, start, f);
  }
  // solve_constraint's end: qfrc_constraint = Jᵀ·f (mul_jt's order), then the contact forces
  // from the forces just stored, a slot per lane.
  const float qfrc = mat_t_vec(g, J, l.ld, nactive, nv, f);
  if (w.dof) {
    d.qacc()[lane] = a;
    d.qfrc_constraint()[lane] = qfrc;
  }
  LS_UNROLL for (int q = 0; q < kRpl; ++q)
    if (w.row[q]) d.efc_force()[r[q]] = f[q];
  g.sync();
  for (int slot = lane; slot < m.size.ncon_max; slot += G) contact_force_slot(m, d, slot);
}

// The constraint solve of a world whose stages run on `lanes` (engine/lanes.h) and whose
// threads are also the solver lanes g: by the warp solver where its active rows fit l.rows, in
// `sh` (l.floats floats; null: never), else solve_constraint on lane 0. Every lane calls it;
// the lanes are synced when it returns.
template <class L, class W>
LS_HD void solve_on_lanes(const ModelView& m, const Data& d, L lanes, const W& g, float* sh,
                          const WarpSolverLayout& l) {
  const int nactive = active_rows(d);
  if (sh != nullptr && nactive <= l.rows) warp_solve_world<1>(m, d, sh, l, nactive, g);
  else if (lanes.runs(0)) solve_constraint(m, d);
  lanes.sync();
}

}  // namespace lockstep
