// Batched per-world state. Every field is a float array of `count` entries per world (MuJoCo's
// mjData names). Storage is one buffer per simulator; where each (world, entry) lives depends on
// the backend and is hidden behind Data, the per-world view physics code works on:
//   CPU:  world-major   base[off*N + w*count + i]   (a world's data is contiguous for its thread)
//   CUDA: world-fastest base[off*N + i*N + w]       (a warp's loads of entry i coalesce)
#pragma once

#include <cstddef>

#include "engine/defs.h"
#include "engine/model.h"

namespace lockstep {

// X(name, count, comment); `count` is an expression in Sizes.
#define LS_STATE_FIELDS(X)                                                                  \
  X(time, 1, "simulation time [s]")                                                         \
  X(qpos, nq, "generalized positions [m, rad, quaternion]")                                 \
  X(qvel, nv, "generalized velocities [m/s, rad/s]")                                        \
  X(act, na, "actuator activations")                                                        \
  X(ctrl, nu, "controls")                                                                   \
  X(qfrc_applied, nv, "applied generalized forces [N, N m]")                                \
  X(xfrc_applied, nbody * 6, "applied Cartesian force, torque at xipos [N, N m]")          \
  X(qacc_warmstart, nv, "solver warm start [m/s^2, rad/s^2]")                               \
  X(param_gravity, 3, "per-world gravity [m/s^2] (default opt.gravity)")                  \
  X(param_mass_scale, nbody, "per-world factor on body mass and inertia (default 1)")      \
  X(param_friction, 1, "per-world factor on every contact friction coefficient (default 1)") \
  X(param_actuator_gain, nu, "per-world factor on actuator force (gain and bias; default 1)") \
  X(param_damping, nv, "per-world dof damping [N s/m, N m s/rad] (default dof_damping)")   \
  X(diverged, 1, "1 once the world's state became non-finite")                              \
  X(xpos, nbody * 3, "body frame position [m]")                                             \
  X(xquat, nbody * 4, "body frame orientation (w, x, y, z)")                                \
  X(xmat, nbody * 9, "body frame rotation, row-major")                                      \
  X(xipos, nbody * 3, "body centre of mass [m]")                                            \
  X(ximat, nbody * 9, "body principal inertia frame, rotation row-major")                   \
  X(xanchor, njnt * 3, "joint anchor [m]")                                                  \
  X(xaxis, njnt * 3, "joint axis")                                                          \
  X(geom_xpos, ngeom * 3, "geom position [m]")                                              \
  X(geom_xmat, ngeom * 9, "geom rotation, row-major")                                       \
  X(site_xpos, nsite * 3, "site position [m]")                                              \
  X(site_xmat, nsite * 9, "site rotation, row-major")                                       \
  X(subtree_com, nbody * 3, "subtree centre of mass [m]")                                   \
  X(subtree_mass, nbody, "subtree mass with the world's mass scale [kg]")                  \
  X(cinert, nbody * 10, "com-based body inertia [Ixx Iyy Izz Ixy Ixz Iyz, m·d, m]")         \
  X(crb, nbody * 10, "composite rigid-body inertia, cinert layout")                         \
  X(cdof, nv * 6, "com-based motion axis of each dof [rot; lin]: cvel per unit qvel")       \
  X(cvel, nbody * 6, "com-based body velocity [rot; lin] [rad/s; m/s]")                     \
  X(cdof_dot, nv * 6, "time derivative of cdof [1/s]")                                      \
  X(cacc, nbody * 6, "com-based body acceleration [rad/s²; m/s²] (after rne_post_constraint)") \
  X(cfrc_int, nbody * 6, "com-based interaction force [N m; N] (after rne_post_constraint)") \
  X(ten_length, ntendon, "tendon length [m or rad: Σ coef·q]")                              \
  X(ten_velocity, ntendon, "tendon velocity [m/s or rad/s]")                                \
  X(qM, nv * nv, "joint-space inertia matrix, dense row-major (zero off the dof tree)")      \
  X(qLD, nv * nv, "L'DL factor of qM: D on the diagonal, L at ancestor columns (only)")     \
  X(actuator_length, nu, "actuator length: gear × joint or tendon length [m or rad]")       \
  X(actuator_velocity, nu, "actuator velocity [m/s or rad/s]")                              \
  X(actuator_force, nu, "actuator force [N or N m]")                                        \
  X(qfrc_actuator, nv, "actuator generalized force [N, N m]")                               \
  X(qfrc_passive, nv, "passive generalized force (springs, dampers) [N, N m]")              \
  X(qfrc_bias, nv, "Coriolis, centrifugal and gravity force [N, N m]")                      \
  X(qfrc_smooth, nv, "net unconstrained force [N, N m]")                                    \
  X(qacc_smooth, nv, "unconstrained acceleration [m/s², rad/s²]")                           \
  X(qfrc_constraint, nv, "constraint force [N, N m]")                                       \
  X(qacc, nv, "acceleration [m/s^2, rad/s^2]")                                              \
  X(rk_qpos0, nq, "RK4 scratch: qpos at step start")                                        \
  X(rk_qvel0, nv, "RK4 scratch: qvel at step start")                                        \
  X(rk_vsum, nv, "RK4 scratch: weighted sum of stage velocities")                           \
  X(rk_asum, nv, "RK4 scratch: weighted sum of stage accelerations")                       \
  X(ncon, 1, "number of active contacts")                                                   \
  X(contact_dist, ncon_max, "signed distance per slot, negative in penetration [m]")        \
  X(contact_pos, ncon_max * 3, "contact position, midway between the surfaces [m] (active slots)")         \
  X(contact_frame, ncon_max * 9, "contact frame, rows n (geom1 -> geom2), t1, t2 (active slots)")          \
  X(contact_active, ncon_max, "1 if the slot holds a contact (dist < margin), else 0")      \
  X(contact_geom, ncon_max * 2, "geom1, geom2 ids of the slot, stored as floats (active slots)")          \
  X(contact_overflow, 1, "1 if a pair found more contacts than its slots (never, see collision.h)") \
  X(contact_force, ncon_max * 6, "contact force in the contact frame: normal, t1, t2 [N], spin, roll1, roll2 [N m]") \
  X(nefc, 1, "number of active constraint rows")                                            \
  X(efc_active, nefc_max, "1 if the row is active (a limit or contact within its margin)")  \
  X(efc_rowid, nefc_max, "ids of the active rows in increasing order, the first nefc entries") \
  X(efc_J, nefc_max * nv, "constraint Jacobian, dense row-major (active rows; others stale)") \
  X(efc_pos, nefc_max, "constraint violation (distance) [m or rad] (active rows; others stale)") \
  X(efc_margin, nefc_max, "margin of the row [m or rad] (active rows; others stale)") \
  X(efc_R, nefc_max, "regulariser R (active rows; others stale)") \
  X(efc_aref, nefc_max, "reference acceleration [m/s² or rad/s²] (active rows; others stale)") \
  X(efc_force, nefc_max, "constraint force of the row [N or N m] (active rows; others stale)")                          \
  X(efc_scratch, nefc_scratch,                                                               \
    "solver scratch: M^-1 J' rows, diag A, b, f (PGS); J·p, jar, 0 (Newton)")                   \
  X(qH, nv * nv, "solver scratch: Newton Hessian factor")                                  \
  X(solver_scratch, nv * 3, "solver scratch: gradient, search direction, M·p")             \
  X(efc_AR, nefc_dense * nefc_dense, "PGS scratch: J·M^-1·J' + R over the active rows")   \
  X(solver_niter, 1, "solver iterations taken in the last solve")                        \
  X(solver_neval, 1, "line-search cost evaluations in the last solve (Newton/CG)")        \
  X(cfrc_ext, nbody * 6, "external force on each body [torque; force] [N m; N] about subtree_com of its root")

// A per-world strided array: element i at p[i * stride]. The stride is held in bytes, so an
// element's address is one widening multiply-add of the index (IMAD.WIDE on the GPU), where an
// element stride took a multiply, a shift and a 64-bit add (num_worlds is a runtime stride, so
// none of it folds into the load's offset).
template <class T>
struct Arr {
  T* p;
  int stride_bytes;
  LS_HD Arr(T* first, int stride) : p(first), stride_bytes(stride * static_cast<int>(sizeof(T))) {}
  LS_HD T& operator[](int i) const {
    return *reinterpret_cast<T*>(reinterpret_cast<char*>(p) +
                                 static_cast<ptrdiff_t>(i) * stride_bytes);
  }
  LS_HD int stride() const { return stride_bytes / static_cast<int>(sizeof(T)); }
};

// dst[k] = value(k) for k < n, eight values' loads ahead of their stores: in a plain loop each
// load waits for the previous store to issue (the compiler cannot rule out that two arrays of
// one state buffer overlap), so on the GPU every entry costs a full load latency. value(k) must
// not read dst at another entry.
template <class Value>
LS_HD void set_entries_batched(Arr<float> dst, int n, Value value) {
  constexpr int kBatch = 8;
  for (int k = 0; k < n; k += kBatch) {
    float v[kBatch];
    LS_UNROLL for (int c = 0; c < kBatch; ++c) v[c] = k + c < n ? value(k + c) : 0.0f;
    LS_UNROLL for (int c = 0; c < kBatch; ++c)
      if (k + c < n) dst[k + c] = v[c];
  }
}

// set_entries_batched on the GPU, the plain loop on the host (see update_ancestors).
template <class Value>
LS_HD void set_entries(Arr<float> dst, int n, Value value) {
#ifdef __CUDA_ARCH__
  set_entries_batched(dst, n, value);
#else
  for (int k = 0; k < n; ++k) dst[k] = value(k);
#endif
}

// dst[k] = src[k] for k < n (set_entries).
LS_HD void copy_entries(Arr<float> dst, Arr<float> src, int n) {
  set_entries(dst, n, [&](int k) { return src[k]; });
}

// Entries [0, n) of `worlds` worlds from `from` (entry j of world w at from[j·from_pitch + w])
// to `to`, by thread `thread` of `threads` (the on-chip step's block copying its worlds between
// the global state and shared memory, kernels/on_chip_step.cu). Thread t takes world
// t mod worlds of entry t / worlds, then every (threads / worlds)-th entry on, so a warp's
// accesses are runs of consecutive worlds: whole 32-byte sectors of the world-fastest state.
// Four loads in flight before their stores.
LS_HD void copy_world_block(const float* from, long long from_pitch, float* to, long long to_pitch,
                            int worlds, int n, int thread, int threads) {
  const int rows = threads / worlds;
  const int w = thread % worlds, first = thread / worlds;
  if (first >= rows) return;
  constexpr int kInFlight = 4;
  for (long long j0 = first; j0 < n; j0 += static_cast<long long>(rows) * kInFlight) {
    float v[kInFlight];
    LS_UNROLL for (int c = 0; c < kInFlight; ++c) {
      const long long j = j0 + static_cast<long long>(c) * rows;
      v[c] = j < n ? from[j * from_pitch + w] : 0.0f;
    }
    LS_UNROLL for (int c = 0; c < kInFlight; ++c) {
      const long long j = j0 + static_cast<long long>(c) * rows;
      if (j < n) to[j * to_pitch + w] = v[c];
    }
  }
}

struct StateLayout;

// One world's view of every state field: a small handle (buffer, layout, world index) whose
// accessors compute each field's address, kept in registers. d.qpos()[i] is entry i of qpos.
// On the device the layout is the CUDA backend's world-fastest one and lives in global memory
// (StateView::device_layout); on the host it is the CPU backend's world-major one.
struct Data {
  float* base;
  const StateLayout* layout;
  int world;
  int num_worlds;

#define LS_X(name, count, comment) LS_HD Arr<float> name() const;
  LS_STATE_FIELDS(LS_X)
#undef LS_X
};

// Offsets of every field in a batched buffer; identical on host and device.
struct StateLayout {
#define LS_X(name, count, comment) int name##_off, name##_size;
  LS_STATE_FIELDS(LS_X)
#undef LS_X
  int per_world = 0;  // floats per world, all fields

  static StateLayout make(const Sizes& s) {
    StateLayout l;
    const int nq = s.nq, nv = s.nv, nu = s.nu, na = s.na, nbody = s.nbody, njnt = s.njnt,
              ngeom = s.ngeom, nsite = s.nsite, ntendon = s.ntendon, ncon_max = s.ncon_max,
              nefc_max = s.nefc_max, nefc_dense = s.nefc_dense, nefc_scratch = s.nefc_scratch;
    (void)nq, (void)nv, (void)nu, (void)na, (void)nbody, (void)njnt, (void)ngeom, (void)nsite,
        (void)ntendon, (void)ncon_max, (void)nefc_max, (void)nefc_dense, (void)nefc_scratch;
    int off = 0;
#define LS_X(name, count, comment) \
  l.name##_off = off;              \
  l.name##_size = (count);         \
  off += (count);
    LS_STATE_FIELDS(LS_X)
#undef LS_X
    l.per_world = off;
    return l;
  }
};

// A batched state buffer and its layout; trivially copyable, passed by value into kernels.
struct StateView {
  float* base;
  StateLayout layout;
  int num_worlds;
  bool world_fastest;  // CUDA layout if true, CPU layout otherwise
  const StateLayout* device_layout;  // CUDA: a copy of layout in device global memory

  // World w's view. On the host the StateView must outlive it (the view points at its layout).
  LS_HD Data world(int w) const {
#ifdef __CUDA_ARCH__
    return Data{base, device_layout, w, num_worlds};
#else
    return Data{base, &layout, w, num_worlds};
#endif
  }
};

#ifdef __CUDA_ARCH__
// Entry i of world w at base[(off + i)·N + w]. The offset is read through the read-only data
// path, which lets the compiler reuse it across stores to the state (with a plain load every
// access reloaded it; bench/RESULTS.md, 2026-12-02).
#define LS_X(name, count, comment)                                                       \
  LS_HD Arr<float> Data::name() const {                                                   \
    const ptrdiff_t off = __ldg(&layout->name##_off);                                     \
    return Arr<float>{base + off * num_worlds + world, num_worlds};                       \
  }
#else
// Entry i of world w at base[off·N + w·size + i].
#define LS_X(name, count, comment)                                                       \
  LS_HD Arr<float> Data::name() const {                                                   \
    const ptrdiff_t off = layout->name##_off, size = layout->name##_size;                 \
    return Arr<float>{base + off * num_worlds + world * size, 1};                         \
  }
#endif
LS_STATE_FIELDS(LS_X)
#undef LS_X

}  // namespace lockstep
