#include "engine/simulator.h"

#include <omp.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "engine/backend.h"
#include "engine/forward.h"
#include "engine/post_constraint.h"
#ifdef LOCKSTEP_HAVE_CUDA
#include "kernels/device_memory.h"
#endif

namespace lockstep {
namespace {

// CPU backend: world-major buffer, worlds split across OpenMP threads. Each world's data is
// contiguous, so a thread streams through its own cache lines.
class CpuBackend final : public Backend {
 public:
  CpuBackend(const Model& model, int num_worlds, int num_threads)
      : model_(model.view()), num_worlds_(num_worlds),
        num_threads_(num_threads > 0 ? num_threads : omp_get_max_threads()) {
    layout_ = StateLayout::make(model.size);
    buffer_.assign(static_cast<size_t>(layout_.per_world) * num_worlds, 0.0f);
    for_each_world([this](const Data& d) { default_params(model_, d); });
  }

  void forward() override {
    for_each_world([this](const Data& d) { lockstep::forward(model_, d); });
  }
  void step(int nstep) override {
    for_each_world([this, nstep](const Data& d) {
      for (int s = 0; s < nstep; ++s) lockstep::step(model_, d);
    });
  }
  void reset() override {
    for_each_world([this](const Data& d) {
      reset_world(model_, d);
      lockstep::forward(model_, d);
    });
  }
  void rne_post_constraint() override {
    for_each_world([this](const Data& d) { lockstep::rne_post_constraint(model_, d); });
  }
  void reset_worlds(const std::vector<int>& worlds) override {
    const StateView v = view();
    const int n = static_cast<int>(worlds.size());
#pragma omp parallel for schedule(static) num_threads(num_threads_)
    for (int k = 0; k < n; ++k) {
      const Data d = v.world(worlds[k]);
      reset_world(model_, d);
      lockstep::forward(model_, d);
    }
  }
  StateView view() const override {
    return StateView{const_cast<float*>(buffer_.data()), layout_, num_worlds_, false, nullptr};
  }
  ModelView model_view() const override { return model_; }
  bool on_device() const override { return false; }

 private:
  template <class F>
  void for_each_world(F f) {
    const StateView v = view();
#pragma omp parallel for schedule(static) num_threads(num_threads_)
    for (int w = 0; w < num_worlds_; ++w) f(v.world(w));
  }

  ModelView model_;
  int num_worlds_;
  int num_threads_;
  StateLayout layout_;
  std::vector<float> buffer_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const Model& model, int num_worlds, int num_threads) {
  return std::make_unique<CpuBackend>(model, num_worlds, num_threads);
}

#ifndef LOCKSTEP_HAVE_CUDA
std::unique_ptr<Backend> make_cuda_backend(const Model&, int) {
  throw std::runtime_error(
      "device='cuda' requested, but this build of Lockstep has no CUDA backend (configure with "
      "nvcc available, LOCKSTEP_CUDA=AUTO or ON)");
}
bool cuda_available() { return false; }
#endif

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::cpu;
  if (name == "cuda" || name == "cuda:0") return Device::cuda;
  throw std::invalid_argument("device: expected 'cpu' or 'cuda' (or 'cuda:0'), got '" + name + "'");
}

Simulator::Simulator(std::shared_ptr<const Model> model, int num_worlds, Device device,
                     int num_threads)
    : model_(std::move(model)), num_worlds_(num_worlds), device_(device) {
  if (!model_) throw std::invalid_argument("Simulator: model is null");
  if (num_worlds < 1)
    throw std::invalid_argument("Simulator: num_worlds must be >= 1, got " +
                                std::to_string(num_worlds));
  if (num_threads < 0)
    throw std::invalid_argument("Simulator: num_threads must be >= 0 (0: all cores), got " +
                                std::to_string(num_threads));
  // The CUDA state strides a field's entries by num_worlds floats, held in bytes as an int (Arr).
  constexpr int kMaxCudaWorlds = std::numeric_limits<int>::max() / static_cast<int>(sizeof(float));
  if (device == Device::cuda && num_worlds > kMaxCudaWorlds)
    throw std::invalid_argument("Simulator: num_worlds must be <= " +
                                std::to_string(kMaxCudaWorlds) + " on CUDA, got " +
                                std::to_string(num_worlds));
  // The state's solver scratch is sized for the solver the model compiled to (Sizes).
  const Sizes& size = model_->size;
  if (uses_pgs(model_->opt) && size.nefc_scratch < size.nefc_max * (size.nv + 3))
    throw std::invalid_argument(
        "Simulator: model.opt.solver was changed to PGS after compiling; its state sizes are "
        "Newton's (nefc_scratch): compile the model with solver=\"PGS\" instead");
  backend_ = device == Device::cuda ? make_cuda_backend(*model_, num_worlds)
                                    : make_cpu_backend(*model_, num_worlds, num_threads);
  backend_->reset();
}

Simulator::~Simulator() = default;

void Simulator::forward() { backend_->forward(); }

void Simulator::set_stream(void* stream) { backend_->set_stream(stream); }
void* Simulator::stream() const { return backend_->stream(); }
const char* step_launch_name(StepLaunch launch) {
  switch (launch) {
    case StepLaunch::fused: return "fused";
    case StepLaunch::on_chip: return "on_chip";
    default: return "staged";
  }
}
bool parse_step_launch(const std::string& name, StepLaunch* launch) {
  for (StepLaunch l : {StepLaunch::staged, StepLaunch::fused, StepLaunch::on_chip})
    if (name == step_launch_name(l)) {
      *launch = l;
      return true;
    }
  return false;
}

void Simulator::set_step_launch(StepLaunch launch) { backend_->set_step_launch(launch); }
StepLaunch Simulator::step_launch() const { return backend_->step_launch(); }

bool valid_world_lanes(int lanes) {
  return lanes >= 0 && lanes <= 32 && (lanes & (lanes - 1)) == 0;
}

void Simulator::set_world_lanes(int lanes) {
  if (!valid_world_lanes(lanes))
    throw std::invalid_argument("set_world_lanes: expected 0 (by batch size) or a power of two "
                                "from 1 to 32, got " + std::to_string(lanes));
  backend_->set_world_lanes(lanes);
}
int Simulator::world_lanes() const { return backend_->world_lanes(); }

void Simulator::step(int nstep) {
  if (nstep < 1)
    throw std::invalid_argument("step: nstep must be >= 1, got " + std::to_string(nstep));
  backend_->step(nstep);
}

void Simulator::reset() { backend_->reset(); }

void Simulator::rne_post_constraint() { backend_->rne_post_constraint(); }

void Simulator::reset_worlds(const std::vector<int>& worlds) {
  for (int w : worlds)
    if (w < 0 || w >= num_worlds_)
      throw std::invalid_argument("reset_worlds: world id " + std::to_string(w) +
                                  " is outside [0, " + std::to_string(num_worlds_) + ")");
  if (!worlds.empty()) backend_->reset_worlds(worlds);
}

StateView Simulator::state_view() const { return backend_->view(); }

ModelView Simulator::model_view() const { return backend_->model_view(); }

std::vector<std::string> Simulator::field_names() {
  return {
#define LS_X(name, count, comment) #name,
      LS_STATE_FIELDS(LS_X)
#undef LS_X
  };
}

FieldRef Simulator::field(const std::string& name) const {
  const StateView v = backend_->view();
  const long long n = v.num_worlds;
#define LS_X(fname, count, comment)                                                      \
  if (name == #fname) {                                                                  \
    const int size = v.layout.fname##_size;                                              \
    float* base = v.base + static_cast<long long>(v.layout.fname##_off) * n;              \
    return v.world_fastest ? FieldRef{base, v.num_worlds, size, 1, n, backend_->on_device()} \
                           : FieldRef{base, v.num_worlds, size, size, 1, backend_->on_device()}; \
  }
  LS_STATE_FIELDS(LS_X)
#undef LS_X
  throw std::invalid_argument("Simulator: no state field named '" + name + "'");
}

double Simulator::world_sum(const std::string& name, int entry) const {
  const FieldRef f = field(name);
  if (entry < 0 || entry >= f.count)
    throw std::invalid_argument("world_sum: entry " + std::to_string(entry) + " of '" + name +
                                "' is outside [0, " + std::to_string(f.count) + ")");
  const float* first = f.data + entry * f.elem_stride;
#ifdef LOCKSTEP_HAVE_CUDA
  if (f.on_device) return device_strided_sum(first, f.num_worlds, f.world_stride, stream());
#endif
  double sum = 0;
  for (long long w = 0; w < f.num_worlds; ++w) sum += first[w * f.world_stride];
  return sum;
}

}  // namespace lockstep
