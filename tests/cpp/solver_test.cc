// The PGS solver's two sweep forms (engine/solver.h) give the same solve; forward()'s stages
// (engine/forward.h forward_stage, timed by lockstep-bench --phases) in order are forward().
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/forward.h"
#include "engine/mjcf.h"
#include "engine/simulator.h"
#include "test_util.h"

namespace lockstep {
namespace {

using test::Fields;

// The solver scratch is sized for the solver a model compiles to: Newton's 3 floats a row
// (Ant: 348, not PGS's 1,972), and a model switched to PGS afterwards is refused by name rather
// than stepped past its state.
TEST(SolverScratch, IsSizedForTheCompiledSolverAndAChangeToPgsIsRefused) {
  auto model = load_mjcf(test::shared_model("ant"));
  ASSERT_FALSE(uses_pgs(model->opt));
  EXPECT_EQ(model->size.nefc_scratch, 3 * model->size.nefc_max);
  auto humanoid = load_mjcf(test::shared_model("humanoid"));
  EXPECT_EQ(humanoid->size.nefc_scratch, humanoid->size.nefc_max * (humanoid->size.nv + 3));
  model->opt.solver = kSolverPGS;
  try {
    Simulator sim(model, 1);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("model.opt.solver was changed to PGS after compiling"),
              std::string::npos)
        << e.what();
  }
  model->opt.cone = kConeElliptic;  // PGS with elliptic cones runs as Newton: accepted
  Simulator sim(model, 1);
  sim.step(2);
}

// Humanoid's file asks for PGS. After it has fallen, one solve from the same state with the
// dense AR block and with row-by-row sweeps (nefc_dense = 0) must agree to float32 rounding of
// the two summation orders, amplified over up to 50 sweeps (measured: 3e-7 of max |qacc|).
TEST(Pgs, DenseAndRowByRowSweepsAgree) {
  auto dense = load_mjcf(test::shared_model("humanoid"));
  ASSERT_GT(dense->size.nefc_dense, 0);
  auto rows = std::make_shared<Model>(*dense);
  rows->size.nefc_dense = 0;
  Simulator a(dense, 1), b(rows, 1);
  a.step(300);  // about 1 s: on the floor, several contacts
  const Fields fa(a), fb(b);
  for (const char* name : {"qpos", "qvel", "qacc_warmstart"})
    for (int i = 0, n = a.field(name).count; i < n; ++i) fb.set(name, i, fa.get(name, i));
  a.step(1);
  b.step(1);
  const float nefc = fa.get("nefc", 0);
  ASSERT_GT(nefc, 0);
  ASSERT_LE(nefc, dense->size.nefc_dense);
  EXPECT_EQ(fa.get("solver_niter", 0), fb.get("solver_niter", 0));
  double scale = 0, diff = 0;
  for (int i = 0; i < dense->size.nv; ++i) {
    scale = std::fmax(scale, std::fabs(fa.get("qacc", i)));
    diff = std::fmax(diff, std::fabs(fa.get("qacc", i) - fb.get("qacc", i)));
  }
  EXPECT_LT(diff, 1e-5 * scale) << "qacc scale " << scale;
  for (int r = 0; r < dense->size.nefc_max; ++r)
    if (fa.get("efc_active", r) != 0)
      EXPECT_NEAR(fa.get("efc_force", r), fb.get("efc_force", r),
                  1e-4 * (1 + std::fabs(fa.get("efc_force", r))));
}

// Two identical fallen Humanoid worlds (contacts, limits, PGS): forward() in one, the stages in
// order in the other; every state field must match bitwise.
TEST(Forward, StagesInOrderAreForward) {
  auto model = load_mjcf(test::shared_model("humanoid"));
  Simulator sim(model, 2);
  sim.step(300);
  const StateView s = sim.state_view();
  const ModelView m = sim.model_view();
  forward(m, s.world(0));
  for (int stage = 0; stage < kForwardStages; ++stage) forward_stage(m, s.world(1), stage);
  const Fields f(sim);
  ASSERT_GT(f.get("ncon", 0), 0);
  for (const std::string& name : Simulator::field_names())
    for (int i = 0, n = sim.field(name).count; i < n; ++i)
      ASSERT_EQ(f.get(name, i, 0), f.get(name, i, 1)) << name << "[" << i << "]";
}

}  // namespace
}  // namespace lockstep
