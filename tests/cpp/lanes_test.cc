// The small-batch GPU step's lane code (engine/lanes.h) on the CPU, with host threads as a
// world's lanes (host_lanes.h): the CI runs it, not only the device. Every field of every world
// is bitwise what one thread per world gives, and every lane's sync() pairs with the others'.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "engine/forward.h"
#include "engine/mjcf.h"
#include "engine/simulator.h"
#include "host_lanes.h"
#include "test_util.h"

namespace lockstep {
namespace {

using test::HostLanes;

// forward() as the staged CUDA step runs it.
void forward_stages(const ModelView& m, const Data& d, HostLanes lanes) {
  forward_stages_on_lanes<0, kForwardStages - 1>(m, d, lanes);
}

// One step() as launch_staged_step takes it.
void staged_step(const ModelView& m, const Data& d, HostLanes lanes) {
  forward_stages(m, d, lanes);
  if (m.opt.integrator != kIntRK4) {
    euler(m, d, lanes);
    finish_step(m, d, lanes);
    return;
  }
  rk4_begin(m, d, lanes);
  lanes.sync();
  for (int s = 0; s < 4; ++s) {
    if (s > 0) forward_stages(m, d, lanes);
    rk4_stage_end(m, d, s, true, lanes);
    if (s == 3) finish_step(m, d, lanes);
    lanes.sync();
  }
}

class HostLaneStep : public ::testing::TestWithParam<const char*> {};

// 4 perturbed worlds under random applied forces (one with a NaN control), 10 steps, for 2, 4,
// 8 and 32 lanes (32: more than any of these models has bodies at one depth, so some lanes
// idle), against the CPU backend's step().
TEST_P(HostLaneStep, HostLanesGiveBitwiseTheCpuState) {
  auto model = load_mjcf(test::shared_model(GetParam()));
  const int num_worlds = 4, num_steps = 10;
  Simulator reference(model, num_worlds);
  test::perturb(reference, 11);
  test::apply_random_forces(reference, 12);
  test::Fields(reference).set("ctrl", 0, std::nanf(""), 1);  // zeroes world 1's controls
  reference.step(num_steps);
  for (int count : {2, 4, 8, 32}) {
    Simulator sim(model, num_worlds);
    test::perturb(sim, 11);
    test::apply_random_forces(sim, 12);
    test::Fields(sim).set("ctrl", 0, std::nanf(""), 1);
    const StateView s = sim.state_view();
    const ModelView m = sim.model_view();
    for (int w = 0; w < num_worlds; ++w) {
      test::LaneGroup group(count);
      const bool paired = group.run([&](HostLanes lanes) {
        for (int n = 0; n < num_steps; ++n) staged_step(m, s.world(w), lanes);
      });
      ASSERT_TRUE(paired) << count << " lanes, world " << w << ": sync() calls do not pair up";
    }
    for (const std::string& name : Simulator::field_names()) {
      const auto expected = test::read_field(reference, name), got = test::read_field(sim, name);
      size_t differ = 0;
      for (size_t i = 0; i < got.size(); ++i)
        differ += std::memcmp(&got[i], &expected[i], sizeof(float)) != 0;
      EXPECT_EQ(differ, 0u) << name << ", " << count << " lanes";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SharedModels, HostLaneStep,
                         ::testing::Values("ant", "humanoid", "half_cheetah", "hopper", "reacher",
                                           "walker2d"));

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
