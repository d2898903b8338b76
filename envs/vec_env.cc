#include "envs/vec_env.h"

#include <cctype>
#include <cmath>
#include <type_traits>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "engine/mjcf.h"
#include "envs/ant.h"
#include "envs/half_cheetah.h"
#include "envs/humanoid.h"
#include "envs/reacher.h"
#include "envs/registry.h"

#ifdef LOCKSTEP_HAVE_CUDA
#include "kernels/device_memory.h"
#endif

namespace lockstep {
namespace {

// Applies Gymnasium keyword options through the task's table (Config::options); ranges come as
// NAME_min / NAME_max, booleans as 0/1.
template <class Config>
void configure(const std::string& env, Config& c, const std::map<std::string, double>& kwargs) {
  for (const auto& [key, value] : kwargs) {
    bool found = false;
    c.options([&](const char* name, auto& field) {
      if (key != name) return;
      found = true;
      using T = std::decay_t<decltype(field)>;
      if (std::is_integral_v<T> && value != std::floor(value))
        throw std::invalid_argument(env + ": keyword '" + key + "' takes an integer, got " +
                                    std::to_string(value));
      field = static_cast<T>(value);
    });
    if (!found) {
      std::string known;
      c.options([&](const char* name, auto&) { known += std::string(" ") + name; });
      throw std::invalid_argument(env + ": unknown keyword '" + key + "'; accepted:" + known);
    }
  }
  if (c.frame_skip < 1) throw std::invalid_argument(env + ": frame_skip must be >= 1");
  if (c.max_episode_steps < 1)
    throw std::invalid_argument(env + ": max_episode_steps must be >= 1");
}

// Checks the user's ranges (EnvOptions::domain_randomization) and converts them.
DomainRandomization domain_randomization(
    const std::string& env,
    const std::map<std::string, std::pair<std::vector<double>, std::vector<double>>>& ranges) {
  DomainRandomization r;
  for (const auto& [key, range] : ranges) {
    bool found = false;
    r.params([&](const char* name, ParamRange& p, int components) {
      if (key != name) return;
      found = true;
      const std::string what = env + ": domain_randomization['" + key + "']";
      const auto& [low, high] = range;
      if (static_cast<int>(low.size()) != components || static_cast<int>(high.size()) != components)
        throw std::invalid_argument(what + ": expected (low, high) with " +
                                    std::to_string(components) + " value(s) each, got " +
                                    std::to_string(low.size()) + " and " +
                                    std::to_string(high.size()));
      for (int k = 0; k < components; ++k) {
        if (!std::isfinite(low[k]) || !std::isfinite(high[k]) || low[k] > high[k])
          throw std::invalid_argument(what + ": expected finite low <= high, got (" +
                                      std::to_string(low[k]) + ", " + std::to_string(high[k]) + ")");
        p.low[k] = static_cast<float>(low[k]);
        p.high[k] = static_cast<float>(high[k]);
      }
      p.enabled = 1;
    });
    if (!found) {
      std::string known;
      r.params([&](const char* name, ParamRange&, int) { known += std::string(" ") + name; });
      throw std::invalid_argument(env + ": unknown domain_randomization parameter '" + key +
                                  "'; accepted:" + known);
    }
  }
  return r;
}

// Checks (and binds) the model-specific ids a task's config carries.
void bind(const std::string&, AntConfig& c, const Model& m) {
  if (c.main_body < 1 || c.main_body >= m.size.nbody)
    throw std::invalid_argument("Ant: main_body out of range [1, " +
                                std::to_string(m.size.nbody) + ")");
}
void bind(const std::string&, HumanoidConfig&, const Model&) {}
void bind(const std::string&, HalfCheetahConfig&, const Model&) {}
void bind(const std::string&, ReacherConfig& c, const Model& m) {
  c.fingertip_body = m.name2id("body", "fingertip");
  c.target_body = m.name2id("body", "target");
  if (c.fingertip_body < 0 || c.target_body < 0)
    throw std::invalid_argument("Reacher: the model lacks body 'fingertip' or 'target'");
}

// The project's model files: $LOCKSTEP_MODELS_DIR if set (the Python package points it at its
// own copy), else the source tree's models/ if it is still there, else the installed copy
// (share/lockstep/models).
std::string model_file(const std::string& file) {
  const char* dir = std::getenv("LOCKSTEP_MODELS_DIR");
  if (dir && *dir) return std::string(dir) + "/" + file;
  const std::string source = std::string(LOCKSTEP_MODELS_DIR) + "/" + file;
  if (std::ifstream(source).good()) return source;
  return std::string(LOCKSTEP_INSTALLED_MODELS_DIR) + "/" + file;
}

// Env bookkeeping: one zero-filled float block of (num_envs × per-env) in the simulator's
// memory space.
class BufferBlock {
 public:
  BufferBlock(size_t floats, Device device) {
#ifdef LOCKSTEP_HAVE_CUDA
    if (device == Device::cuda) {
      device_ = std::make_unique<DeviceFloats>(floats, "the env buffers");
      data_ = device_->data();
      return;
    }
#endif
    (void)device;
    host_.assign(floats, 0.0f);
    data_ = host_.data();
  }
  float* data() const { return data_; }

 private:
  std::vector<float> host_;
#ifdef LOCKSTEP_HAVE_CUDA
  std::unique_ptr<DeviceFloats> device_;
#endif
  float* data_ = nullptr;
};

template <class Task>
class TaskVecEnv final : public VecEnv {
 public:
  TaskVecEnv(std::string name, std::shared_ptr<Model> model, typename Task::Config config,
             const EnvOptions& o)
      : name_(std::move(name)), config_(config), options_(o),
        sim_(model, o.num_envs, o.device),
        obs_dim_(config.obs_dim(model->view())), act_dim_(model->size.nu),
        block_(static_cast<size_t>(o.num_envs) * (2 * obs_dim_ + 12), o.device),
        shared_{obs_dim_, act_dim_, o.seed, o.autoreset == Autoreset::same_step,
                domain_randomization(name_, o.domain_randomization)} {
    const int n = o.num_envs;
    float* p = block_.data();
    auto take = [&](int dim) { float* q = p; p += static_cast<size_t>(n) * dim; return q; };
    buffers_.obs = take(obs_dim_);
    buffers_.final_obs = take(obs_dim_);
    buffers_.reward = take(1);
    buffers_.terminated = take(1);
    buffers_.truncated = take(1);
    buffers_.done = take(1);
    buffers_.episode_return = take(1);
    buffers_.episode_length = take(1);
    buffers_.episode_index = take(1);
    buffers_.needs_reset = take(1);
    buffers_.step_count = take(1);
    buffers_.running_return = take(1);
    buffers_.action_nonfinite = take(1);
    buffers_.progress_before = take(1);
    reset(o.seed);
  }

  void reset(uint64_t seed) override {
    shared_.seed = seed;
    const ModelView m = sim_.model_view();
    const StateView s = sim_.state_view();
    if (sim_.device() == Device::cuda) {
#ifdef LOCKSTEP_HAVE_CUDA
      cuda_env_reset<Task>(m, s, config_, buffers_, shared_, sim_.stream());
#endif
      return;
    }
    const EnvBuffers b = buffers_;
    const EnvShared e = shared_;
#pragma omp parallel for schedule(static)
    for (int w = 0; w < s.num_worlds; ++w) {
      b.episode_index[w] = 0;
      env_reset_world<Task>(m, s.world(w), config_, b, w, e);
    }
  }

  void step(const float* actions) override {
    const ModelView m = sim_.model_view();
    const StateView s = sim_.state_view();
    if (sim_.device() == Device::cuda) {
#ifdef LOCKSTEP_HAVE_CUDA
      cuda_env_step<Task>(m, s, config_, buffers_, actions, shared_, sim_.stream(),
                          sim_.step_launch(), sim_.world_lanes());
#endif
      return;
    }
    for (size_t k = 0; k < static_cast<size_t>(s.num_worlds) * act_dim_; ++k)
      if (!std::isfinite(actions[k]))
        throw std::invalid_argument(name_ + ".step: action of env " +
                                    std::to_string(k / act_dim_) + " is NaN or inf (entry " +
                                    std::to_string(k % act_dim_) + ")");
    const EnvBuffers b = buffers_;
    const EnvShared e = shared_;
    if (e.same_step) {
#pragma omp parallel for schedule(static)
      for (int w = 0; w < s.num_worlds; ++w)
        env_step_world<Task, true>(m, s.world(w), config_, b, w, actions, e);
    } else {
#pragma omp parallel for schedule(static)
      for (int w = 0; w < s.num_worlds; ++w)
        env_step_world<Task, false>(m, s.world(w), config_, b, w, actions, e);
    }
  }

  const EnvBuffers& buffers() const override { return buffers_; }
  Simulator& sim() override { return sim_; }
  int obs_dim() const override { return obs_dim_; }
  int act_dim() const override { return act_dim_; }
  const std::string& name() const override { return name_; }
  int num_envs() const override { return options_.num_envs; }
  uint64_t seed() const override { return shared_.seed; }
  int max_episode_steps() const override { return config_.max_episode_steps; }
  double dt() const override { return sim_.model().opt.timestep * config_.frame_skip; }
  Device device() const override { return sim_.device(); }

 private:
  std::string name_;
  typename Task::Config config_;
  EnvOptions options_;
  Simulator sim_;
  int obs_dim_, act_dim_;
  BufferBlock block_;
  EnvBuffers buffers_{};
  EnvShared shared_;
};

template <class Task>
std::unique_ptr<VecEnv> make_task(const std::string& name, const EnvOptions& options) {
  typename Task::Config c;
  configure(name, c, options.kwargs);
  std::shared_ptr<Model> model = load_mjcf(model_file(Task::kModelFile));
  bind(name, c, *model);
  return std::make_unique<TaskVecEnv<Task>>(name, model, c, options);
}

}  // namespace

std::vector<std::string> env_names() { return {"Ant", "HalfCheetah", "Humanoid", "Reacher"}; }

Env make_env(const std::string& name, const EnvOptions& options) {
  if (options.num_envs < 1)
    throw std::invalid_argument("make_env: num_envs must be >= 1, got " +
                                std::to_string(options.num_envs));
  auto lower = [](std::string s) {  // names match case-insensitively ("Ant", "ant")
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  const std::string key = lower(name);
  if (key == "ant") return Env(make_task<Ant>("Ant", options));
  if (key == "halfcheetah") return Env(make_task<HalfCheetah>("HalfCheetah", options));
  if (key == "humanoid") return Env(make_task<Humanoid>("Humanoid", options));
  if (key == "reacher") return Env(make_task<Reacher>("Reacher", options));
  std::string known;
  for (const auto& n : env_names()) known += " " + n;
  throw std::invalid_argument("make_env: unknown environment '" + name + "'; available:" + known);
}

}  // namespace lockstep
