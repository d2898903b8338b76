// Analytic checks of the smooth dynamics (engine/kinematics.h, smooth.h, integrate.h):
// pendulum period, free fall, energy and momentum conservation, qM and RNE properties.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/mjcf.h"
#include "engine/smooth.h"
#include "engine/simulator.h"
#include "test_util.h"

namespace lockstep {
namespace {

using test::Fields;

constexpr double kPi = 3.14159265358979323846;

// A physical pendulum: hinge about y at the origin, sphere of mass 1 and radius r at depth L.
std::shared_ptr<Model> pendulum(const char* integrator, double timestep) {
  char xml[1024];
  std::snprintf(xml, sizeof(xml), R"(
<mujoco>
  <option timestep="%g" integrator="%s"/>
  <worldbody>
    <body>
      <joint name="hinge" type="hinge" axis="0 1 0"/>
      <geom type="sphere" size="0.01" pos="0 0 -1" mass="1"/>
    </body>
  </worldbody>
</mujoco>)", timestep, integrator);
  return load_mjcf_string(xml, "pendulum.xml");
}

TEST(Smooth, SmallAnglePendulumPeriod) {
  auto model = pendulum("RK4", 0.001);
  Simulator sim(model, 1);
  Fields f(sim);
  f.set("qpos", 0, 0.01f);
  // Physical pendulum: T = 2π·sqrt(I / (m g L)), I = m L² + 2/5 m r².
  const double I = 1.0 + 0.4 * 0.01 * 0.01;
  const double expected = 2 * kPi * std::sqrt(I / 9.81);
  // Period from successive downward zero crossings of the angle, linearly interpolated.
  std::vector<double> crossings;
  double prev = f.get("qpos", 0);
  for (int n = 1; n <= 10000 && crossings.size() < 5; ++n) {
    sim.step();
    const double q = f.get("qpos", 0);
    if (prev > 0 && q <= 0) crossings.push_back((n - 1 + prev / (prev - q)) * 0.001);
    prev = q;
  }
  ASSERT_EQ(crossings.size(), 5u);
  const double period = (crossings.back() - crossings.front()) / 4;
  EXPECT_NEAR(period / expected, 1.0, 1e-3);
}

constexpr const char* kFreeBody = R"(
<mujoco>
  <option timestep="0.01" integrator="%s"/>
  <worldbody>
    <body pos="0 0 10">
      <freejoint/>
      <geom type="box" size="0.1 0.2 0.3" mass="2"/>
    </body>
  </worldbody>
</mujoco>)";

TEST(Smooth, FreeFallSemiImplicitEuler) {
  char xml[512];
  std::snprintf(xml, sizeof(xml), kFreeBody, "Euler");
  Simulator sim(load_mjcf_string(xml, "free.xml"), 1);
  Fields f(sim);
  const int n = 100;
  sim.step(n);
  // Semi-implicit Euler: v_n = −g·n·h, z_n = z0 − g·h²·n(n+1)/2, exactly up to rounding.
  const double g = 9.81, h = 0.01;
  EXPECT_NEAR(f.get("qvel", 2), -g * n * h, 1e-4);
  EXPECT_NEAR(f.get("qpos", 2), 10 - g * h * h * n * (n + 1) / 2, 1e-4);
  EXPECT_EQ(f.get("qpos", 0), 0.0f);
  EXPECT_EQ(f.get("qvel", 3), 0.0f);
}

TEST(Smooth, FreeFallRK4IsExactForConstantAcceleration) {
  char xml[512];
  std::snprintf(xml, sizeof(xml), kFreeBody, "RK4");
  Simulator sim(load_mjcf_string(xml, "free.xml"), 1);
  Fields f(sim);
  sim.step(100);
  const double t = 1.0, g = 9.81;
  EXPECT_NEAR(f.get("time", 0), t, 1e-5);
  EXPECT_NEAR(f.get("qvel", 2), -g * t, 1e-4);
  EXPECT_NEAR(f.get("qpos", 2), 10 - 0.5 * g * t * t, 1e-4);
}

// Kinetic plus potential energy of world 0 from its derived quantities (call forward first).
double energy(const Simulator& sim) {
  Fields f(sim);
  const Model& m = sim.model();
  const int nv = m.size.nv;
  const auto qM = f.all("qM");
  const auto qvel = f.all("qvel");
  double kinetic = 0;
  for (int i = 0; i < nv; ++i)
    for (int j = 0; j < nv; ++j) kinetic += 0.5 * qvel[i] * qM[i * nv + j] * qvel[j];
  double potential = 0;
  for (int b = 1; b < m.size.nbody; ++b)
    potential -= m.body_mass[b] * m.opt.gravity[2] * f.get("xipos", 3 * b + 2);
  return kinetic + potential;
}

TEST(Smooth, DoublePendulumConservesEnergyWithRK4) {
  auto model = load_mjcf_string(R"(
<mujoco>
  <option timestep="0.001" integrator="RK4"/>
  <worldbody>
    <body>
      <joint type="hinge" axis="0 1 0"/>
      <geom type="capsule" fromto="0 0 0 0 0 -0.5" size="0.05"/>
      <body pos="0 0 -0.5">
        <joint type="hinge" axis="0 1 0"/>
        <geom type="capsule" fromto="0 0 0 0.4 0 0" size="0.04"/>
      </body>
    </body>
  </worldbody>
</mujoco>)", "double_pendulum.xml");
  Simulator sim(model, 1);
  Fields f(sim);
  f.set("qpos", 0, 1.2f);
  f.set("qpos", 1, -0.7f);
  sim.forward();
  const double e0 = energy(sim);
  // Drift is measured against the largest kinetic energy reached, the scale of the motion.
  double max_kinetic = 0, max_drift = 0;
  for (int s = 0; s < 100; ++s) {
    sim.step(100);
    sim.forward();
    const double e = energy(sim);
    double potential = 0;
    for (int b = 1; b < model->size.nbody; ++b)
      potential += model->body_mass[b] * 9.81 * f.get("xipos", 3 * b + 2);
    max_kinetic = std::max(max_kinetic, e - potential);
    max_drift = std::max(max_drift, std::abs(e - e0));
  }
  EXPECT_GT(max_kinetic, 1.0);
  EXPECT_LT(max_drift / max_kinetic, 1e-4);
}

// Total spatial momentum [angular about the system com; linear] from cinert·cvel.
Eigen::Matrix<double, 6, 1> momentum(const Simulator& sim) {
  Fields f(sim);
  Eigen::Matrix<double, 6, 1> total = Eigen::Matrix<double, 6, 1>::Zero();
  for (int b = 1; b < sim.model().size.nbody; ++b) {
    const auto c = [&](int k) { return double(f.get("cinert", 10 * b + k)); };
    Eigen::Matrix3d I;
    I << c(0), c(3), c(4), c(3), c(1), c(5), c(4), c(5), c(2);
    const Eigen::Vector3d h(c(6), c(7), c(8));
    const double mass = c(9);
    Eigen::Vector3d w, v;
    for (int k = 0; k < 3; ++k) {
      w[k] = f.get("cvel", 6 * b + k);
      v[k] = f.get("cvel", 6 * b + 3 + k);
    }
    total.head<3>() += I * w + h.cross(v);
    total.tail<3>() += mass * v - h.cross(w);
  }
  return total;
}

TEST(Smooth, FloatingArticulatedBodyConservesMomentumInZeroGravity) {
  auto model = load_mjcf_string(R"(
<mujoco>
  <option timestep="0.001" integrator="RK4" gravity="0 0 0"/>
  <default><geom contype="0" conaffinity="0"/></default>
  <worldbody>
    <body pos="0 0 1">
      <freejoint/>
      <geom type="box" size="0.2 0.1 0.05"/>
      <body pos="0.2 0 0">
        <joint type="hinge" axis="0 0 1"/>
        <geom type="capsule" fromto="0 0 0 0.3 0 0" size="0.03"/>
        <body pos="0.3 0 0">
          <joint type="ball"/>
          <geom type="ellipsoid" size="0.05 0.08 0.1" pos="0.1 0 0"/>
        </body>
      </body>
    </body>
  </worldbody>
</mujoco>)", "floating.xml");
  Simulator sim(model, 1);
  Fields f(sim);
  const float qvel[] = {0.3f, -0.2f, 0.1f, 0.5f, -0.4f, 0.8f, 2.0f, -1.0f, 0.7f, 1.5f};
  for (int i = 0; i < model->size.nv; ++i) f.set("qvel", i, qvel[i]);
  sim.forward();
  const auto p0 = momentum(sim);
  sim.step(2000);
  sim.forward();
  const auto p1 = momentum(sim);
  EXPECT_LT((p1.head<3>() - p0.head<3>()).norm() / p0.head<3>().norm(), 1e-4);
  EXPECT_LT((p1.tail<3>() - p0.tail<3>()).norm() / p0.tail<3>().norm(), 1e-4);
}

TEST(Smooth, MassMatrixIsSymmetricPositiveDefinite) {
  auto model = load_mjcf(test::shared_model("humanoid"));
  Simulator sim(model, 1);
  Fields f(sim);
  const int nv = model->size.nv;
  for (int i = 7; i < model->size.nq; ++i) f.set("qpos", i, 0.3f * std::sin(1.0f + i));
  sim.forward();
  Eigen::MatrixXd M(nv, nv);
  for (int i = 0; i < nv; ++i)
    for (int j = 0; j < nv; ++j) M(i, j) = f.get("qM", i * nv + j);
  EXPECT_LT((M - M.transpose()).norm(), 1e-6 * M.norm());
  EXPECT_EQ(Eigen::LLT<Eigen::MatrixXd>(M).info(), Eigen::Success);
}

// RNE against the Lagrangian: qfrc_bias = Ṁ·v − ½·∂(vᵀMv)/∂q + ∂V/∂q, by central differences.
TEST(Smooth, BiasForceMatchesLagrangianFiniteDifferences) {
  auto model = load_mjcf_string(R"(
<mujoco>
  <worldbody>
    <body>
      <joint type="hinge" axis="0 1 0"/>
      <geom type="capsule" fromto="0 0 0 0.3 0 -0.4" size="0.05"/>
      <body pos="0.3 0 -0.4">
        <joint type="hinge" axis="1 0 0"/>
        <geom type="box" size="0.1 0.05 0.2" pos="0 0 -0.2"/>
        <body pos="0 0 -0.4">
          <joint type="slide" axis="0 0 1"/>
          <geom type="sphere" size="0.1"/>
        </body>
      </body>
    </body>
  </worldbody>
</mujoco>)", "chain.xml");
  const int nv = model->size.nv;
  Simulator sim(model, 1);
  Fields f(sim);
  const std::vector<double> q0 = {0.4, -0.3, 0.1}, v = {1.1, -0.8, 0.5};
  auto at = [&](const std::vector<double>& q, Eigen::MatrixXd* M, double* V) {
    for (int i = 0; i < nv; ++i) f.set("qpos", i, float(q[i]));
    sim.forward();
    M->resize(nv, nv);
    for (int i = 0; i < nv; ++i)
      for (int j = 0; j < nv; ++j) (*M)(i, j) = f.get("qM", i * nv + j);
    *V = 0;
    for (int b = 1; b < model->size.nbody; ++b)
      *V += model->body_mass[b] * 9.81 * f.get("xipos", 3 * b + 2);
  };
  const Eigen::Map<const Eigen::VectorXd> vel(v.data(), nv);
  const double eps = 1e-3;
  Eigen::VectorXd expected = Eigen::VectorXd::Zero(nv);
  for (int k = 0; k < nv; ++k) {
    auto qp = q0, qm = q0;
    qp[k] += eps;
    qm[k] -= eps;
    Eigen::MatrixXd Mp, Mm;
    double Vp, Vm;
    at(qp, &Mp, &Vp);
    at(qm, &Mm, &Vm);
    expected[k] += -0.5 * vel.dot((Mp - Mm) * vel) / (2 * eps) + (Vp - Vm) / (2 * eps);
  }
  // Ṁ·v along the direction v.
  auto qp = q0, qm = q0;
  for (int i = 0; i < nv; ++i) {
    qp[i] += eps * v[i];
    qm[i] -= eps * v[i];
  }
  Eigen::MatrixXd Mp, Mm;
  double Vp, Vm;
  at(qp, &Mp, &Vp);
  at(qm, &Mm, &Vm);
  expected += (Mp - Mm) / (2 * eps) * vel;

  for (int i = 0; i < nv; ++i) {
    f.set("qpos", i, float(q0[i]));
    f.set("qvel", i, float(v[i]));
  }
  sim.forward();
  for (int i = 0; i < nv; ++i)
    EXPECT_NEAR(f.get("qfrc_bias", i), expected[i], 2e-3 * expected.norm()) << "dof " << i;
}

// The GPU's batched loops (update_ancestors_batched, set_entries_batched: loads before stores)
// give bitwise what the host's plain loops give, on Humanoid's tree (rows of 1 to 11 entries,
// batches of 4 and 8, a partial batch in most rows).
TEST(TreeLoops, BatchedFormsMatchThePlainLoops) {
  auto model = load_mjcf(test::shared_model("humanoid"));
  const ModelView m = model->view();
  const int nv = m.size.nv;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> init(nv * nv);
  for (float& x : init) x = u(rng);
  auto same = [](const std::vector<float>& a, const std::vector<float>& b) {
    return std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
  };
  for (int k = 0; k < nv; ++k)
    for (int i : {k, m.dof_parentid[k] < 0 ? k : m.dof_parentid[k]})
      for (bool with_self : {false, true}) {
        std::vector<float> plain = init, batched4 = init, batched8 = init;
        const float s = u(rng);
        for_each_ancestor(m, i, with_self, [&](int j) {
          plain[i * nv + j] = plain[i * nv + j] - s * plain[k * nv + j];
        });
        float* b4 = batched4.data();
        float* b8 = batched8.data();
        update_ancestors_batched<4>(
            m, i, with_self, [&](int j) { return b4[i * nv + j] - s * b4[k * nv + j]; },
            [&](int j, float v) { b4[i * nv + j] = v; });
        update_ancestors_batched<8>(
            m, i, with_self, [&](int j) { return b8[i * nv + j] - s * b8[k * nv + j]; },
            [&](int j, float v) { b8[i * nv + j] = v; });
        EXPECT_TRUE(same(plain, batched4) && same(plain, batched8))
            << "dof " << i << ", pivot " << k;
      }
  for (int n = 0; n <= 20; ++n) {
    std::vector<float> plain = init, batched = init;
    for (int k = 0; k < n; ++k) plain[k] = plain[k] * 3 + 1;
    set_entries_batched(Arr<float>(batched.data(), 1), n,
                        [&](int k) { return batched[k] * 3 + 1; });
    EXPECT_TRUE(same(plain, batched)) << "n = " << n;
  }
}

}  // namespace
}  // namespace lockstep
