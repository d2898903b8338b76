// Helpers for the C++ tests: single-world simulators and field access by name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/mjcf.h"
#include "engine/simulator.h"

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

}  // namespace lockstep::test
