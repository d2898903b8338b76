// Batched environments: N copies of a task stepped in lockstep, with Gymnasium's vector-env
// conventions (auto-reset NEXT_STEP by default, or SAME_STEP with the final observation kept).
// Buffers live where the simulator's state lives (host for Device::cpu, device for cuda); every
// array is row-major float32 with the env index first.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/simulator.h"

namespace lockstep {

enum class Autoreset { next_step, same_step };

struct EnvOptions {
  int num_envs = 1;
  Device device = Device::cpu;
  uint64_t seed = 0;
  Autoreset autoreset = Autoreset::next_step;
  // Gymnasium keyword options (e.g. "ctrl_cost_weight", "healthy_z_range_min"; booleans as 0/1;
  // also "frame_skip" and "max_episode_steps"); unknown keys raise std::invalid_argument naming
  // the key and the accepted ones.
  std::map<std::string, double> kwargs;
  // Ranges drawn uniformly at every episode reset, per world: key -> (low, high) with one value
  // each, or three for "gravity" (x, y, z). Keys: gravity [m/s^2], mass_scale, friction,
  // actuator_gain, damping (factors; envs/domain_randomization.h says what is drawn per body,
  // actuator or dof). Unknown keys, wrong counts, low > high or non-finite bounds throw
  // std::invalid_argument.
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> domain_randomization;
};

// Per-env outputs and bookkeeping, each (num_envs, dim) in the env's memory space.
struct EnvBuffers {
  float* obs;             // (N, obs_dim)
  float* final_obs;       // (N, obs_dim) SAME_STEP: observation before the auto-reset
  float* reward;          // (N,)
  float* terminated;      // (N,) 1/0
  float* truncated;       // (N,) 1/0
  float* done;            // (N,) 1/0: terminated or truncated
  float* episode_return;  // (N,) return of the current (or just finished) episode
  float* episode_length;  // (N,) steps of the current (or just finished) episode
  float* episode_index;   // (N,) episodes started by this env (keys its random stream)
  float* step_count;      // (N,) steps of the running episode
  float* running_return;  // (N,) return of the running episode
  float* needs_reset;     // (N,) NEXT_STEP: 1 if the next step() resets instead of stepping
  float* action_nonfinite;  // (N,) 1 if this step's action had a NaN/inf entry (used as 0)
  float* progress_before;   // (N,) GPU step's scratch: Task::progress before the physics
};

class VecEnv {
 public:
  virtual ~VecEnv() = default;
  // Every env to a new episode; `seed` replaces the options' seed. Outputs obs (reward etc. 0).
  virtual void reset(uint64_t seed) = 0;
  // The seed of the last reset (initially EnvOptions::seed).
  virtual uint64_t seed() const = 0;
  // actions: (num_envs, act_dim) float32 in the env's memory space. NaN/inf policy: on the CPU
  // step() throws std::invalid_argument naming the first offending env and nothing is stepped;
  // on the GPU (no host sync) a non-finite entry acts as 0 and sets action_nonfinite[env].
  // A world whose physics diverges (engine flag `diverged`) ends its episode as terminated.
  virtual void step(const float* actions) = 0;
  virtual const EnvBuffers& buffers() const = 0;
  virtual Simulator& sim() = 0;
  virtual int obs_dim() const = 0;
  virtual int act_dim() const = 0;
  virtual const std::string& name() const = 0;
  virtual int num_envs() const = 0;
  virtual int max_episode_steps() const = 0;
  virtual double dt() const = 0;  // seconds per env step
  virtual Device device() const = 0;
};

// A batched env as make_env returns it, owning its VecEnv: env.reset(), env.step(actions,
// stream), env.buffers(); every other VecEnv member through env->.
class Env {
 public:
  explicit Env(std::unique_ptr<VecEnv> impl) : impl_(std::move(impl)) {}
  // Every env to a new episode, with the current seed (EnvOptions::seed until reset(seed)).
  void reset() { impl_->reset(impl_->seed()); }
  void reset(uint64_t seed) { impl_->reset(seed); }
  void step(const float* actions) { impl_->step(actions); }
  // CUDA: this step and all later work of the env (and its sim) are queued on `stream` (a
  // cudaStream_t; nullptr: the legacy default stream), so the caller reads the buffers on that
  // stream without a host sync. Ignored on the CPU backend.
  void step(const float* actions, void* stream) {
    impl_->sim().set_stream(stream);
    impl_->step(actions);
  }
  const EnvBuffers& buffers() const { return impl_->buffers(); }
  Simulator& sim() { return impl_->sim(); }
  VecEnv* operator->() const { return impl_.get(); }
  VecEnv& operator*() const { return *impl_; }
  // Hands the VecEnv over (the Python bindings hold it this way).
  std::unique_ptr<VecEnv> take() && { return std::move(impl_); }

 private:
  std::unique_ptr<VecEnv> impl_;
};

// Available environment names.
std::vector<std::string> env_names();
// `name` matches env_names() case-insensitively. Throws std::invalid_argument for an unknown
// name or keyword.
Env make_env(const std::string& name, const EnvOptions& options);

}  // namespace lockstep
