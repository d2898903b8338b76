// lockstep-bench --phases: the time of each stage of step() (engine/forward.h forward_stage,
// then integrate_step), each stage run over every world before the next starts: one launch
// per stage on the GPU, one loop over the worlds on one CPU thread. A breakdown, not the fused
// step's time: every stage reads its inputs back from the state, as the fused kernel does too.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/simulator.h"

namespace lockstep::bench {

// Stage names: forward()'s stages, then "integrator" (integrate_step: with RK4 it holds the
// three further forward() calls of the step).
std::vector<std::string> phase_names();

// Runs `steps` physics steps stage by stage, calling before_step() before each step (the
// random controls); returns the time of each stage in ns per world-step.
std::vector<double> time_phases(Simulator& sim, int steps,
                                const std::function<void()>& before_step);

#ifdef LOCKSTEP_HAVE_CUDA
// The GPU form: stage k of every world in one launch, timed with CUDA events (bench/phases.cu).
std::vector<double> time_phases_device(Simulator& sim, int steps,
                                       const std::function<void()>& before_step);
#endif

}  // namespace lockstep::bench
