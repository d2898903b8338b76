#include "bench/phases.h"

#include <chrono>

#include "engine/forward.h"

namespace lockstep::bench {

using Clock = std::chrono::steady_clock;

std::vector<std::string> phase_names() {
  std::vector<std::string> names(kForwardStageNames, kForwardStageNames + kForwardStages);
  names.push_back("integrator");
  return names;
}

std::vector<double> time_phases(Simulator& sim, int steps,
                                const std::function<void()>& before_step) {
#ifdef LOCKSTEP_HAVE_CUDA
  if (sim.device() == Device::cuda) return time_phases_device(sim, steps, before_step);
#endif
  const ModelView m = sim.model_view();
  const StateView s = sim.state_view();
  std::vector<double> seconds(kForwardStages + 1, 0.0);
  for (int k = 0; k < steps; ++k) {
    before_step();
    for (int stage = 0; stage <= kForwardStages; ++stage) {
      const auto t0 = Clock::now();
      for (int w = 0; w < s.num_worlds; ++w) {
        if (stage < kForwardStages) forward_stage(m, s.world(w), stage);
        else integrate_step(m, s.world(w));
      }
      seconds[stage] += std::chrono::duration<double>(Clock::now() - t0).count();
    }
  }
  std::vector<double> ns;
  for (double t : seconds) ns.push_back(1e9 * t / (double(steps) * s.num_worlds));
  return ns;
}

}  // namespace lockstep::bench
