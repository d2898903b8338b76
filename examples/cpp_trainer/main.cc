// Minimal C++ use of Lockstep: load a model, step a batch of worlds with random controls, read
// the state through FieldRef.   cpp_trainer MODEL.xml [num_worlds] [cpu|cuda]
#include <cstdio>
#include <random>
#include <string>

#include "engine/mjcf.h"
#include "engine/simulator.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.xml [num_worlds] [cpu|cuda]\n", argv[0]);
    return 2;
  }
  try {
    auto model = lockstep::load_mjcf(argv[1]);
    const int num_worlds = argc > 2 ? std::stoi(argv[2]) : 64;
    const lockstep::Device device = lockstep::parse_device(argc > 3 ? argv[3] : "cpu");
    lockstep::Simulator sim(model, num_worlds, device);
    if (device == lockstep::Device::cpu) {  // host memory: write controls directly
      const lockstep::FieldRef ctrl = sim.field("ctrl");
      std::mt19937 rng(0);
      std::uniform_real_distribution<float> u(-1, 1);
      for (int w = 0; w < ctrl.num_worlds; ++w)
        for (int a = 0; a < ctrl.count; ++a) ctrl.data[w * ctrl.world_stride + a * ctrl.elem_stride] = u(rng);
    }
    sim.step(100);
    if (device == lockstep::Device::cpu) {
      const lockstep::FieldRef time = sim.field("time");
      std::printf("%d worlds of %s stepped to t = %.3f s\n", num_worlds, model->model_name.c_str(),
                  time.data[0]);
    } else {
      std::printf("%d worlds of %s stepped on the GPU\n", num_worlds, model->model_name.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
