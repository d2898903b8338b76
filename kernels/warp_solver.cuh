// The constraint solve of the staged CUDA step with one warp per world: engine/solver.h's Newton
// and dense PGS, with the world's active Jacobian rows and its dense matrices in shared memory,
// vectors in registers (lane i holds dof i, lane k active row k) and products broadcast through
// shuffles. Thread-per-world, every solver loop walks a world's matrices in global memory, one
// dependent load after another: at 65,536 worlds the solve was 71-86% of a step
// (bench/RESULTS.md, 2026-12-03).
//
// Same iterations, tests and tolerances as solve_newton / solve_pgs; the sums are taken in
// another order (warp reductions), PGS multiplies by 1/AR_kk and Newton's factor by rsqrt of
// its pivots, so results agree with the thread-per-world solve to float32 rounding, not
// bitwise. Each world's arithmetic depends on nothing but its own data, so runs and batch sizes
// still give bitwise-identical results.
//
// Scope, decided per model (warp_solver_fits): pyramidal cones (every row scalar), nv ≤ 32 and
// one world's matrices in shared memory; other models keep the thread-per-world solve. Per world
// (SolverLaunch): up to kWarpRows active rows, one per lane (warp_solve_kernel), on half a warp
// where nv ≤ 16 and the world has up to 16 rows in batches of many waves (Ant's settled worlds
// have 0-8 active rows in 96 cases of 100, and a whole warp left 18 of its lanes idle); up to
// 2·kWarpRows, two per lane, found by a scan (warp_solve_scan_kernel; 0.1% of Humanoid's settled
// worlds, each alone on one thread had cost a 65,536-world step 5 ms); more rows (beyond dense
// PGS too) per thread (solver_fallback_kernel).
#pragma once

#include <algorithm>
#include <array>
#include <map>
#include <mutex>

#include "engine/solver.h"
#include "kernels/cuda_check.cuh"
#include "kernels/launch.cuh"

namespace lockstep {
namespace {

constexpr int kWarpRows = 32;
constexpr unsigned kAllLanes = 0xffffffffu;
// Whole-warp worlds a block must be able to hold for the warp solver to be used
// (warp_solver_fits): a 32-byte sector of the world-fastest state holds one entry of 8 worlds,
// so such a block's loads of it are served by one fetch. Each launch picks its own block size
// (warp_solver_block_worlds).
constexpr int kWarpSolverWorlds = 8;

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

// Attribute `attr` of the current device.
inline int device_attribute(cudaDeviceAttr attr, const char* what) {
  int device = 0, value = 0;
  cuda_check(cudaGetDevice(&device), "cudaGetDevice");
  cuda_check(cudaDeviceGetAttribute(&value, attr, device), what);
  return value;
}

inline bool warp_solver_fits(const ModelView& m, size_t smem) {
  return m.opt.cone == kConePyramidal && m.size.nv <= 32 && m.size.nefc_max > 0 &&
         warp_solver_smem_bytes(warp_solver_layout(m, kWarpRows), kWarpSolverWorlds) <= smem &&
         warp_solver_smem_bytes(warp_solver_layout(m, 2 * kWarpRows), 1) <= smem;
}

// The lanes that solve one world: kLanes consecutive lanes of a warp, the whole warp or half of
// it. Shuffles, sums, ballots and syncs name only these lanes, so the two worlds of a warp may
// branch apart (their row counts and iterations differ) without a divergent shuffle.
template <int kLanes>
struct SolverLanes {
  static_assert(kLanes == 16 || kLanes == 32, "a world takes half a warp or a whole one");
  static constexpr int kShift = kLanes == 32 ? 5 : 4;  // log2(kLanes)
  int lane;       // 0 ≤ lane < kLanes
  int base;       // the world's first lane in the warp
  unsigned mask;  // the world's lanes
  __device__ SolverLanes()
      : lane(threadIdx.x & (kLanes - 1)),
        base(threadIdx.x & 31 & ~(kLanes - 1)),
        mask(kLanes == 32 ? kAllLanes : 0xffffu << base) {}
  template <class T>
  __device__ T shfl(T v, int src) const { return __shfl_sync(mask, v, src, kLanes); }
  __device__ float sum(float x) const {
    for (int offset = kLanes / 2; offset > 0; offset >>= 1)
      x += __shfl_xor_sync(mask, x, offset, kLanes);
    return x;  // the same bits in every lane: each level adds the same two values
  }
  __device__ unsigned ballot(bool p) const { return __ballot_sync(mask, p) >> base; }
  __device__ void sync() const { __syncwarp(mask); }
};

// dst(t, src(t)) for t < n, eight loads in flight per lane: a store between two loads would
// serialise them on the load latency (the compiler cannot rule out that they alias). Every lane
// calls src (with a valid index), so src may shuffle.
template <int G, class Src, class Dst>
__device__ void lanes_copy(const SolverLanes<G>& g, int n, Src src, Dst dst) {
  constexpr int kInFlight = 8;
  for (int t0 = 0; t0 < n; t0 += G * kInFlight) {
    float v[kInFlight];
#pragma unroll
    for (int c = 0; c < kInFlight; ++c) v[c] = src(min(t0 + G * c + g.lane, n - 1));
#pragma unroll
    for (int c = 0; c < kInFlight; ++c)
      if (t0 + G * c + g.lane < n) dst(t0 + G * c + g.lane, v[c]);
  }
}

// dst(r, c, src(r, c)) for rows r < rows and columns c < cols ≤ G, a lane per column and eight
// rows' loads in flight (as lanes_copy, without its flat index's division by the row length).
// Every lane calls src (with a valid row), so src may shuffle.
template <int G, class Src, class Dst>
__device__ void lanes_copy_rows(const SolverLanes<G>& g, int rows, int cols, Src src, Dst dst) {
  constexpr int kInFlight = 8;
  const int c = g.lane < cols ? g.lane : 0;
  for (int r0 = 0; r0 < rows; r0 += kInFlight) {
    float v[kInFlight];
#pragma unroll
    for (int k = 0; k < kInFlight; ++k) v[k] = src(min(r0 + k, rows - 1), c);
#pragma unroll
    for (int k = 0; k < kInFlight; ++k)
      if (r0 + k < rows && g.lane < cols) dst(r0 + k, c, v[k]);
  }
}

// Row k of a world's rows lives in lane k % G, slot k / G of a per-lane array. row_value
// gives row k's value to every lane; k may differ by lane.
template <int G, int kRpl, class T>
__device__ T row_value(const SolverLanes<G>& g, const T (&v)[kRpl], int k) {
  T out = 0;
#pragma unroll
  for (int q = 0; q < kRpl; ++q) {
    const T x = g.shfl(v[q], k & (G - 1));
    if ((k >> SolverLanes<G>::kShift) == q) out = x;
  }
  return out;
}

// Lane i < n: Σⱼ A[i][j]·xⱼ with xⱼ in lane j (A row-major, stride ld); 0 in the other lanes.
template <int G>
__device__ float mat_vec(const SolverLanes<G>& g, const float* A, int ld, int n, int cols, float x) {
  const float* row = A + (g.lane < n ? g.lane : 0) * ld;
  float s = 0;
  for (int j = 0; j < cols; ++j) s += row[j] * g.shfl(x, j);
  return g.lane < n ? s : 0.0f;
}

// Rows k < n of A times x (xⱼ in lane j, j < cols), into the row slots: out[q] of lane i is row
// i + G·q's; 0 beyond n.
template <int G, int kRpl>
__device__ void rows_times(const SolverLanes<G>& g, const float* A, int ld, int n, int cols, float x,
                           float (&out)[kRpl]) {
#pragma unroll
  for (int q = 0; q < kRpl; ++q) out[q] = mat_vec(g, A + G * q * ld, ld, n - G * q, cols, x);
}

// Lane i < cols: Σₖ A[k][i]·fₖ over rows k < n (fₖ in row slots), k ascending (as mul_jt).
template <int G, int kRpl>
__device__ float mat_t_vec(const SolverLanes<G>& g, const float* A, int ld, int n, int cols,
                           const float (&f)[kRpl]) {
  const int i = g.lane < cols ? g.lane : 0;
  float s = 0;
  for (int k = 0; k < n; ++k) s += A[k * ld + i] * row_value(g, f, k);
  return g.lane < cols ? s : 0.0f;
}

// (i, j) with j ≤ i of the t-th entry of a lower triangle stored row by row.
__device__ void lower_entry(int t, int& i, int& j) {
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
template <int G>
__device__ float warp_cholesky_forward(const SolverLanes<G>& g, int n, int ld, float* H, float b,
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
    const float inv = rsqrtf(djj);
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
template <int G>
__device__ float warp_cholesky_backward(const SolverLanes<G>& g, int n, int ld, const float* L,
                                        float inv_diag, float x) {
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
template <int G, int kRpl>
struct WarpWorld {
  const ModelView& m;
  const Data& d;
  float* sh;  // this world's shared memory
  const WarpSolverLayout& l;
  SolverLanes<G> g;
  int nv, nactive;
  bool dof;
  bool row[kRpl];
  float R[kRpl], aref[kRpl];
  float qacc_smooth, qfrc_smooth;
  float scale;  // of the cost, for the tolerance tests (as the thread-per-world solvers)
};

// This lane's share of the rows' soft cost at jar; their forces f = −jar/R where jar < 0.
template <int G, int kRpl>
__device__ float row_cost(const WarpWorld<G, kRpl>& w, const float (&jar)[kRpl], float (&f)[kRpl]) {
  float cost = 0;
#pragma unroll
  for (int q = 0; q < kRpl; ++q) {
    const bool on = w.row[q] && jar[q] < 0;
    f[q] = on ? -jar[q] / w.R[q] : 0.0f;
    cost += on ? 0.5f * jar[q] * jar[q] / w.R[q] : 0.0f;
  }
  return cost;
}

// jar = J·a − aref over the active rows (0 in empty slots).
template <int G, int kRpl>
__device__ void row_jar(const WarpWorld<G, kRpl>& w, float a, float (&jar)[kRpl]) {
  rows_times(w.g, w.sh + w.l.J, w.l.ld, w.nactive, w.nv, a, jar);
#pragma unroll
  for (int q = 0; q < kRpl; ++q) jar[q] -= w.aref[q];
}

// Primal cost at qacc = a (Ma = M·a, jar = J·a − aref); the rows' forces into f.
template <int G, int kRpl>
__device__ float warp_primal_cost(const WarpWorld<G, kRpl>& w, float a, float Ma,
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

template <int G, int kRpl>
__device__ NewtonPoint<kRpl> newton_point(const WarpWorld<G, kRpl>& w, float a) {
  NewtonPoint<kRpl> p;
  p.a = a;
  p.Ma = mat_vec(w.g, w.sh + w.l.M, w.l.ld, w.nv, w.nv, a);
  row_jar(w, a, p.jar);
  p.cost = warp_primal_cost(w, a, p.Ma, p.jar, p.f);
  return p;
}

// solve_newton by a world's lanes from `start`; returns qacc in lane i, the rows' forces in f.
template <int G, int kRpl>
__device__ float warp_newton(const WarpWorld<G, kRpl>& w, const NewtonPoint<kRpl>& start,
                             float (&f)[kRpl]) {
  const ModelView& m = w.m;
  const SolverLanes<G>& g = w.g;
  const int nv = w.nv, na = w.nactive, ld = w.l.ld, lane = g.lane;
  const float *J = w.sh + w.l.J, *M = w.sh + w.l.M;
  float* H = w.sh + w.l.H;
  float a = start.a, Ma = start.Ma, cost = start.cost;
  float jar[kRpl];
#pragma unroll
  for (int q = 0; q < kRpl; ++q) {
    jar[q] = start.jar[q];
    f[q] = start.f[q];
  }
  int iter = 0, neval = 0;
  for (; iter < m.opt.iterations; ++iter) {
    const float grad = Ma - w.qfrc_smooth - mat_t_vec(g, J, ld, na, nv, f);  // 0 beyond nv
    // H = M + Σ_rows Jᵀ·J/R over rows with jar < 0 (lower triangle, add_constraint_hessian's
    // order per entry).
    float D[kRpl];
#pragma unroll
    for (int q = 0; q < kRpl; ++q) D[q] = jar[q] < 0 ? 1.0f / w.R[q] : 0.0f;
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
#pragma unroll
      for (int q = 0; q < kRpl; ++q) {
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

template <int G>
__device__ DofTree dof_tree(const SolverLanes<G>& g, const ModelView& m, int nv) {
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
template <int G>
__device__ float warp_solve_tree(const SolverLanes<G>& g, const float* LD, int nv, const DofTree& tree,
                                 float x) {
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
template <int G, int kRpl>
__device__ float pgs_row_step(const WarpWorld<G, kRpl>& w, int q, int kk,
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
template <int G, int kRpl>
__device__ float warp_pgs(const WarpWorld<G, kRpl>& w, float a, float (&f)[kRpl]) {
  const ModelView& m = w.m;
  const SolverLanes<G>& g = w.g;
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
#pragma unroll
    for (int q = 0; q < kRpl; ++q)
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
#pragma unroll
  for (int q = 0; q < kRpl; ++q)
    ws += f[q] != 0.0f ? f[q] * (0.5f * (jq[q] - j0[q] + w.R[q] * f[q]) + j0[q] - w.aref[q]) : 0.0f;
  const bool keep = g.sum(ws) < 0;
#pragma unroll
  for (int q = 0; q < kRpl; ++q) {
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
#pragma unroll
  for (int q = 0; q < kRpl; ++q)
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
#pragma unroll
  for (int q = 0; q < kRpl; ++q) {
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
#pragma unroll
    for (int k = 0; k < G; ++k) AR_col[k] = k < na && w.row[0] ? AR[k * ldr + lane] : 0.0f;
  }
  int iter = 0;
  while (iter < m.opt.iterations) {
    ++iter;
    float change = 0;
    if constexpr (kRpl == 1) {
#pragma unroll
      for (int k = 0; k < G; ++k) {
        if (k == na) break;
        res[0] += AR_col[k] * pgs_row_step(w, 0, k, res, diag, inv_diag, f, change);
      }
    } else {
#pragma unroll
      for (int q = 0; q < kRpl; ++q) {
        for (int kk = 0; kk < min(G, na - G * q); ++kk) {
          const float delta = pgs_row_step(w, q, kk, res, diag, inv_diag, f, change);
          const float* AR_k = AR + (G * q + kk) * ldr + lane;
#pragma unroll
          for (int p = 0; p < kRpl; ++p)
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
template <int G, int kRpl>
__device__ void warp_solve_world(const ModelView& m, const Data& d, float* sh,
                                 const WarpSolverLayout& l, int nactive) {
  const int nv = m.size.nv;
  WarpWorld<G, kRpl> w{m, d, sh, l, SolverLanes<G>(), nv, nactive};
  const SolverLanes<G>& g = w.g;
  const int lane = g.lane;
  w.dof = lane < nv;
  int r[kRpl];
#pragma unroll
  for (int q = 0; q < kRpl; ++q) {
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
#pragma unroll
  for (int q = 0; q < kRpl; ++q)
    if (w.row[q]) d.efc_force()[r[q]] = f[q];
  g.sync();
  for (int slot = lane; slot < m.size.ncon_max; slot += G) contact_force_slot(m, d, slot);
}

// The worlds with nactive ≤ l.rows (≤ G) active rows, G lanes each. Block:
// blockDim.x / G consecutive worlds. Registers bounded for four blocks of 256 threads per SM: 64
// (from 79, no spills), so 32 warps per SM instead of 24 where shared memory allows (Ant: 28.8 KB
// a block of 8 whole-warp worlds); ncu found the kernel latency-bound at 16.5 achieved warps per
// SM (2026-12-03). Five blocks would spill.
template <int G>
__global__ void __launch_bounds__(256, 4)
    warp_solve_kernel(const __grid_constant__ ModelView m, const __grid_constant__ StateView s,
                      const __grid_constant__ WarpSolverLayout l) {
  extern __shared__ float smem[];
  const int slot = threadIdx.x / G;
  const int world = blockIdx.x * (blockDim.x / G) + slot;
  if (world >= s.num_worlds) return;  // whole worlds
  const Data d = s.world(world);
  const int nactive = active_rows(d);
  if (nactive <= l.rows) warp_solve_world<G, 1>(m, d, smem + slot * l.floats, l, nactive);
}

// Worlds per block of warp_solve_kernel<G> (blocks of at most 256 threads): of three sizes, the
// one with the most resident worlds per SM, ties to the larger. Humanoid under PGS (80.9 KB for 8
// worlds) was held to two blocks, 16 warps per SM, by shared memory (ncu, 2026-12-03); in blocks
// of 4 it can hold 20 or more. resident: worlds per SM at that size.
template <int G>
int warp_solver_block_worlds(const WarpSolverLayout& l, int* resident) {
  int best = 256 / G, best_worlds = 0;
  for (int worlds = 256 / G; worlds >= 64 / G; worlds /= 2) {
    int blocks = 0;
    cuda_check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
                   &blocks, warp_solve_kernel<G>, G * worlds, warp_solver_smem_bytes(l, worlds)),
               "cudaOccupancyMaxActiveBlocksPerMultiprocessor (warp_solve_kernel)");
    if (blocks * worlds > best_worlds) {
      best = worlds;
      best_worlds = blocks * worlds;
    }
  }
  *resident = best_worlds;
  return best;
}

// The worlds with first_rows ≤ nactive ≤ l.rows (l.rows ≤ 32·kRpl), for classes of worlds too
// rare for a launch of their own: a one-warp block scans `scan` consecutive worlds, 32 at a time
// (a lane each), and solves those it finds one after another. kRpl = 1: registers bounded for
// 24 blocks per SM (80, no spills beyond 4 bytes), not the 124 it would take.
template <int kRpl>
__global__ void __launch_bounds__(32, kRpl == 1 ? 24 : 16)
    warp_solve_scan_kernel(const __grid_constant__ ModelView m, const __grid_constant__ StateView s,
                           const __grid_constant__ WarpSolverLayout l, int first_rows, int scan) {
  extern __shared__ float smem[];
  const int lane = threadIdx.x & 31, first = static_cast<int>(blockIdx.x) * scan;
  const int end = min(first + scan, s.num_worlds);
  for (int base = first; base < end; base += 32) {
    const int nactive = base + lane < end ? active_rows(s.world(base + lane)) : 0;
    unsigned found = __ballot_sync(kAllLanes, base + lane < end && nactive >= first_rows &&
                                                  nactive <= l.rows);
    while (found) {
      const int j = __ffs(found) - 1;
      found &= found - 1;
      warp_solve_world<32, kRpl>(m, s.world(base + j), smem, l,
                                 __shfl_sync(kAllLanes, nactive, j));
    }
  }
}

// The whole solve, per thread, of each world beyond the warps' 2·kWarpRows rows (a per-world
// branch; such worlds are rarer still).
__global__ void solver_fallback_kernel(const __grid_constant__ ModelView m,
                                       const __grid_constant__ StateView s) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w < s.num_worlds && active_rows(s.world(w)) > 2 * kWarpRows) solve_constraint(m, s.world(w));
}

// The kernel's dynamic shared memory limit raised to the device's whole per-block budget.
template <class Kernel>
void opt_into_block_smem(Kernel kernel, size_t smem, const char* name) {
  cuda_check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  static_cast<int>(smem)),
             name);
}

// One launch of warp_solve_kernel<G>.
struct LanesLaunch {
  int worlds = 0;  // per block
  WarpSolverLayout layout;
};

// Rows of a half-warp world, and worlds per one-warp block of the scans.
constexpr int kHalfWarpRows = 16;
constexpr int kMiddleScanWorlds = 32, kWideScanWorlds = 256;
// Batches of more than this many waves (worlds the SMs hold of the whole-warp kernel at once)
// solve their worlds of up to kHalfWarpRows rows on half a warp each where nv ≤ 16.
constexpr int kHalfWarpWaves = 8;

// How the solver stage of one model launches on one device: every world of up to kWarpRows rows
// on a whole warp, or, where nv ≤ 16 in batches of more than kHalfWarpWaves waves, the worlds
// of up to 16 rows on half a warp and the others (Ant: 0.02% of settled worlds) by a scan.
// H200, Ant, 2026-12-03 (sixth session), ns per world-step of the step (of the solver): half
// warps at 262,144 worlds 25.13 → 23.35 (11.69 → 10.31), at 65,536 29.48 → 28.98, but at 16,384
// (3.9 waves) 52.62 → 55.78 and at 4,096 (one wave) 135.1 → 153.7 (26.0 → 49.2): two worlds
// of a warp run one after the other where their iterations differ, so each world's solve takes
// longer, which only a batch of many waves hides. The same split for nv > 16 (whole warps,
// shared memory for 16 rows, then a scan) lost on the Humanoid (80.0 → 90.0 at 262,144: its
// 21% of worlds with 17-32 rows) though the Brax-set Humanoid gained (51.5 → 48.3 at 65,536).
struct SolverLaunch {
  bool warp = false;         // warps per world (warp_solver_fits), else a thread per world
  long long half_from = -1;  // more worlds than this: half warps (-1: never, nv > 16)
  LanesLaunch whole, half;
  WarpSolverLayout wide;
};

// The solver stage's launch for model m on the current device, decided on first use and kept:
// the device and occupancy queries behind it would otherwise run on every step. Keyed by what
// the decision reads (device, nv, cone, solver, whether there are rows).
inline SolverLaunch solver_launch(const ModelView& m) {
  static std::mutex mutex;
  static std::map<std::array<int, 5>, SolverLaunch> plans;
  int device = 0;
  cuda_check(cudaGetDevice(&device), "cudaGetDevice");
  const std::array<int, 5> key = {device, m.size.nv, m.opt.cone, uses_pgs(m.opt) ? 1 : 0,
                                  m.size.nefc_max > 0 ? 1 : 0};
  const std::lock_guard<std::mutex> lock(mutex);
  const auto found = plans.find(key);
  if (found != plans.end()) return found->second;
  SolverLaunch plan;
  // The largest dynamic shared memory a block may opt into.
  const size_t smem = device_attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin,
                                       "cudaDeviceGetAttribute (shared memory per block)");
  plan.warp = warp_solver_fits(m, smem);
  if (plan.warp) {
    opt_into_block_smem(warp_solve_kernel<32>, smem, "cudaFuncSetAttribute (warp_solve_kernel)");
    opt_into_block_smem(warp_solve_scan_kernel<2>, smem,
                        "cudaFuncSetAttribute (warp_solve_scan_kernel)");
    int resident = 0;
    plan.whole.layout = warp_solver_layout(m, kWarpRows);
    plan.whole.worlds = warp_solver_block_worlds<32>(plan.whole.layout, &resident);
    plan.wide = warp_solver_layout(m, 2 * kWarpRows);
    if (m.size.nv <= 16) {
      opt_into_block_smem(warp_solve_kernel<16>, smem, "cudaFuncSetAttribute (warp_solve_kernel)");
      opt_into_block_smem(warp_solve_scan_kernel<1>, smem,
                          "cudaFuncSetAttribute (warp_solve_scan_kernel)");
      plan.half_from = static_cast<long long>(kHalfWarpWaves) * resident *
                       device_attribute(cudaDevAttrMultiProcessorCount,
                                        "cudaDeviceGetAttribute (multiprocessors)");
      plan.half.layout = warp_solver_layout(m, kHalfWarpRows);
      plan.half.worlds = warp_solver_block_worlds<16>(plan.half.layout, &resident);
    }
  }
  plans.emplace(key, plan);
  return plan;
}

template <int G>
void launch_warp_solve(const ModelView& m, const StateView& s, cudaStream_t stream,
                       const LanesLaunch& plan) {
  const size_t smem = warp_solver_smem_bytes(plan.layout, plan.worlds);
  warp_solve_kernel<G><<<(s.num_worlds + plan.worlds - 1) / plan.worlds, G * plan.worlds, smem,
                         stream>>>(m, s, plan.layout);
  cuda_check_launch("warp_solve_kernel");
}

template <int kRpl>
void launch_warp_solve_scan(const ModelView& m, const StateView& s, cudaStream_t stream,
                            const WarpSolverLayout& l, int first_rows, int scan) {
  warp_solve_scan_kernel<kRpl><<<(s.num_worlds + scan - 1) / scan, 32,
                                 warp_solver_smem_bytes(l, 1), stream>>>(m, s, l, first_rows,
                                                                         scan);
  cuda_check_launch("warp_solve_scan_kernel");
}

// The constraint solve of every world: warps per world where the model allows
// (warp_solver_fits), else `thread_solve` (one thread per world).
inline void launch_solver_stage(const ModelView& m, const StateView& s, cudaStream_t stream,
                                void (*thread_solve)(ModelView, StateView, int)) {
  const SolverLaunch plan = solver_launch(m);
  if (!plan.warp) {
    thread_solve<<<blocks_for(s.num_worlds), kBlock, 0, stream>>>(m, s, 0);  // one lane a world
    cuda_check_launch("forward_stage_kernel (solver)");
    return;
  }
  if (plan.half_from >= 0 && s.num_worlds > plan.half_from) {
    launch_warp_solve<16>(m, s, stream, plan.half);
    // The 17-32-row worlds, in the whole-warp layout.
    launch_warp_solve_scan<1>(m, s, stream, plan.whole.layout, kHalfWarpRows + 1,
                              kMiddleScanWorlds);
  } else {
    launch_warp_solve<32>(m, s, stream, plan.whole);
  }
  launch_warp_solve_scan<2>(m, s, stream, plan.wide, kWarpRows + 1, kWideScanWorlds);
  solver_fallback_kernel<<<blocks_for(s.num_worlds), kBlock, 0, stream>>>(m, s);
  cuda_check_launch("solver_fallback_kernel");
}

}  // namespace
}  // namespace lockstep
