#include <vector>

#include "bench/phases.h"
#include "kernels/staged_step.cuh"

namespace lockstep::bench {
namespace {

__global__ void integrate_step_kernel(const __grid_constant__ ModelView m,
                                      const __grid_constant__ StateView s) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w < s.num_worlds) integrate_step(m, s.world(w));
}

}  // namespace

std::vector<double> time_phases_device(Simulator& sim, int steps,
                                       const std::function<void()>& before_step) {
  const ModelView m = sim.model_view();
  const StateView s = sim.state_view();
  const cudaStream_t stream = static_cast<cudaStream_t>(sim.stream());
  const size_t phases = kForwardStages + 1, per_step = phases + 1;
  const int lanes_log2 = staged_lanes_log2(s.num_worlds, sim.world_lanes());
  std::vector<cudaEvent_t> events(steps * per_step);
  for (cudaEvent_t& e : events) cuda_check(cudaEventCreate(&e), "cudaEventCreate");
  for (int k = 0; k < steps; ++k) {
    before_step();
    cudaEvent_t* ev = &events[k * per_step];
    cuda_check(cudaEventRecord(ev[0], stream), "cudaEventRecord");
    for (size_t stage = 0; stage < phases; ++stage) {
      if (stage < kForwardStages) {
        launch_forward_stage(m, s, stream, static_cast<int>(stage), lanes_log2);
      } else if (m.opt.integrator != kIntRK4) {
        launch_euler_finish(m, s, stream, nullptr, lanes_log2);
      } else {
        integrate_step_kernel<<<blocks_for(s.num_worlds), kBlock, 0, stream>>>(m, s);
        cuda_check_launch("integrate_step_kernel");
      }
      cuda_check(cudaEventRecord(ev[stage + 1], stream), "cudaEventRecord");
    }
  }
  cuda_check(cudaEventSynchronize(events.back()), "cudaEventSynchronize");
  std::vector<double> ns(phases, 0.0);
  for (int k = 0; k < steps; ++k)
    for (size_t stage = 0; stage < phases; ++stage) {
      float ms = 0;
      const cudaEvent_t* ev = &events[k * per_step];
      cuda_check(cudaEventElapsedTime(&ms, ev[stage], ev[stage + 1]), "cudaEventElapsedTime");
      ns[stage] += 1e6 * ms / (double(steps) * s.num_worlds);
    }
  for (cudaEvent_t e : events) cudaEventDestroy(e);
  return ns;
}

}  // namespace lockstep::bench
