// Helpers for the C++ tests: model paths, field access by name, random states.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/mjcf.h"
#include "engine/simulator.h"

#ifdef LOCKSTEP_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace lockstep::test {

inline std::string shared_model(const std::string& name) {
  return std::string(LOCKSTEP_SHARED_DIR) + "/models/gymnasium/" + name + ".xml";
}

// Reads and writes entries of world `w` of a state field through its FieldRef strides.
class Fields {
 public:
  explicit Fields(const Simulator& sim) : sim_(sim) {}
  float get(const std::string& name, int i, int w = 0) const {
    const FieldRef f = sim_.field(name);
    return f.data[w * f.world_stride + i * f.elem_stride];
  }
  void set(const std::string& name, int i, float value, int w = 0) const {
    const FieldRef f = sim_.field(name);
    f.data[w * f.world_stride + i * f.elem_stride] = value;
  }
  std::vector<float> all(const std::string& name, int w = 0) const {
    const FieldRef f = sim_.field(name);
    std::vector<float> out(f.count);
    for (int i = 0; i < f.count; ++i) out[i] = f.data[w * f.world_stride + i * f.elem_stride];
    return out;
  }

 private:
  const Simulator& sim_;
};

// ‖a − b‖ / max(‖b‖, floor), in double.
inline double rel_err(const std::vector<float>& a, const std::vector<float>& b,
                      double floor = 1.0) {
  double num = 0, den = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    num += (double(a[k]) - b[k]) * (double(a[k]) - b[k]);
    den += double(b[k]) * b[k];
  }
  return std::sqrt(num) / std::max(std::sqrt(den), floor);
}

// Number of entries whose bits differ between a and b (of the same size; NaNs compare by bits).
inline size_t bitwise_differences(const std::vector<float>& a, const std::vector<float>& b) {
  size_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) differ += std::memcmp(&a[i], &b[i], sizeof(float)) != 0;
  return differ;
}

// Field `name` of every world as a (num_worlds × count) world-major host array.
inline std::vector<float> read_field(const Simulator& sim, const std::string& name) {
  const FieldRef f = sim.field(name);
  std::vector<float> raw(static_cast<size_t>(f.num_worlds) * f.count), out(raw.size());
#ifdef LOCKSTEP_HAVE_CUDA
  if (f.on_device) {
    EXPECT_EQ(cudaMemcpy(raw.data(), f.data, raw.size() * sizeof(float), cudaMemcpyDeviceToHost),
              cudaSuccess);
  } else
#endif
  {
    for (size_t k = 0; k < raw.size(); ++k) raw[k] = f.data[k];
  }
  for (int w = 0; w < f.num_worlds; ++w)
    for (int i = 0; i < f.count; ++i)
      out[static_cast<size_t>(w) * f.count + i] = raw[w * f.world_stride + i * f.elem_stride];
  return out;
}

inline void write_field(const Simulator& sim, const std::string& name, const std::vector<float>& v) {
  const FieldRef f = sim.field(name);
  std::vector<float> raw(static_cast<size_t>(f.num_worlds) * f.count);
  for (int w = 0; w < f.num_worlds; ++w)
    for (int i = 0; i < f.count; ++i)
      raw[w * f.world_stride + i * f.elem_stride] = v[static_cast<size_t>(w) * f.count + i];
#ifdef LOCKSTEP_HAVE_CUDA
  if (f.on_device) {
    ASSERT_EQ(cudaMemcpy(f.data, raw.data(), raw.size() * sizeof(float), cudaMemcpyHostToDevice),
              cudaSuccess);
    return;
  }
#endif
  for (size_t k = 0; k < raw.size(); ++k) f.data[k] = raw[k];
}

// Random states near qpos0 (quaternions left as they are) with random controls.
inline void perturb(const Simulator& sim, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.1f, 0.1f);
  auto qpos = read_field(sim, "qpos"), qvel = read_field(sim, "qvel"), ctrl = read_field(sim, "ctrl");
  const Model& m = sim.model();
  for (int w = 0; w < sim.num_worlds(); ++w) {
    for (int j = 0; j < m.size.njnt; ++j)
      if (m.jnt_type[j] == kJntHinge || m.jnt_type[j] == kJntSlide)
        qpos[w * m.size.nq + m.jnt_qposadr[j]] += u(rng);
    for (int i = 0; i < m.size.nv; ++i) qvel[w * m.size.nv + i] = 10 * u(rng);
    for (int a = 0; a < m.size.nu; ++a) ctrl[w * m.size.nu + a] = 10 * u(rng);
  }
  write_field(sim, "qpos", qpos);
  write_field(sim, "qvel", qvel);
  write_field(sim, "ctrl", ctrl);
}

// Random applied forces: qfrc_applied and xfrc_applied (every body but the world) in ±1 N, N m.
inline void apply_random_forces(const Simulator& sim, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  auto qfrc = read_field(sim, "qfrc_applied"), xfrc = read_field(sim, "xfrc_applied");
  const int nbody = sim.model().size.nbody;
  for (float& f : qfrc) f = u(rng);
  for (size_t k = 0; k < xfrc.size(); ++k) xfrc[k] = k % (6 * nbody) < 6 ? 0.0f : u(rng);
  write_field(sim, "qfrc_applied", qfrc);
  write_field(sim, "xfrc_applied", xfrc);
}

}  // namespace lockstep::test
