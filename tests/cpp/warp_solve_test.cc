// The warp solver's algorithm (engine/warp_solve.h) on the CPU, with host threads as a world's
// lanes (host_lanes.h): the CI runs the code the GPU's warp_solve_kernel runs. Its sums are taken
// in another order than solve_constraint's (warp reductions, rsqrt pivots), so the two agree to
// float32 rounding of a converged solve, not bitwise.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/forward.h"
#include "engine/mjcf.h"
#include "engine/simulator.h"
#include "engine/warp_solve.h"
#include "host_lanes.h"
#include "test_util.h"

namespace lockstep {
namespace {

using test::HostSolverLanes;
using test::rel_err;

// World w solved by G host lanes, kRpl rows a lane, as warp_solve_kernel (kRpl 1) or
// warp_solve_scan_kernel (kRpl 2) would. False if the lanes' collectives did not pair up.
template <int G, int kRpl>
bool warp_solve(const ModelView& m, const Data& d) {
  const WarpSolverLayout l = warp_solver_layout(m, G * kRpl);
  std::vector<float> shared(l.floats);
  test::LaneGroup group(G);
  return group.run([&](test::HostLanes lanes) {
    warp_solve_world<kRpl>(m, d, shared.data(), l, active_rows(d),
                           HostSolverLanes<G>{lanes.sub, lanes.group});
  });
}

class WarpSolve : public ::testing::TestWithParam<const char*> {};

// Settled worlds (1 s of random controls, contacts and limits active), then forward()'s stages
// before the solver; one copy solved by solve_constraint, the other by the warp solver on every
// lane count and row split its kernels use for the world's active rows.
TEST_P(WarpSolve, AgreesWithTheThreadSolve) {
  auto model = load_mjcf(test::shared_model(GetParam()));
  ASSERT_EQ(model->opt.cone, kConePyramidal);
  const int num_worlds = 3;
  const int warmup = static_cast<int>(1.0f / model->opt.timestep);
  Simulator thread(model, num_worlds), warp(model, num_worlds);
  for (Simulator* sim : {&thread, &warp}) {
    test::perturb(*sim, 7);
    sim->step(warmup);
  }
  const ModelView m = thread.model_view();
  const StateView ts = thread.state_view(), ws = warp.state_view();
  int solved = 0;
  for (int w = 0; w < num_worlds; ++w) {
    for (int stage = 0; stage + 1 < kForwardStages; ++stage) {
      forward_stage(m, ts.world(w), stage);
      forward_stage(m, ws.world(w), stage);
    }
    solve_constraint(m, ts.world(w));
    const int nactive = active_rows(ts.world(w));
    std::vector<bool (*)(const ModelView&, const Data&)> solvers;
    if (nactive <= 16 && m.size.nv <= 16) solvers.push_back(&warp_solve<16, 1>);
    if (nactive <= 32) solvers.push_back(&warp_solve<32, 1>);
    if (nactive <= 64) solvers.push_back(&warp_solve<32, 2>);
    for (auto solve : solvers) {
      ASSERT_TRUE(solve(m, ws.world(w))) << "world " << w << ": collectives do not pair up";
      ++solved;
      const test::Fields tf(thread), wf(warp);
      // The float32 criterion for the two backends, qvel after one step within 1e-4
      // relative: qacc enters it as h·qacc (an ill-conditioned Newton Hessian or an unconverged
      // PGS leaves qacc itself up to ~6e-4 apart, Humanoid; forces ~5e-6).
      const float h = m.opt.timestep;
      std::vector<float> tvel = tf.all("qvel", w), wvel = tvel;
      const std::vector<float> tacc = tf.all("qacc", w), wacc = wf.all("qacc", w);
      for (int i = 0; i < m.size.nv; ++i) {
        tvel[i] += h * tacc[i];
        wvel[i] += h * wacc[i];
      }
      EXPECT_LT(rel_err(wvel, tvel, 1e-3), 1e-4)
          << "qvel + h·qacc, world " << w << ", " << nactive << " active rows";
      EXPECT_LT(rel_err(wf.all("qfrc_constraint", w), tf.all("qfrc_constraint", w), 1e-3), 1e-4)
          << "qfrc_constraint, world " << w;
      std::vector<float> tforce, wforce;
      for (int k = 0; k < nactive; ++k) {
        const int r = active_row(ts.world(w), k);
        tforce.push_back(tf.get("efc_force", r, w));
        wforce.push_back(wf.get("efc_force", r, w));
      }
      EXPECT_LT(rel_err(wforce, tforce, 1e-3), 1e-4) << "efc_force, world " << w;
    }
  }
  EXPECT_GT(solved, 0);
}

INSTANTIATE_TEST_SUITE_P(SharedModels, WarpSolve,
                         ::testing::Values("ant", "humanoid", "half_cheetah", "hopper", "reacher",
                                           "walker2d"));

}  // namespace
}  // namespace lockstep
