// The small-batch GPU step's lane code (engine/lanes.h) on the CPU, with host threads as a
// world's lanes (host_lanes.h): the CI runs it, not only the device. Every field of every world
// is bitwise what one thread per world gives, and every lane's sync() pairs with the others'.
#include <gtest/gtest.h>

#include <algorithm>
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

using test::HostLanes;
using test::HostSolverLanes;
using test::rel_err;

// The constraint solve on lane 0, as one thread per world runs it: the solver stage of the
// staged step's CPU model (its warp solver is tested in warp_solve_test.cc).
auto lane_zero_solve(const ModelView& m, HostLanes lanes) {
  return [m, lanes](const Data& d) {
    if (lanes.runs(0)) solve_constraint(m, d);
    lanes.sync();
  };
}

class HostLaneStep : public ::testing::TestWithParam<const char*> {};

// Every field of two simulators' worlds, bitwise.
void expect_bitwise_equal(const Simulator& expected, const Simulator& got,
                          const std::string& what) {
  for (const std::string& name : Simulator::field_names()) {
    EXPECT_EQ(test::bitwise_differences(test::read_field(got, name),
                                        test::read_field(expected, name)),
              0u)
        << name << ", " << what;
  }
}

// 4 perturbed worlds under random applied forces (world 1 with a NaN control; world 3 held, as
// the env layer holds a world that starts an episode), 10 steps, for 2, 4, 8 and 32 lanes (32:
// more than any of these models has bodies at one depth, so some lanes idle), against the CPU's
// step(m, d, advance).
TEST_P(HostLaneStep, HostLanesGiveBitwiseTheCpuState) {
  auto model = load_mjcf(test::shared_model(GetParam()));
  const int num_worlds = 4, num_steps = 10, held = 3;
  auto start = [&](const Simulator& sim) {
    test::perturb(sim, 11);
    test::apply_random_forces(sim, 12);
    test::Fields(sim).set("ctrl", 0, std::nanf(""), 1);  // zeroes world 1's controls
  };
  Simulator reference(model, num_worlds);
  start(reference);
  const ModelView m = reference.model_view();
  for (int n = 0; n < num_steps; ++n)
    for (int w = 0; w < num_worlds; ++w) step(m, reference.state_view().world(w), w != held);
  for (int count : {2, 4, 8, 32}) {
    Simulator sim(model, num_worlds);
    start(sim);
    const StateView s = sim.state_view();
    for (int w = 0; w < num_worlds; ++w) {
      test::LaneGroup group(count);
      const bool paired = group.run([&](HostLanes lanes) {
        for (int n = 0; n < num_steps; ++n)
          step_on_lanes(m, s.world(w), lanes, w != held, lane_zero_solve(m, lanes));
      });
      ASSERT_TRUE(paired) << count << " lanes, world " << w << ": sync() calls do not pair up";
    }
    expect_bitwise_equal(reference, sim, std::to_string(count) + " lanes");
  }
}

INSTANTIATE_TEST_SUITE_P(SharedModels, HostLaneStep,
                         ::testing::Values("ant", "humanoid", "half_cheetah", "hopper", "reacher",
                                           "walker2d"));

class HostLaneOnChipStep : public ::testing::TestWithParam<const char*> {};

// The on-chip step's solve (kernels/on_chip_step.cu: solve_on_lanes, the warp solver on the
// world's 32 lanes up to 32 active rows), from settled worlds (1 s: contacts and limits active):
// qpos and qvel within the 1e-4 of the CPU step after one step of each file's integrator,
// with world 2 held (advance false).
TEST_P(HostLaneOnChipStep, WarpSolveAgreesWithTheCpuStep) {
  auto model = load_mjcf(test::shared_model(GetParam()));
  const int num_worlds = 3, held = 2;
  Simulator reference(model, num_worlds), sim(model, num_worlds);
  const int warmup = static_cast<int>(1.0f / model->opt.timestep);
  for (Simulator* s : {&reference, &sim}) {
    test::perturb(*s, 7);
    s->step(warmup);
  }
  const ModelView m = sim.model_view();
  for (int w = 0; w < num_worlds; ++w) step(m, reference.state_view().world(w), w != held);
  const WarpSolverLayout l = warp_solver_layout(m, 32);
  int warp_solved = 0;
  for (int w = 0; w < num_worlds; ++w) {
    std::vector<float> shared(l.floats);
    test::LaneGroup group(32);
    const bool paired = group.run([&](HostLanes lanes) {
      const HostSolverLanes<32> g{lanes.sub, lanes.group};
      step_on_lanes(m, sim.state_view().world(w), lanes, w != held, [&](const Data& d) {
        const int nactive = active_rows(d);
        if (lanes.runs(0)) warp_solved += nactive > 0 && nactive <= l.rows;
        solve_on_lanes(m, d, lanes, g, shared.data(), l);
      });
    });
    ASSERT_TRUE(paired) << "world " << w << ": lanes do not pair up";
  }
  for (const char* f : {"qpos", "qvel"})
    EXPECT_LT(rel_err(test::read_field(sim, f), test::read_field(reference, f), 1e-3), 1e-4) << f;
  EXPECT_GT(warp_solved, 0);
}

INSTANTIATE_TEST_SUITE_P(SharedModels, HostLaneOnChipStep,
                         ::testing::Values("ant", "humanoid", "half_cheetah", "hopper", "reacher",
                                           "walker2d"));

// The on-chip step's copies between the global state (pitch: the batch) and a block's shared
// memory (pitch: worlds | 1), each block thread's share run in turn: every entry of every world
// of the block arrives, and nothing outside them is written, for full and tail blocks.
TEST(OnChipCopy, EveryEntryOfTheBlocksWorldsArrivesAndNothingElse) {
  const int n = 7417, num_worlds = 21;  // n: Ant's floats a world
  std::vector<float> global(static_cast<size_t>(n) * num_worlds);
  for (size_t i = 0; i < global.size(); ++i) global[i] = static_cast<float>(i);
  for (int worlds = 1; worlds <= 8; ++worlds) {
    const int pitch = worlds | 1;
    for (int first = 0; first < num_worlds; first += worlds) {
      const int here = std::min(worlds, num_worlds - first);
      std::vector<float> shared(static_cast<size_t>(n) * pitch + 1, -1.0f);
      for (int t = 0; t < 32 * worlds; ++t)
        copy_world_block(global.data() + first, num_worlds, shared.data(), pitch, here, n, t,
                         32 * worlds);
      size_t wrong = 0;
      for (int j = 0; j < n; ++j)
        for (int w = 0; w < pitch; ++w) {
          const float expected = w < here ? global[static_cast<size_t>(j) * num_worlds + first + w]
                                          : -1.0f;
          wrong += shared[static_cast<size_t>(j) * pitch + w] != expected;
        }
      EXPECT_EQ(shared.back(), -1.0f);
      EXPECT_EQ(wrong, 0u) << worlds << " worlds a block, first world " << first;
      std::vector<float> back(global.size(), -1.0f);
      for (int t = 0; t < 32 * worlds; ++t)
        copy_world_block(shared.data(), pitch, back.data() + first, num_worlds, here, n, t,
                         32 * worlds);
      for (size_t i = 0; i < back.size(); ++i) {
        const int w = static_cast<int>(i % num_worlds);
        const bool in_block = w >= first && w < first + here;
        if (back[i] != (in_block ? global[i] : -1.0f)) ++wrong;
      }
      EXPECT_EQ(wrong, 0u) << "back: " << worlds << " worlds a block, first world " << first;
    }
  }
}

// The host emulation itself: unpaired sync() calls are reported, collectives combine all lanes.
TEST(HostLanes, UnpairedSyncIsReportedAndCollectivesSeeEveryLane) {
  test::LaneGroup group(4);
  EXPECT_FALSE(group.run([](HostLanes lanes) {
    if (lanes.runs(0)) lanes.sync();
  }));
  int sums[4], ranks[4], totals[4];
  bool anys[4];
  EXPECT_TRUE(group.run([&](HostLanes lanes) {
    sums[lanes.sub] = lanes.sum(lanes.sub + 1);
    ranks[lanes.sub] = lanes.rank(lanes.sub % 2 == 1, &totals[lanes.sub]);
    anys[lanes.sub] = lanes.any(lanes.sub == 3);
  }));
  for (int sub = 0; sub < 4; ++sub) {
    EXPECT_EQ(sums[sub], 10);
    EXPECT_EQ(totals[sub], 2);
    EXPECT_EQ(ranks[sub], sub / 2);
    EXPECT_TRUE(anys[sub]);
  }
}

}  // namespace
}  // namespace lockstep
