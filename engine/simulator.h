// Simulator: N worlds of one Model stepped in lockstep on a backend (CPU threads or CUDA).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/model.h"
#include "engine/state.h"

namespace lockstep {

enum class Device { cpu, cuda };

// Parses "cpu", "cuda" (or "cuda:0"); throws std::invalid_argument naming the argument.
Device parse_device(const std::string& name);
// True if this build has the CUDA backend and a CUDA device is present.
bool cuda_available();

// Where one state field lives: entry i of world w is data[w * world_stride + i * elem_stride].
struct FieldRef {
  float* data;
  int num_worlds;
  int count;                // entries per world
  long long world_stride;   // in floats
  long long elem_stride;    // in floats
  bool on_device;           // true if data is CUDA device memory
};

// How the CUDA backend runs step(n) (and env steps). staged (the default): every stage of each
// step is its own launch over all worlds, the constraint solve with a warp per world
// (kernels/staged_step.cuh; H200, Ant: 2.5-3.5× faster from 1,024 to 262,144 worlds); fused:
// one thread-per-world launch runs all n steps; on_chip: one launch runs all n steps with each
// world's state in shared memory, a warp per world (kernels/on_chip_step.cu; refused with
// std::invalid_argument where a world does not fit). Results agree to float32 rounding; the CPU
// backend ignores it.
enum class StepLaunch { staged, fused, on_chip };
// "staged" / "fused" / "on_chip", and back; false for any other name.
const char* step_launch_name(StepLaunch launch);
bool parse_step_launch(const std::string& name, StepLaunch* launch);
// True for the values Simulator::set_world_lanes takes: 0, or a power of two from 1 to 32.
bool valid_world_lanes(int lanes);

class Backend;

class Simulator {
 public:
  // num_worlds >= 1; num_threads = 0 uses every core (CPU backend only).
  Simulator(std::shared_ptr<const Model> model, int num_worlds, Device device = Device::cpu,
            int num_threads = 0);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Derived quantities (kinematics, qM, forces, qacc) from qpos, qvel, ctrl; state unchanged.
  void forward();
  // Advances every world by nstep ≥ 1 physics steps of opt.timestep (std::invalid_argument
  // otherwise).
  void step(int nstep = 1);
  // cacc, cfrc_int, cfrc_ext after the constraint solve (MuJoCo mj_rnePostConstraint), from the
  // current qvel, qacc and the derived quantities of the last forward().
  void rne_post_constraint();
  // Every world to qpos0, zero qvel/act/ctrl/applied forces, time 0, diverged 0; then
  // forward(). Per-world parameters (param_*) are kept.
  void reset();
  // Resets only the listed worlds (e.g. those flagged `diverged`); the others are untouched.
  // Throws std::invalid_argument for an id outside [0, num_worlds).
  void reset_worlds(const std::vector<int>& worlds);

  // CUDA backend: queue every later forward/step/reset on `stream` (a cudaStream_t; nullptr is
  // the legacy default stream), so a trainer can order simulation with its own kernels without
  // synchronising; that work waits (on the GPU) for what was queued on the previous stream,
  // construction included. Calls return once the work is queued. No effect on the CPU backend.
  void set_stream(void* stream);
  // The stream set by set_stream (nullptr by default and on the CPU backend).
  void* stream() const;
  void set_step_launch(StepLaunch launch);
  StepLaunch step_launch() const;
  // CUDA staged step: threads per world in the stages that split a world's loops over lanes
  // (engine/lanes.h): 1, 2, 4, 8, 16 or 32, or 0 (the default) to choose by batch size (more
  // lanes where the batch is too small to fill the GPU). Results are bitwise the same for any
  // value. Throws std::invalid_argument for another value; no effect on the CPU backend.
  void set_world_lanes(int lanes);
  // The lanes per world the staged step uses (the chosen count when set to 0; 1 on the CPU).
  int world_lanes() const;

  const Model& model() const { return *model_; }
  std::shared_ptr<const Model> model_ptr() const { return model_; }
  int num_worlds() const { return num_worlds_; }
  Device device() const { return device_; }

  // The named state field (LS_STATE_FIELDS); throws std::invalid_argument if unknown.
  FieldRef field(const std::string& name) const;
  // Σ over worlds of entry `entry` of the named field, summed in double: world_sum("diverged")
  // counts the diverged worlds, world_sum("ncon") / num_worlds() is the mean number of contacts.
  // On CUDA a Thrust reduction on stream(), which returns once the sum is on the host. Throws
  // std::invalid_argument for an unknown field or an entry outside [0, entries per world).
  double world_sum(const std::string& field, int entry = 0) const;
  static std::vector<std::string> field_names();
  StateView state_view() const;
  // The Model as the backend's kernels see it: host pointers on the CPU, device pointers on CUDA.
  ModelView model_view() const;

 private:
  std::shared_ptr<const Model> model_;
  int num_worlds_;
  Device device_;
  std::unique_ptr<Backend> backend_;
};

}  // namespace lockstep
