// The constraint solve of the staged CUDA step with one warp per world: engine/solver.h's Newton
// and dense PGS, with the world's active Jacobian rows and its dense matrices in shared memory,
// vectors in registers (lane i holds dof i, lane k active row k) and products broadcast through
// shuffles. Thread-per-world, every solver loop walks a world's matrices in global memory, one
// dependent load after another: at 65,536 worlds the solve was 71-86% of a step
// (bench/RESULTS.md, 2026-12-03).
//
// Same iterations, tests and tolerances as solve_newton / solve_pgs; the sums are taken in
// another order (warp reductions), so results agree with the thread-per-world solve to float32
// rounding, not bitwise. Each world's arithmetic depends on nothing but its own data, so runs
// and batch sizes still give bitwise-identical results.
//
// Scope, decided per model (warp_solver_fits): pyramidal cones (every row scalar), nv ≤ 32 and
// one world's matrices in shared memory; other models keep the thread-per-world solve. Per world,
// at most kWarpRows active rows (one per lane); a world with more is solved per thread by
// solver_fallback_kernel.
#pragma once

#include "engine/solver.h"
#include "kernels/cuda_check.cuh"
#include "kernels/launch.cuh"

namespace lockstep {
namespace {

constexpr int kWarpRows = 32;
constexpr unsigned kAllLanes = 0xffffffffu;
// Consecutive worlds per block: a 32-byte sector of the world-fastest state holds one entry of
// 8 worlds, so the block's loads of it are served by one fetch.
constexpr int kWarpSolverWorlds = 8;

// One world's shared memory, in floats. Matrix rows are `ld` = nv | 1 apart (odd: a column read
// by 32 lanes hits 32 banks). J: the active rows, in active order. Newton: M and the Hessian
// factor H. PGS: M⁻¹Jᵀ rows and AR = J·M⁻¹·Jᵀ + R (row stride kWarpRows + 1).
struct WarpSolverLayout {
  int ld = 0, J = 0, M = 0, H = 0, MinvJT = 0, AR = 0, floats = 0;
};

inline WarpSolverLayout warp_solver_layout(const ModelView& m) {
  WarpSolverLayout l;
  l.ld = m.size.nv | 1;
  l.J = 0;
  int end = kWarpRows * l.ld;
  if (uses_pgs(m.opt)) {
    l.MinvJT = end;
    l.AR = l.MinvJT + kWarpRows * l.ld;
    end = l.AR + kWarpRows * (kWarpRows + 1);
  } else {
    l.M = end;
    l.H = l.M + m.size.nv * l.ld;
    end = l.H + m.size.nv * l.ld;
  }
  l.floats = end;
  return l;
}

inline size_t warp_solver_smem_bytes(const WarpSolverLayout& l) {
  return sizeof(float) * l.floats * kWarpSolverWorlds;
}

// Largest dynamic shared memory a block may opt into on the current device.
inline size_t max_block_smem() {
  int device = 0, bytes = 0;
  cuda_check(cudaGetDevice(&device), "cudaGetDevice");
  cuda_check(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device),
             "cudaDeviceGetAttribute (shared memory per block)");
  return static_cast<size_t>(bytes);
}

inline bool warp_solver_fits(const ModelView& m) {
  return m.opt.cone == kConePyramidal && m.size.nv <= 32 && m.size.nefc_max > 0 &&
         warp_solver_smem_bytes(warp_solver_layout(m)) <= max_block_smem();
}

__device__ float warp_sum(float x) {
  for (int offset = 16; offset > 0; offset >>= 1) x += __shfl_xor_sync(kAllLanes, x, offset);
  return x;  // the same bits in every lane: each level adds the same two values
}

// dst(t, src(t)) for t < n, eight loads in flight per lane: a store between two loads would
// serialise them on the load latency (the compiler cannot rule out that they alias). Every lane
// calls src (with a valid index), so src may shuffle.
template <class Src, class Dst>
__device__ void warp_copy(int n, Src src, Dst dst) {
  constexpr int kInFlight = 8;
  const int lane = threadIdx.x & 31;
  for (int t0 = 0; t0 < n; t0 += 32 * kInFlight) {
    float v[kInFlight];
#pragma unroll
    for (int c = 0; c < kInFlight; ++c) v[c] = src(min(t0 + 32 * c + lane, n - 1));
#pragma unroll
    for (int c = 0; c < kInFlight; ++c)
      if (t0 + 32 * c + lane < n) dst(t0 + 32 * c + lane, v[c]);
  }
}

// Lane i < n: Σⱼ A[i][j]·xⱼ with xⱼ in lane j (A row-major, stride ld); 0 in the other lanes.
__device__ float mat_vec(const float* A, int ld, int n, int cols, float x) {
  const int lane = threadIdx.x & 31;
  const float* row = A + (lane < n ? lane : 0) * ld;
  float s = 0;
  for (int j = 0; j < cols; ++j) s += row[j] * __shfl_sync(kAllLanes, x, j);
  return lane < n ? s : 0.0f;
}

// Lane i < cols: Σₖ A[k][i]·fₖ over rows k < n with fₖ in lane k, k ascending (as mul_jt).
__device__ float mat_t_vec(const float* A, int ld, int n, int cols, float f) {
  const int lane = threadIdx.x & 31;
  const int i = lane < cols ? lane : 0;
  float s = 0;
  for (int k = 0; k < n; ++k) s += A[k * ld + i] * __shfl_sync(kAllLanes, f, k);
  return lane < cols ? s : 0.0f;
}

// (i, j) with j ≤ i of the t-th entry of a lower triangle stored row by row.
__device__ void lower_entry(int t, int& i, int& j) {
  i = static_cast<int>((sqrtf(8.0f * t + 1.0f) - 1.0f) * 0.5f);
  while (i * (i + 1) / 2 > t) --i;  // float rounding of the root
  while ((i + 1) * (i + 2) / 2 <= t) ++i;
  j = t - i * (i + 1) / 2;
}

// In-place Cholesky of the n×n lower triangle of H, as cholesky(): each entry is the same
// sum in the same order; lane i computes row i of column j.
__device__ void warp_cholesky(int n, int ld, float* H) {
  const int lane = threadIdx.x & 31;
  for (int j = 0; j < n; ++j) {
    float djj = H[j * ld + j];
    for (int k = 0; k < j; ++k) djj -= H[j * ld + k] * H[j * ld + k];
    djj = sqrtf(fmaxf(djj, 1e-15f));
    float lij = 0;
    if (lane > j && lane < n) {
      float s = H[lane * ld + j];
      for (int k = 0; k < j; ++k) s -= H[lane * ld + k] * H[j * ld + k];
      lij = s / djj;
    }
    __syncwarp();
    if (lane > j && lane < n) H[lane * ld + j] = lij;
    if (lane == j) H[j * ld + j] = djj;
    __syncwarp();
  }
}

// x ← (L·Lᵀ)⁻¹·x with xᵢ in lane i: forward substitution in cholesky_solve's order, backward by
// columns.
__device__ float warp_cholesky_solve(int n, int ld, const float* L, float x) {
  const int lane = threadIdx.x & 31;
  for (int k = 0; k < n; ++k) {
    if (lane == k) x /= L[k * ld + k];
    const float xk = __shfl_sync(kAllLanes, x, k);
    if (lane > k && lane < n) x -= L[lane * ld + k] * xk;
  }
  for (int k = n - 1; k >= 0; --k) {
    if (lane == k) x /= L[k * ld + k];
    const float xk = __shfl_sync(kAllLanes, x, k);
    if (lane < k) x -= L[k * ld + lane] * xk;
  }
  return x;
}

// What a warp knows of its world: the active rows (lane k: row id, R, aref) and the dof vectors
// it starts from (lane i).
struct WarpWorld {
  const ModelView& m;
  const Data& d;
  float* sh;  // this world's shared memory
  const WarpSolverLayout& l;
  int nv, nactive, lane;
  bool dof, row;
  float R, aref, qacc_smooth, qfrc_smooth;
  float scale;  // of the cost, for the tolerance tests (as the thread-per-world solvers)
};

// Soft cost and forces of the rows at jar (lane k): f = −jar/R where jar < 0.
__device__ float row_cost(const WarpWorld& w, float jar, float& f) {
  const bool on = w.row && jar < 0;
  f = on ? -jar / w.R : 0.0f;
  return on ? 0.5f * jar * jar / w.R : 0.0f;
}

// Primal cost at qacc = a (Ma = M·a, jar = J·a − aref); the rows' forces into f.
__device__ float warp_primal_cost(const WarpWorld& w, float a, float Ma, float jar, float& f) {
  const float gauss = w.dof ? 0.5f * (Ma - w.qfrc_smooth) * (a - w.qacc_smooth) : 0.0f;
  return warp_sum(gauss + row_cost(w, jar, f));
}

// solve_newton with one warp; returns qacc in lane i, the rows' forces in lane k.
__device__ float warp_newton(const WarpWorld& w, float a, float& f) {
  const ModelView& m = w.m;
  const int nv = w.nv, na = w.nactive, ld = w.l.ld, lane = w.lane;
  const float *J = w.sh + w.l.J, *M = w.sh + w.l.M;
  float* H = w.sh + w.l.H;
  float Ma = mat_vec(M, ld, nv, nv, a);
  float jar = mat_vec(J, ld, na, nv, a) - w.aref;  // 0 beyond the active rows
  float cost = warp_primal_cost(w, a, Ma, jar, f);
  int iter = 0, neval = 0;
  for (; iter < m.opt.iterations; ++iter) {
    const float grad = Ma - w.qfrc_smooth - mat_t_vec(J, ld, na, nv, f);  // 0 beyond nv
    // H = M + Σ_rows Jᵀ·J/R over rows with jar < 0 (lower triangle, add_constraint_hessian's
    // order per entry).
    const float D = jar < 0 ? 1.0f / w.R : 0.0f;
    const int entries = nv * (nv + 1) / 2;
    __syncwarp();  // every lane is done with the last factor
    for (int t0 = 0; t0 < entries; t0 += 32) {  // whole-warp rounds: the shuffles need all lanes
      int i, j;
      lower_entry(t0 + lane < entries ? t0 + lane : 0, i, j);
      float h = M[i * ld + j];
      for (int k = 0; k < na; ++k)
        h += __shfl_sync(kAllLanes, D, k) * J[k * ld + i] * J[k * ld + j];
      if (t0 + lane < entries) H[i * ld + j] = h;
    }
    __syncwarp();
    warp_cholesky(nv, ld, H);
    const float p = warp_cholesky_solve(nv, ld, H, -grad);

    // Exact line search, as solve_newton (its comments give the reasons).
    const float Mp = mat_vec(M, ld, nv, nv, p);
    const float g0 = warp_sum(p * (Ma - w.qfrc_smooth));
    const float g0_mag = warp_sum(fabsf(p) * (fabsf(Ma) + fabsf(w.qfrc_smooth)));
    const float pMp = warp_sum(p * Mp);
    const float Jp = mat_vec(J, ld, na, nv, p);
    auto slope = [&](float alpha, float* curvature, float* noise) {
      ++neval;
      const float y = jar + alpha * Jp;
      const bool on = w.row && y < 0;
      const float fa = on ? -y / w.R : 0.0f, term = fa * Jp;
      *curvature = pMp + warp_sum(on ? Jp * Jp / w.R : 0.0f);
      *noise = kSlopeNoise * (g0_mag + fabsf(alpha) * pMp + warp_sum(fabsf(term)));
      return g0 + alpha * pMp - warp_sum(term);
    };
    float h0, noise;
    const float d0 = slope(0.0f, &h0, &noise);
    if (!(d0 < -noise)) break;
    const float alpha = line_search(m, slope, d0, h0);
    a += alpha * p;
    Ma += alpha * Mp;
    jar = mat_vec(J, ld, na, nv, a) - w.aref;
    const float new_cost = warp_primal_cost(w, a, Ma, jar, f);
    const float improvement = w.scale * (cost - new_cost);
    cost = new_cost;
    const float gnorm = warp_sum(grad * grad);
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

// solve_pgs (dense form) with one warp, from qacc = a; returns qacc in lane i, forces in lane k.
__device__ float warp_pgs(const WarpWorld& w, float a, float& f) {
  const ModelView& m = w.m;
  const int nv = w.nv, na = w.nactive, ld = w.l.ld, lane = w.lane, ldr = kWarpRows + 1;
  const float* J = w.sh + w.l.J;
  float *MinvJT = w.sh + w.l.MinvJT, *AR = w.sh + w.l.AR;
  // qLD in AR's place until AR is built (nv² ≤ kWarpRows·(kWarpRows + 1)): the tree solves
  // walk it one dependent load after another.
  float* LD = AR;
  const Arr<float> qLD = w.d.qLD();
  warp_copy(nv * nv, [&](int t) { return qLD[t]; }, [&](int t, float v) { LD[t] = v; });
  __syncwarp();
  if (w.row) {  // lane k: M⁻¹·J_kᵀ by tree solves (minv_jt_rows); LD's reads are broadcasts
    float* x = MinvJT + lane * ld;
    for (int i = 0; i < nv; ++i) x[i] = J[lane * ld + i];
    solve_tree(m, Arr<float>{LD, 1}, Arr<float>{x, 1});
  }
  __syncwarp();
  float diag = 0, b = 0;
  if (w.row) {
    for (int i = 0; i < nv; ++i) diag += J[lane * ld + i] * MinvJT[lane * ld + i];
    diag += w.R;
  }
  // Warm start: f = −jar/R on violated rows at a, kept if its dual cost beats f = 0.
  const float jar = mat_vec(J, ld, na, nv, a) - w.aref;
  row_cost(w, jar, f);
  a = w.qacc_smooth + mat_t_vec(MinvJT, ld, na, nv, f);
  const float jq = mat_vec(J, ld, na, nv, a), j0 = mat_vec(J, ld, na, nv, w.qacc_smooth);
  const float ws_cost = warp_sum(f != 0.0f ? f * (0.5f * (jq - j0 + w.R * f) + j0 - w.aref) : 0.0f);
  if (!(ws_cost < 0)) f = 0;
  b = w.row ? j0 - w.aref : 0.0f;

  // AR over the active rows: J_k·(M⁻¹J_lᵀ) for l < k, mirrored; diag A on the diagonal.
  for (int t = lane; t < na * (na - 1) / 2; t += 32) {
    int k, l;
    lower_entry(t, k, l);
    ++k;  // strict lower triangle
    float s = 0;
    for (int i = 0; i < nv; ++i) s += J[k * ld + i] * MinvJT[l * ld + i];
    AR[k * ldr + l] = s;
    AR[l * ldr + k] = s;
  }
  if (w.row) AR[lane * ldr + lane] = diag;
  __syncwarp();

  // Gauss-Seidel sweeps as pgs_sweeps_dense, with lane l holding its row's residual
  // b_l + Σ AR_lk·f_k, updated by AR_lk·Δf_k after each row's step: one shuffle per row visit
  // instead of a warp reduction.
  float res = b + mat_vec(AR, ldr, na, na, f);
  int iter = 0;
  while (iter < m.opt.iterations) {
    ++iter;
    float change = 0;
    for (int k = 0; k < na; ++k) {
      const float rk = __shfl_sync(kAllLanes, res, k), fk0 = __shfl_sync(kAllLanes, f, k);
      const float dk = AR[k * ldr + k];
      const float fk = fmaxf(0.0f, fk0 - rk / dk), delta = fk - fk0;
      if (lane == k) f = fk;
      if (w.row) res += AR[k * ldr + lane] * delta;
      change += rk * delta + 0.5f * dk * delta * delta;
    }
    if (-w.scale * change < m.opt.tolerance) break;
  }
  if (lane == 0) {
    w.d.solver_niter()[0] = static_cast<float>(iter);
    w.d.solver_neval()[0] = 0;
  }
  return w.qacc_smooth + mat_t_vec(MinvJT, ld, na, nv, f);
}

// solve_constraint for worlds with at most kWarpRows active rows: qacc, the active rows'
// efc_force, qfrc_constraint, contact forces, solver_niter/neval. Block: kWarpSolverWorlds
// consecutive worlds, a warp each.
__global__ void warp_solve_kernel(const __grid_constant__ ModelView m,
                                  const __grid_constant__ StateView s,
                                  const __grid_constant__ WarpSolverLayout l) {
  extern __shared__ float smem[];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int world = blockIdx.x * kWarpSolverWorlds + warp;
  if (world >= s.num_worlds) return;  // whole warps
  const Data d = s.world(world);
  const int nv = m.size.nv, nactive = active_rows(d);
  if (nactive > kWarpRows) return;  // solved per thread by solver_fallback_kernel
  WarpWorld w{m, d, smem + warp * l.floats, l, nv, nactive, lane, lane < nv, lane < nactive};
  const int r = w.row ? active_row(d, lane) : 0;
  w.R = w.row ? d.efc_R()[r] : 1.0f;
  w.aref = w.row ? d.efc_aref()[r] : 0.0f;
  w.qacc_smooth = w.dof ? d.qacc_smooth()[lane] : 0.0f;
  w.qfrc_smooth = w.dof ? d.qfrc_smooth()[lane] : 0.0f;
  w.scale = 1.0f / (m.stat_meaninertia[0] * fmaxf(1.0f, float(nv)));
  const bool warm = !(m.opt.disableflags & kDsblWarmstart);
  float a = w.dof ? (warm ? d.qacc_warmstart()[lane] : w.qacc_smooth) : 0.0f, f = 0;
  float* J = w.sh + l.J;
  const Arr<float> efc_J = d.efc_J();
  warp_copy(
      nactive * nv,
      [&](int t) { return efc_J[__shfl_sync(kAllLanes, r, t / nv) * nv + t % nv]; },
      [&](int t, float v) { J[(t / nv) * l.ld + t % nv] = v; });
  if (nactive == 0) {  // the unconstrained answer is exact
    a = w.qacc_smooth;
    if (lane == 0) d.solver_niter()[0] = d.solver_neval()[0] = 0;
  } else if (uses_pgs(m.opt)) {
    __syncwarp();
    a = warp_pgs(w, a, f);
  } else {
    float* M = w.sh + l.M;
    const Arr<float> qM = d.qM();
    warp_copy(nv * nv, [&](int t) { return qM[t]; },
              [&](int t, float v) { M[(t / nv) * l.ld + t % nv] = v; });
    __syncwarp();
    if (warm) {  // start from the cheaper of qacc_smooth and qacc_warmstart (solve_constraint)
      float unused;
      const float c_smooth = warp_primal_cost(
          w, w.qacc_smooth, mat_vec(M, l.ld, nv, nv, w.qacc_smooth),
          mat_vec(J, l.ld, nactive, nv, w.qacc_smooth) - w.aref, unused);
      const float c_warm = warp_primal_cost(
          w, a, mat_vec(M, l.ld, nv, nv, a), mat_vec(J, l.ld, nactive, nv, a) - w.aref, unused);
      if (!(c_warm < c_smooth)) a = w.qacc_smooth;
    }
    a = warp_newton(w, a, f);
  }
  // solve_constraint's end: qfrc_constraint = Jᵀ·f (mul_jt's order), then the contact forces
  // from the forces just stored, a slot per lane.
  const float qfrc = mat_t_vec(J, l.ld, nactive, nv, f);
  if (w.dof) {
    d.qacc()[lane] = a;
    d.qfrc_constraint()[lane] = qfrc;
  }
  if (w.row) d.efc_force()[r] = f;
  __syncwarp();
  for (int slot = lane; slot < m.size.ncon_max; slot += 32) contact_force_slot(m, d, slot);
}

// The whole solve, per thread, of each world beyond the warp's kWarpRows (a per-world branch:
// such worlds are rare, 0.1% of Humanoid's settled worlds).
__global__ void solver_fallback_kernel(const __grid_constant__ ModelView m,
                                       const __grid_constant__ StateView s) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w < s.num_worlds && active_rows(s.world(w)) > kWarpRows) solve_constraint(m, s.world(w));
}

// The constraint solve of every world: a warp per world where the model allows
// (warp_solver_fits), else `thread_solve` (one thread per world).
inline void launch_solver_stage(const ModelView& m, const StateView& s, cudaStream_t stream,
                                void (*thread_solve)(ModelView, StateView)) {
  if (!warp_solver_fits(m)) {
    thread_solve<<<blocks_for(s.num_worlds), kBlock, 0, stream>>>(m, s);
    cuda_check_launch("forward_stage_kernel (solver)");
    return;
  }
  const WarpSolverLayout l = warp_solver_layout(m);
  const size_t smem = warp_solver_smem_bytes(l);
  static const size_t opted_in = [] {  // once per process: the device's whole per-block budget
    const size_t bytes = max_block_smem();
    cuda_check(cudaFuncSetAttribute(warp_solve_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    static_cast<int>(bytes)),
               "cudaFuncSetAttribute (warp_solve_kernel)");
    return bytes;
  }();
  (void)opted_in;
  const int blocks = (s.num_worlds + kWarpSolverWorlds - 1) / kWarpSolverWorlds;
  warp_solve_kernel<<<blocks, 32 * kWarpSolverWorlds, smem, stream>>>(m, s, l);
  cuda_check_launch("warp_solve_kernel");
  solver_fallback_kernel<<<blocks_for(s.num_worlds), kBlock, 0, stream>>>(m, s);
  cuda_check_launch("solver_fallback_kernel");
}

}  // namespace
}  // namespace lockstep
