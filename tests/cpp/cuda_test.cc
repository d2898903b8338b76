// CUDA backend against the CPU backend (kernels/cuda_backend.cu). Skipped without a device.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/mjcf.h"
#include "engine/simulator.h"
#include "test_util.h"

#ifdef LOCKSTEP_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace lockstep {
namespace {

using test::perturb;
using test::read_field;
using test::write_field;

using test::rel_err;

class CudaBackend : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  }
};

constexpr StepLaunch kLaunches[] = {StepLaunch::fused, StepLaunch::staged, StepLaunch::on_chip};

// qpos, qvel and ctrl of every world of `from` into `to`.
void copy_start(const Simulator& from, const Simulator& to) {
  for (const char* f : {"qpos", "qvel", "ctrl"}) write_field(to, f, read_field(from, f));
}

// One step of every GPU launch (staged and on_chip solve with a warp per world) against the CPU.
void expect_one_step_matches_cpu(const std::shared_ptr<Model>& model, int n,
                                 const std::function<void(Simulator&)>& prepare) {
  Simulator cpu(model, n, Device::cpu);
  prepare(cpu);
  for (StepLaunch launch : kLaunches) {
    Simulator gpu(model, n, Device::cuda);
    gpu.set_step_launch(launch);
    copy_start(cpu, gpu);
    gpu.step(1);
    Simulator ref(model, n, Device::cpu);
    copy_start(cpu, ref);
    ref.step(1);
    for (const char* f : {"qpos", "qvel", "efc_force"})
      EXPECT_LT(rel_err(read_field(gpu, f), read_field(ref, f)), 1e-4)
          << f << ", " << step_launch_name(launch);
  }
}

TEST_P(CudaBackend, OneStepMatchesCpu) {
  expect_one_step_matches_cpu(load_mjcf(test::shared_model(GetParam())), 64,
                              [](Simulator& sim) { perturb(sim, 7); });
}

// A body (nv = 6) resting on 4 to 20 spheres, 4 pyramidal rows each, through every kernel of
// the warp solver: 16 and 20 rows one per lane, on half a warp and by the 17-32-row scan at
// 100,000 worlds (many waves), on a whole warp at 64; 40 rows two per lane; 80 (past dense PGS
// too) the thread-per-world fallback. Every other world is lifted clear of the floor (no row).
TEST(CudaSolver, WorldsWithManyRowsMatchCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  for (int n : {64, 100000})
    for (int spheres : {4, 5, 10, 20})
      for (const char* solver : {"Newton", "PGS"}) {
        std::string geoms;
        for (int k = 0; k < spheres; ++k)
          geoms += "<geom type='sphere' size='0.1' pos='" +
                   std::to_string(0.2 * k - 0.1 * (spheres - 1)) + " 0 0'/>";
        auto model = load_mjcf_string(
            std::string("<mujoco><option solver='") + solver + "'/><worldbody>" +
            "<geom type='plane' size='5 5 0.1'/><body pos='0 0 0.098'><freejoint/>" + geoms +
            "</body></worldbody></mujoco>");
        expect_one_step_matches_cpu(model, n, [&](Simulator& sim) {
          auto qpos = read_field(sim, "qpos");
          for (int w = 1; w < sim.num_worlds(); w += 2) qpos[w * model->size.nq + 2] += 1.0f;
          write_field(sim, "qpos", qpos);
          sim.forward();
          const auto nefc = read_field(sim, "nefc");
          EXPECT_EQ(nefc[0], 4.0f * spheres) << solver;
          EXPECT_EQ(nefc[1], 0.0f) << solver;
        });
      }
}

TEST_P(CudaBackend, HundredStepsKeepCpuStatistics) {
  auto model = load_mjcf(test::shared_model(GetParam()));
  const int n = 256;
  Simulator cpu(model, n, Device::cpu), gpu(model, n, Device::cuda);
  perturb(cpu, 11);
  copy_start(cpu, gpu);
  cpu.step(100);
  gpu.step(100);
  const auto a = read_field(gpu, "qpos"), b = read_field(cpu, "qpos");
  const int nq = model->size.nq;
  for (int i = 0; i < nq; ++i) {
    double ma = 0, mb = 0;
    for (int w = 0; w < n; ++w) {
      ma += a[w * nq + i] / n;
      mb += b[w * nq + i] / n;
    }
    EXPECT_NEAR(ma, mb, 0.05 + 0.05 * std::abs(mb)) << "qpos[" << i << "] mean";
  }
  for (float x : read_field(gpu, "diverged")) EXPECT_EQ(x, 0.0f);
}

// At 100,000 worlds (many waves on an H200) the solver puts worlds of nv ≤ 16 and up to 16 rows
// on half a warp each, at 1,000 on a whole one (kernels/warp_solver.cuh).
TEST_P(CudaBackend, BitwiseDeterministicAcrossRunsAndBatchSizes) {
  auto model = load_mjcf(test::shared_model(GetParam()));
  for (StepLaunch launch : kLaunches) {
    std::vector<std::vector<float>> runs;
    for (int n : {1, 1, 1000, 100000}) {
      Simulator gpu(model, n, Device::cuda);
      gpu.set_step_launch(launch);
      std::vector<float> ctrl(static_cast<size_t>(n) * model->size.nu, 0.3f);
      write_field(gpu, "ctrl", ctrl);
      gpu.step(50);
      auto q = read_field(gpu, "qpos");
      runs.emplace_back(q.begin(), q.begin() + model->size.nq);  // world 0
    }
    for (size_t k = 1; k < runs.size(); ++k)
      EXPECT_EQ(runs[0], runs[k]) << step_launch_name(launch) << ", run " << k;
  }
}

// The staged step, the fused kernel and the on-chip kernel run the same per-world arithmetic:
// after 10 steps from perturbed states (contacts, limits, each file's integrator) qpos and qvel
// agree to float32 rounding (nvcc may contract a product differently in the kernels; the warp
// solvers take their sums in another order than the fused kernel's).
TEST_P(CudaBackend, StagedFusedAndOnChipStepsAgree) {
  auto model = load_mjcf(test::shared_model(GetParam()));
  const int n = 256;
  Simulator start(model, n, Device::cpu), staged(model, n, Device::cuda);
  perturb(start, 5);
  copy_start(start, staged);
  staged.step(10);
  for (StepLaunch launch : {StepLaunch::fused, StepLaunch::on_chip}) {
    Simulator other(model, n, Device::cuda);
    other.set_step_launch(launch);
    copy_start(start, other);
    other.step(10);
    for (const char* f : {"qpos", "qvel", "time"})
      EXPECT_LT(rel_err(read_field(staged, f), read_field(other, f)), 1e-5)
          << f << ", " << step_launch_name(launch);
  }
}

// The on-chip step copies each world's whole state in and back: a field a step does not
// compute (cacc) keeps its values, and a block's tail (300 worlds: not a multiple of a block) is
// stepped like the others. step(4) in one launch is bitwise four step(1) launches.
TEST_P(CudaBackend, OnChipStepKeepsTheStateItDoesNotCompute) {
  auto model = load_mjcf(test::shared_model(GetParam()));
  const int n = 300;
  Simulator once(model, n, Device::cuda), split(model, n, Device::cuda);
  for (Simulator* sim : {&once, &split}) {
    sim->set_step_launch(StepLaunch::on_chip);
    perturb(*sim, 9);
    test::apply_random_forces(*sim, 10);
    sim->step(1);
    sim->rne_post_constraint();
  }
  const auto cacc = read_field(once, "cacc");
  once.step(4);
  for (int k = 0; k < 4; ++k) split.step(1);
  EXPECT_EQ(read_field(once, "cacc"), cacc);
  for (const std::string& f : Simulator::field_names())
    EXPECT_EQ(read_field(once, f), read_field(split, f)) << f;
  for (float t : read_field(once, "time")) EXPECT_FLOAT_EQ(t, 5 * model->opt.timestep);
}

// Lanes per world (engine/lanes.h) split a world's loops but keep every value's operations and
// their order: after 20 steps from perturbed states every field of every world is bitwise the
// same for 1 to 32 lanes (32: more lanes than any of these models has bodies at one depth),
// under random applied forces.
TEST_P(CudaBackend, LanesPerWorldGiveBitwiseTheSameState) {
  auto model = load_mjcf(test::shared_model(GetParam()));
  const int n = 300;  // not a multiple of a block
  std::vector<std::vector<float>> states;
  for (int lanes : {1, 2, 4, 8, 32}) {
    Simulator gpu(model, n, Device::cuda);
    gpu.set_world_lanes(lanes);
    EXPECT_EQ(gpu.world_lanes(), lanes);
    perturb(gpu, 11);
    test::apply_random_forces(gpu, 12);
    gpu.step(20);
    std::vector<float> state;
    for (const std::string& f : Simulator::field_names()) {
      const auto v = read_field(gpu, f);
      state.insert(state.end(), v.begin(), v.end());
    }
    states.push_back(std::move(state));
  }
  for (size_t k = 1; k < states.size(); ++k) {
    ASSERT_EQ(states[0].size(), states[k].size());
    EXPECT_EQ(test::bitwise_differences(states[0], states[k]), 0u) << "lane setting " << k;
  }
}

TEST(CudaLaunch, LanesPerWorldAreChosenByBatchSizeAndValidated) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  auto model = load_mjcf(test::shared_model("reacher"));
  Simulator small(model, 64, Device::cuda), large(model, 1 << 17, Device::cuda);
  EXPECT_GT(small.world_lanes(), 1);  // 64 worlds cannot fill any GPU one thread each
  EXPECT_EQ(large.world_lanes(), 1);
  for (int bad : {-1, 3, 64}) EXPECT_THROW(small.set_world_lanes(bad), std::invalid_argument);
  Simulator cpu(model, 2, Device::cpu);
  cpu.set_world_lanes(4);
  EXPECT_EQ(cpu.world_lanes(), 1);
}

// The CUDA state's field stride (num_worlds floats) is held in bytes as an int; a larger batch is
// refused by name before any device is looked for, so this runs without one too.
TEST(CudaLaunch, WorldCountAboveTheStrideLimitIsRefused) {
  auto model = load_mjcf(test::shared_model("reacher"));
  try {
    Simulator sim(model, 1 << 29, Device::cuda);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("num_worlds must be <= 536870911 on CUDA, got 536870912"),
              std::string::npos)
        << e.what();
  }
}

// world_sum against a host sum of the same floats, on the CPU and (with a device) on CUDA.
TEST(WorldSum, MatchesAHostSum) {
  auto model = load_mjcf(test::shared_model("ant"));
  std::vector<Device> devices = {Device::cpu};
  if (cuda_available()) devices.push_back(Device::cuda);
  for (Device device : devices) {
    Simulator sim(model, 3000, device);
    perturb(sim, 5);
    sim.step(3);
    for (const auto& [name, entry] : std::vector<std::pair<std::string, int>>{
             {"qpos", 2}, {"qvel", 7}, {"ncon", 0}, {"time", 0}, {"xpos", 5}}) {
      const std::vector<float> v = read_field(sim, name);
      const int count = sim.field(name).count;
      double expected = 0;
      for (int w = 0; w < sim.num_worlds(); ++w)
        expected += v[static_cast<size_t>(w) * count + entry];
      EXPECT_NEAR(sim.world_sum(name, entry), expected, 1e-9 * std::abs(expected) + 1e-9)
          << name << "[" << entry << "], device " << static_cast<int>(device);
    }
    EXPECT_THROW(sim.world_sum("qvel", model->size.nv), std::invalid_argument);
    EXPECT_THROW(sim.world_sum("qvel", -1), std::invalid_argument);
  }
}

#ifdef LOCKSTEP_HAVE_CUDA
// A state larger than the device's memory is refused by name, and the device stays usable.
TEST(CudaLaunch, StateTooLargeForTheDeviceIsNamed) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  auto model = load_mjcf(test::shared_model("humanoid"));
  try {
    Simulator sim(model, 500000000, Device::cuda);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA error allocating the state ("), std::string::npos)
        << e.what();
  }
  Simulator sim(model, 16, Device::cuda);
  sim.step(2);
  EXPECT_EQ(sim.world_sum("diverged"), 0.0);
}

// Work queued before set_stream (here tens of ms of steps on the legacy default stream) comes
// before work on the new, non-blocking stream: a copy queued there reads the finished state.
TEST(CudaLaunch, SetStreamOrdersLaterWorkAfterEarlierWork) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  auto model = load_mjcf(test::shared_model("humanoid"));
  Simulator sim(model, 65536, Device::cuda);
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
  sim.step(30);
  sim.set_stream(stream);
  const FieldRef time = sim.field("time");
  std::vector<float> seen(time.num_worlds);
  ASSERT_EQ(cudaMemcpyAsync(seen.data(), time.data, seen.size() * sizeof(float),
                            cudaMemcpyDeviceToHost, stream),
            cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(seen, read_field(sim, "time"));
  cudaStreamDestroy(stream);
}

// A model whose world does not fit a block's shared memory is refused by name for on_chip, and
// the simulator keeps its launch.
TEST(CudaLaunch, OnChipRefusesAWorldTooLargeForSharedMemory) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  std::string geoms;  // 60 spheres on one body: 1,770 pairs, a state of several hundred KB
  for (int k = 0; k < 60; ++k)
    geoms += "<body pos='" + std::to_string(0.3 * k) + " 0 1'><freejoint/><geom type='sphere' "
             "size='0.1'/></body>";
  auto model = load_mjcf_string("<mujoco><worldbody><geom type='plane' size='50 50 0.1'/>" +
                                geoms + "</worldbody></mujoco>");
  Simulator sim(model, 4, Device::cuda);
  try {
    sim.set_step_launch(StepLaunch::on_chip);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("step_launch 'on_chip': one world of this model takes"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(sim.step_launch(), StepLaunch::staged);
}

// The staged step is the default at every batch size (it measured faster at every one).
TEST(CudaLaunch, DefaultIsStaged) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  auto model = load_mjcf(test::shared_model("reacher"));
  for (int n : {1, 4096})
    EXPECT_EQ(Simulator(model, n, Device::cuda).step_launch(), StepLaunch::staged) << n;
}

// Work queued on the caller's stream gives the same bits as on the default stream.
TEST_P(CudaBackend, CallerStreamIsHonoured) {
  auto model = load_mjcf(test::shared_model(GetParam()));
  Simulator a(model, 128, Device::cuda), b(model, 128, Device::cuda);
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
  b.set_stream(stream);
  std::vector<float> ctrl(128 * model->size.nu, 0.2f);
  write_field(a, "ctrl", ctrl);
  write_field(b, "ctrl", ctrl);
  a.step(20);
  b.step(20);
  b.reset_worlds({3, 7});
  b.step(1);
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  a.reset_worlds({3, 7});
  a.step(1);
  EXPECT_EQ(read_field(a, "qpos"), read_field(b, "qpos"));
  cudaStreamDestroy(stream);
}
#endif

INSTANTIATE_TEST_SUITE_P(SharedModels, CudaBackend,
                         ::testing::Values("ant", "humanoid", "half_cheetah", "hopper", "reacher",
                                           "walker2d"));

}  // namespace
}  // namespace lockstep
