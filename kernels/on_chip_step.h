// The on-chip CUDA step (StepLaunch::on_chip): one launch runs n steps of every world, each
// world's whole state held in shared memory between them (kernels/on_chip_step.cu says how).
// Host code; the kernel lives in one translation unit, which the backend and the env layer call.
#pragma once

#include "engine/model.h"
#include "engine/state.h"

namespace lockstep {

// Throws std::invalid_argument, naming the sizes, if the on-chip step cannot run this model on
// the current device (a world's state and solver space exceed the shared memory a block may
// use).
void require_on_chip_fits(const ModelView& m, const StateLayout& layout);

// nstep ≥ 1 step()s of every world in one launch on `stream` (a cudaStream_t; nullptr: the
// legacy default stream). Worlds flagged in `hold` (device, one float a world; nullptr: none)
// run the steps' forward() calls but keep their state, as step(m, d, false). Throws as
// require_on_chip_fits if the model does not fit.
void launch_on_chip_step(const ModelView& m, const StateView& s, void* stream, const float* hold,
                         int nstep);

}  // namespace lockstep
