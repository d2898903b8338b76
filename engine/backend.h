// Backend: owns one batched state buffer and steps every world of it. The CPU backend
// (engine/simulator.cc) loops over worlds on threads; the CUDA backend (kernels/) maps a thread
// to a world. Both call the same LS_HD physics in engine/forward.h.
#pragma once

#include <memory>
#include <vector>

#include "engine/model.h"
#include "engine/simulator.h"
#include "engine/state.h"

namespace lockstep {

// A backend allocates its state once and runs default_params() in every world before anything
// else; reset() and reset_worlds() leave the per-world parameters alone.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual void forward() = 0;           // engine/forward.h forward() in every world
  virtual void step(int nstep) = 0;     // nstep × engine/forward.h step() in every world
  virtual void reset() = 0;             // reset_world() in every world, then forward()
  // reset_world() + forward() in the listed worlds only (ids validated by Simulator).
  virtual void reset_worlds(const std::vector<int>& worlds) = 0;
  virtual void rne_post_constraint() = 0;  // engine/post_constraint.h in every world
  virtual StateView view() const = 0;   // the batched buffer (host or device memory)
  virtual ModelView model_view() const = 0;  // the Model as kernels see it (device pointers on CUDA)
  virtual bool on_device() const = 0;
  // CUDA stream (a cudaStream_t) that later work is queued on; 0 is the legacy default stream.
  // The CPU backend ignores it.
  virtual void set_stream(void* stream) { (void)stream; }
  virtual void* stream() const { return nullptr; }
  // CUDA: staged, fused or on_chip step(n) (engine/simulator.h); the CPU backend runs each
  // world's step() whole and reports fused.
  virtual void set_step_launch(StepLaunch launch) { (void)launch; }
  virtual StepLaunch step_launch() const { return StepLaunch::fused; }
  // CUDA staged step: threads per world, 0 for by batch size (Simulator::set_world_lanes);
  // world_lanes() reports the count in use. The CPU backend runs a world on one thread: 1.
  virtual void set_world_lanes(int lanes) { (void)lanes; }
  virtual int world_lanes() const { return 1; }
};

std::unique_ptr<Backend> make_cpu_backend(const Model& model, int num_worlds, int num_threads);
// Defined in kernels/ when the build has CUDA; otherwise throws std::runtime_error.
std::unique_ptr<Backend> make_cuda_backend(const Model& model, int num_worlds);

}  // namespace lockstep
