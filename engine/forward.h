// The physics pipeline of one world: forward() and step(), MuJoCo's mj_forward and mj_step.
#pragma once

#include "engine/actuation.h"
#include "engine/collision.h"
#include "engine/constraint.h"
#include "engine/integrate.h"
#include "engine/kinematics.h"
#include "engine/passive.h"
#include "engine/smooth.h"
#include "engine/solver.h"

namespace lockstep {

// Body b's xfrc_applied as a spatial force about subtree_com of its root: [torque + arm × force;
// force], with arm from there to xipos.
LS_HD Vec6 xfrc_spatial(const ModelView& m, const Data& d, int b) {
  const Vec3 force = load3(d.xfrc_applied(), 6 * b), torque = load3(d.xfrc_applied(), 6 * b + 3);
  const Vec3 arm = load3(d.xipos(), 3 * b) - load3(d.subtree_com(), 3 * m.body_rootid[b]);
  return {torque + cross(arm, force), force};
}

// Spatial forces xfrc_applied mapped to joint space: qfrc += J_bᵀ·f_b over the dofs that move
// body b. One lane takes body by body, adding f_b into each of its dofs; lanes take dofs, each
// adding the f_b of its body's subtree in increasing b: the same sum per dof, in the same order.
// (One lane, Ant: ~100 six-term dot products in a chain; lanes: ~16 per lane.)
template <class L = OneLane>
LS_HD void add_xfrc_applied(const ModelView& m, const Data& d, Arr<float> qfrc, L lanes = {}) {
  if constexpr (L::kSerial) {
    for (int b = 1; b < m.size.nbody; ++b) {
      const Vec6 f = xfrc_spatial(m, d, b);
      for_each_body_dof(m, b, [&](int i) { qfrc[i] += dot(cdof_of(d, i), f); });
    }
  } else {
    for_split(0, m.size.nv, lanes, [&](int i) {
      const Vec6 cdof = cdof_of(d, i);
      const int body = m.dof_bodyid[i];
      float q = qfrc[i];
      for (int b = body; b < m.body_subtreeend[body]; ++b) q += dot(cdof, xfrc_spatial(m, d, b));
      qfrc[i] = q;
    });
  }
}

// Inputs: qfrc_passive, qfrc_bias, qfrc_applied, qfrc_actuator, xfrc_applied, qLD.
// Outputs: qfrc_smooth, qacc_smooth = M⁻¹·qfrc_smooth.
template <class L = OneLane>
LS_HD void smooth_acceleration(const ModelView& m, const Data& d, L lanes = {}) {
  lanes.sync();
  for_split(0, m.size.nv, lanes, [&](int i) {
    d.qfrc_smooth()[i] =
        d.qfrc_passive()[i] - d.qfrc_bias()[i] + d.qfrc_applied()[i] + d.qfrc_actuator()[i];
  });
  add_xfrc_applied(m, d, d.qfrc_smooth(), lanes);
  lanes.sync();
  if (!lanes.runs(0)) return;
  copy_entries(d.qacc_smooth(), d.qfrc_smooth(), m.size.nv);
  solve_tree(m, d.qLD(), d.qacc_smooth());
}

// mj_forward: every derived quantity from (qpos, qvel, ctrl, applied forces).
// Data by value: nvcc compiles forward() out of line, and through a reference the handle would
// sit in local memory, reloaded at every state access.
LS_HD void forward(const ModelView& m, const Data d) {
  kinematics(m, d);
  com_pos(m, d);
  make_m(m, d);
  factor_tree(m, d.qM(), d.qLD(), d.param_damping(), 0.0f);
  tendon(m, d);
  collision(m, d);
  make_constraint(m, d);  // reads qvel and cdof, not cvel: com_vel_rne may follow it
  com_vel_rne(m, d);
  passive(m, d);
  actuation(m, d);
  smooth_acceleration(m, d);
  solve_constraint(m, d);
}

// forward() in stages, for timing each on its own (lockstep-bench --phases): running stages
// 0 … kForwardStages − 1 in order is forward() (tests/cpp/solver_test.cc checks it bitwise).
constexpr int kForwardStages = 7;
constexpr const char* kForwardStageNames[kForwardStages] = {
    "kinematics", "mass matrix", "tendons", "collision", "constraint rows", "smooth forces",
    "solver"};
// With lanes (engine/lanes.h), every stage but the solver splits its loops over a world's lanes;
// the solver has a warp solver of its own (kernels/warp_solver.cuh) and runs one lane per world.
constexpr bool kStageTakesLanes[kForwardStages] = {true, true, true, true, true, true, false};

// True for a stage with nothing to compute in this model (tendons, when it has none): the staged
// step does not launch it.
LS_HD bool forward_stage_is_empty(const ModelView& m, int stage) {
  return stage == 2 && m.size.ntendon == 0;  // stage 2: tendons
}

// Stage kStage alone, for a kernel per stage: kernels calling the runtime-stage version below
// got it out of line, with the whole pipeline's registers and stack.
template <int kStage, class L>
LS_HD void forward_stage(const ModelView& m, const Data d, L lanes) {
  static_assert(L::kSerial || kStageTakesLanes[kStage], "this stage runs one lane per world");
  if constexpr (kStage == 0) {
    kinematics(m, d, lanes);
    com_pos(m, d, lanes);
  } else if constexpr (kStage == 1) {
    make_m(m, d, lanes);
    factor_tree(m, d.qM(), d.qLD(), d.param_damping(), 0.0f, lanes);
  } else if constexpr (kStage == 2) {
    tendon(m, d, lanes);
  } else if constexpr (kStage == 3) {
    collision(m, d, lanes);
  } else if constexpr (kStage == 4) {
    make_constraint(m, d, lanes);
  } else if constexpr (kStage == 5) {
    passive(m, d, lanes);
    actuation(m, d, lanes);
    com_vel_rne(m, d, lanes);
    smooth_acceleration(m, d, lanes);
  } else {
    solve_constraint(m, d);
  }
}

// Stages kFirst … kLast of forward() on a world's lanes, as launches of forward_stage_kernel run
// them: split where the stage takes lanes, else on lane 0; a sync after each, where separate
// launches meet at the kernel's end.
template <int kFirst, int kLast, class L>
LS_ALWAYS_INLINE LS_HD void forward_stages_on_lanes(const ModelView& m, const Data d, L lanes) {
  if constexpr (kFirst <= kLast) {
    if constexpr (kStageTakesLanes[kFirst]) forward_stage<kFirst>(m, d, lanes);
    else if (lanes.runs(0)) forward_stage<kFirst>(m, d, OneLane{});
    lanes.sync();
    forward_stages_on_lanes<kFirst + 1, kLast>(m, d, lanes);
  }
}

// forward() on a world's lanes: the stages before the solver split over them, then
// solve(d), which every lane calls and which returns with the lanes synced (the solver takes
// lanes of its own kind: engine/warp_solve.h).
template <class L, class Solve>
LS_ALWAYS_INLINE LS_HD void forward_on_lanes(const ModelView& m, const Data d, L lanes,
                                             Solve solve) {
  forward_stages_on_lanes<0, kForwardStages - 2>(m, d, lanes);
  solve(d);
}

LS_HD void forward_stage(const ModelView& m, const Data d, int stage) {
  switch (stage) {
    case 0: forward_stage<0>(m, d, OneLane{}); break;
    case 1: forward_stage<1>(m, d, OneLane{}); break;
    case 2: forward_stage<2>(m, d, OneLane{}); break;
    case 3: forward_stage<3>(m, d, OneLane{}); break;
    case 4: forward_stage<4>(m, d, OneLane{}); break;
    case 5: forward_stage<5>(m, d, OneLane{}); break;
    default: forward_stage<6>(m, d, OneLane{}); break;
  }
}

// Classic RK4 as MuJoCo defines it (Butcher tableau A = [½; 0 ½; 0 0 1], b = (1,2,2,1)/6): each
// stage is a full forward(); the final state is q0 ⊕ h·Σ bⱼvⱼ, v0 + h·Σ bⱼaⱼ. forward() must
// have been called at (q0, v0) already. Derived quantities afterwards describe stage 3.
// With advance false the stages' forward() calls run on the unchanged state (see step()).
// In pieces for the staged CUDA step: rk4_begin, then per stage forward() (but stage 0's, done
// already) and rk4_stage_end.
// Lanes take entries (rk4_begin, rk4_stage_end) and joints (integrate_pos).
template <class L = OneLane>
LS_HD void rk4_begin(const ModelView& m, const Data& d, L lanes = {}) {
  for_split(0, m.size.nq, lanes, [&](int i) { d.rk_qpos0()[i] = d.qpos()[i]; });
  for_split(0, m.size.nv, lanes, [&](int i) {
    d.rk_qvel0()[i] = d.qvel()[i];
    d.rk_vsum()[i] = 0;
    d.rk_asum()[i] = 0;
  });
}

// Stage `stage` (0-3) has its qvel and qacc: add them to the sums, then move to the next stage's
// state (q = q0 ⊕ aₛ·h·vₛ, v = v0 + aₛ·h·accₛ) or, after stage 3, to the step's final state.
template <class L = OneLane>
LS_HD void rk4_stage_end(const ModelView& m, const Data& d, int stage, bool advance,
                         L lanes = {}) {
  const int nq = m.size.nq, nv = m.size.nv;
  const float h = m.opt.timestep;
  const float a[3] = {0.5f, 0.5f, 1.0f};
  const float b[4] = {1.0f / 6, 1.0f / 3, 1.0f / 3, 1.0f / 6};
  for_split(0, nv, lanes, [&](int i) {
    d.rk_vsum()[i] += b[stage] * d.qvel()[i];
    d.rk_asum()[i] += b[stage] * d.qacc()[i];
  });
  if (!advance) return;
  for_split(0, nq, lanes, [&](int i) { d.qpos()[i] = d.rk_qpos0()[i]; });
  lanes.sync();  // every lane's qpos and rk_vsum before integrate_pos takes joints
  const bool last = stage == 3;
  integrate_pos(m, d.qpos(), last ? d.rk_vsum() : d.qvel(), last ? h : a[stage] * h, lanes);
  lanes.sync();  // integrate_pos has read qvel
  for_split(0, nv, lanes, [&](int i) {
    d.qvel()[i] = last ? d.rk_qvel0()[i] + h * d.rk_asum()[i]
                       : d.rk_qvel0()[i] + a[stage] * h * d.qacc()[i];
  });
  if (last && lanes.runs(0)) d.time()[0] += h;  // only here: nothing in forward() reads the time
}

LS_HD void runge_kutta4(const ModelView& m, const Data& d, bool advance) {
  rk4_begin(m, d);
  for (int stage = 0; stage < 4; ++stage) {
    if (stage > 0) forward(m, d);
    rk4_stage_end(m, d, stage, advance);
  }
}

// Flags the world once qpos or qvel is non-finite; the flag stays until reset_world().
template <class L = OneLane>
LS_HD void check_divergence(const ModelView& m, const Data& d, L lanes = {}) {
  lanes.sync();  // qpos and qvel as the world's lanes left them
  bool bad = false;
  for_split(0, m.size.nq, lanes, [&](int i) { bad = bad || !is_finite(d.qpos()[i]); });
  for_split(0, m.size.nv, lanes, [&](int i) { bad = bad || !is_finite(d.qvel()[i]); });
  bad = lanes.any(bad);
  if (lanes.runs(0)) d.diverged()[0] = (bad || d.diverged()[0] != 0) ? 1.0f : 0.0f;
}

// The end of an advancing step: the next solve's warm start, the divergence flag.
template <class L = OneLane>
LS_HD void finish_step(const ModelView& m, const Data& d, L lanes = {}) {
  for_split(0, m.size.nv, lanes, [&](int i) { d.qacc_warmstart()[i] = d.qacc()[i]; });
  check_divergence(m, d, lanes);
}

// step(m, d, advance) on a world's lanes, in the order the staged CUDA step's kernels run it
// (kernels/staged_step.cuh) and the on-chip step runs it whole (kernels/on_chip_step.cu).
// Every lane of a world passes the same `advance`. Always inlined, with forward_on_lanes and
// forward_stages_on_lanes: out of line, the on-chip kernel's state accesses were generic, not
// shared-memory, loads (PTX), at 230 registers and 1,744 B of stack against 201 and 1,104.
template <class L, class Solve>
LS_ALWAYS_INLINE LS_HD void step_on_lanes(const ModelView& m, const Data d, L lanes, bool advance,
                                          Solve solve) {
  forward_on_lanes(m, d, lanes, solve);
  if (m.opt.integrator != kIntRK4) {
    if (advance) {
      euler(m, d, lanes);
      finish_step(m, d, lanes);
    }
    lanes.sync();
    return;
  }
  rk4_begin(m, d, lanes);
  lanes.sync();
  for (int stage = 0; stage < 4; ++stage) {
    if (stage > 0) forward_on_lanes(m, d, lanes, solve);
    rk4_stage_end(m, d, stage, advance, lanes);
    if (stage == 3 && advance) finish_step(m, d, lanes);
    lanes.sync();
  }
}

// What step() does after forward(): the integrator, then finish_step().
LS_HD void integrate_step(const ModelView& m, const Data& d, bool advance = true) {
  if (m.opt.integrator == kIntRK4) runge_kutta4(m, d, advance);  // Model data
  else if (advance) euler(m, d);
  if (advance) finish_step(m, d);
}

// mj_step: forward() at the current state, then one integrator step of opt.timestep.
// With advance false the world makes the same forward() calls (once, or four times for RK4) but
// keeps its state, so the derived quantities are mj_forward's. The env layer runs worlds that
// start an episode through this (the staged GPU step through its hold flags), so that no world
// calls forward() under a per-world branch: nvcc compiles the whole physics slower when one does
// (bench/RESULTS.md, 2026-12-02).
LS_HD void step(const ModelView& m, const Data& d, bool advance = true) {
  forward(m, d);
  integrate_step(m, d, advance);
}

// Per-world physics parameters to the model's values; backends call this once per world when
// they allocate the state. reset_world() leaves parameters alone, so randomised values persist.
LS_HD void default_params(const ModelView& m, const Data& d) {
  for (int k = 0; k < 3; ++k) d.param_gravity()[k] = m.opt.gravity[k];
  for (int b = 0; b < m.size.nbody; ++b) d.param_mass_scale()[b] = 1.0f;
  d.param_friction()[0] = 1.0f;
  for (int a = 0; a < m.size.nu; ++a) d.param_actuator_gain()[a] = 1.0f;
  for (int i = 0; i < m.size.nv; ++i) d.param_damping()[i] = m.dof_damping[i];
}

// A world back to the model's reference state: qpos0, zero velocity, controls and forces.
LS_HD void reset_world(const ModelView& m, const Data& d) {
  for (int i = 0; i < m.size.nq; ++i) d.qpos()[i] = m.qpos0[i];
  for (int i = 0; i < m.size.nv; ++i) {
    d.qvel()[i] = 0;
    d.qfrc_applied()[i] = 0;
    d.qacc_warmstart()[i] = 0;
  }
  for (int i = 0; i < m.size.na; ++i) d.act()[i] = 0;
  for (int i = 0; i < m.size.nu; ++i) d.ctrl()[i] = 0;
  for (int i = 0; i < 6 * m.size.nbody; ++i) d.xfrc_applied()[i] = 0;
  d.time()[0] = 0;
  d.diverged()[0] = 0;
}

}  // namespace lockstep
