// Helpers shared by the pipeline stages: loading/storing small vectors from strided arrays,
// com-based inertia products, and dense tree-sparse matrix access.
#pragma once

#include "engine/lanes.h"
#include "engine/math.h"
#include "engine/model.h"
#include "engine/state.h"

namespace lockstep {

// Sub-array starting at entry `off` of a strided array.
template <class T>
LS_HD Arr<T> sub(Arr<T> a, int off) { return {&a[off], a.stride()}; }

// From a local array or a ModelArray.
template <class P>
LS_HD Vec3 load3(P p) { return {p[0], p[1], p[2]}; }
template <class P>
LS_HD Quat load4(P p) { return {p[0], p[1], p[2], p[3]}; }
LS_HD Vec3 load3(Arr<float> a, int i) { return {a[i], a[i + 1], a[i + 2]}; }
LS_HD Quat load4(Arr<float> a, int i) { return {a[i], a[i + 1], a[i + 2], a[i + 3]}; }
LS_HD Mat3 load9(Arr<float> a, int i) {
  Mat3 r;
  for (int k = 0; k < 9; ++k) r.m[k] = a[i + k];
  return r;
}
LS_HD Vec6 load6(Arr<float> a, int i) {
  return {{a[i], a[i + 1], a[i + 2]}, {a[i + 3], a[i + 4], a[i + 5]}};
}
LS_HD void store3(Arr<float> a, int i, Vec3 v) { a[i] = v.x; a[i + 1] = v.y; a[i + 2] = v.z; }
LS_HD void store4(Arr<float> a, int i, Quat q) {
  a[i] = q.w; a[i + 1] = q.x; a[i + 2] = q.y; a[i + 3] = q.z;
}
LS_HD void store9(Arr<float> a, int i, const Mat3& m) {
  for (int k = 0; k < 9; ++k) a[i + k] = m.m[k];
}
LS_HD void store6(Arr<float> a, int i, Vec6 v) { store3(a, i, v.ang); store3(a, i + 3, v.lin); }

// Com-based inertia [Ixx Iyy Izz Ixy Ixz Iyz, h = m·d, m] (10 floats) as a struct.
struct Inertia {
  float I[6];
  Vec3 h;
  float m;
};
LS_HD Inertia load_inertia(Arr<float> a, int i) {
  Inertia r;
  for (int k = 0; k < 6; ++k) r.I[k] = a[i + k];
  r.h = {a[i + 6], a[i + 7], a[i + 8]};
  r.m = a[i + 9];
  return r;
}
LS_HD void store_inertia(Arr<float> a, int i, const Inertia& r) {
  for (int k = 0; k < 6; ++k) a[i + k] = r.I[k];
  store3(a, i + 6, r.h);
  a[i + 9] = r.m;
}
LS_HD void add_inertia(Arr<float> a, int i, const Inertia& r) {
  for (int k = 0; k < 6; ++k) a[i + k] += r.I[k];
  a[i + 6] += r.h.x; a[i + 7] += r.h.y; a[i + 8] += r.h.z;
  a[i + 9] += r.m;
}
// Spatial momentum of velocity v: [I·ω + h×v; m·v − h×ω].
LS_HD Vec6 mul_inertia(const Inertia& c, Vec6 v) {
  Vec3 w = v.ang;
  Vec3 Iw{c.I[0] * w.x + c.I[3] * w.y + c.I[4] * w.z,
          c.I[3] * w.x + c.I[1] * w.y + c.I[5] * w.z,
          c.I[4] * w.x + c.I[5] * w.y + c.I[2] * w.z};
  return {Iw + cross(c.h, v.lin), c.m * v.lin - cross(c.h, w)};
}

// Com-based motion subspace of dof i.
LS_HD Vec6 cdof_of(const Data& d, int i) { return load6(d.cdof(), 6 * i); }

// Translational and rotational Jacobian columns of dof i at world point p of the tree whose
// com-frame origin is c: the velocity of p due to qvel[i] is jacp·qvel[i].
LS_HD void jac_column(Vec6 cdof, Vec3 p, Vec3 c, Vec3* jacp, Vec3* jacr) {
  *jacr = cdof.ang;
  *jacp = cdof.lin + cross(cdof.ang, p - c);
}

// Last dof of body b or of its nearest ancestor with dofs; -1 if the chain has none.
LS_HD int last_dof_of_body(const ModelView& m, int b) {
  while (b > 0 && m.body_dofnum[b] == 0) b = m.body_parentid[b];
  return b > 0 ? m.body_dofadr[b] + m.body_dofnum[b] - 1 : -1;
}

// f(j) for dof i (with_self) and its ancestors, nearest first: the dof_parentid chain's order,
// read from row i of qLD's sparsity (LD_colind, backwards). The chain made each index load wait
// for the one before; these loads do not depend on each other.
template <class F>
LS_HD void for_each_ancestor(const ModelView& m, int i, bool with_self, F f) {
  const int adr = m.LD_rowadr[i];
  for (int t = adr + m.LD_rownnz[i] - (with_self ? 1 : 2); t >= adr; --t) f(m.LD_colind[t]);
}

// For dof i (with_self) and its ancestors j: store(j, value(j)), kBatch dofs at a time with a
// batch's loads (in value) before its stores. One by one, each value's loads waited for the
// store before them (the compiler cannot rule out that they alias), a load latency per
// ancestor on the GPU (see set_entries_batched). value(j) must not read what store writes for
// another ancestor: distinct rows, or distinct entries of one array.
template <int kBatch, class Value, class Store>
LS_HD void update_ancestors_batched(const ModelView& m, int i, bool with_self, Value value,
                                    Store store) {
  const int adr = m.LD_rowadr[i];
  for (int t = adr + m.LD_rownnz[i] - (with_self ? 1 : 2); t >= adr; t -= kBatch) {
    int col[kBatch];
    float v[kBatch];
    LS_UNROLL for (int c = 0; c < kBatch; ++c) {
      const bool on = t - c >= adr;
      col[c] = on ? m.LD_colind[t - c] : 0;
      v[c] = on ? value(col[c]) : 0.0f;
    }
    LS_UNROLL for (int c = 0; c < kBatch; ++c)
      if (t - c >= adr) store(col[c], v[c]);
  }
}

// update_ancestors_batched on the GPU, the plain loop on the host: out-of-order cores overlap
// those loads themselves, and the batches cost the CPU backend 10% (Ant, Humanoid, 2026-12-04).
template <int kBatch, class Value, class Store>
LS_HD void update_ancestors(const ModelView& m, int i, bool with_self, Value value,
                            Store store) {
#ifdef __CUDA_ARCH__
  update_ancestors_batched<kBatch>(m, i, with_self, value, store);
#else
  for_each_ancestor(m, i, with_self, [&](int j) { store(j, value(j)); });
#endif
}

// f(i) for the dofs that move body b (its own and its ancestors'), nearest first.
template <class F>
LS_HD void for_each_body_dof(const ModelView& m, int b, F f) {
  const int last = last_dof_of_body(m, b);
  if (last >= 0) for_each_ancestor(m, last, true, f);
}

}  // namespace lockstep
