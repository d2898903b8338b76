// lockstep-bench: physics and env-equivalent steps per second by batch size.
//
//   lockstep-bench --model ant --num-worlds 1024,4096,16384 --substeps 5 --json ant.json
//
// Per batch size: one Simulator, warm-up (--warmup simulated seconds, to a settled state), then
// --repeats timed runs of --steps env steps (each: random controls generated where the state
// lives, then --substeps physics steps: on CUDA a launch per stage of each step, or one launch
// for all, thread-per-world or on chip, as --launch says; staged by default), timed with CUDA
// events on the GPU and a steady clock on the CPU; the median is reported. --phases adds each
// stage's time (bench/phases.h).
// "GB/s" divides the state's footprint (every float of a world's state read and written once,
// 2·4·floats_per_world) by the step time, set beside the device's measured copy bandwidth. It is
// a model, not measured traffic: a step leaves most constraint-row slots untouched and reloads
// some intermediates from memory (ncu measured Ant's DRAM traffic at half the footprint,
// bench/RESULTS.md, 2026-12-04, eighth session). "iters", "ncon" and "nefc"
// are world means after the last timed step: constraint-solver iterations, active contacts and
// active constraint rows (what the solver's cost scales with); "launch" is the step launches the
// row used, with the staged step's threads per world ("staged/4"; --lanes, engine/lanes.h).
#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/phases.h"
#include "bench/random_ctrl.h"
#include "engine/mjcf.h"
#include "engine/simulator.h"
#include "envs/vec_env.h"

#ifdef LOCKSTEP_HAVE_CUDA
#include <cuda_runtime.h>

#include "kernels/cuda_check.cuh"
#include "kernels/device_memory.h"
#endif

namespace lockstep::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string model = "ant";
  std::vector<int> num_worlds = {1024, 4096, 16384, 65536};
  int steps = 100;
  int substeps = 5;
  std::string integrator = "model";
  std::string device = "auto";
  int repeats = 5;
  double warmup = 1.0;  // simulated seconds before timing (--warmup)
  bool phases = false;  // --phases: time each stage of step() too
  std::string json;
  std::string env;  // non-empty: time lockstep::make_env(env) steps (obs, reward, auto-reset)
  Autoreset autoreset = Autoreset::next_step;  // --autoreset, with --env
  StepLaunch launch = StepLaunch::staged;  // --launch: the CUDA step's launches
  int lanes = 0;  // --lanes: threads per world in the staged step (0: by batch size)
  std::string command_line;
};

// The usage text: on stdout with exit status 0 for --help, else after `error` on stderr with 2.
[[noreturn]] void usage(const std::string& error) {
  std::FILE* out = error.empty() ? stdout : stderr;
  if (!error.empty()) std::fprintf(out, "error: %s\n", error.c_str());
  std::fprintf(out,
               "usage: lockstep-bench [--model NAME|PATH] [--num-worlds N1,N2,...] [--steps N]\n"
               "                      [--substeps K] [--integrator euler|rk4|model]\n"
               "                      [--device cpu|cuda|auto] [--repeats R] [--json FILE]\n"
               "                      [--env NAME]  (time the env layer: obs, reward, reset)\n"
               "                      [--autoreset next_step|same_step]  (with --env)\n"
               "                      [--launch staged|fused|on_chip]  (CUDA; staged)\n"
               "                      [--lanes auto|1|2|4|8|16|32]  (threads per world, staged)\n"
               "                      [--warmup SECONDS]  (simulated time before timing; 1)\n"
               "                      [--phases]  (also time each stage of step(); not --env)\n"
               "  NAME: ant, humanoid, half_cheetah, hopper, walker2d, reacher\n");
  std::exit(error.empty() ? 0 : 2);
}

int parse_positive(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 1 || v > (1 << 30))
    usage(flag + " expects a positive integer, got '" + text + "'");
  return static_cast<int>(v);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 0; i < argc; ++i) o.command_line += (i ? " " : "") + std::string(argv[i]);
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") usage("");
    if (flag == "--phases") {
      o.phases = true;
      continue;
    }
    if (i + 1 >= argc) usage(flag + " needs a value");
    const std::string value = argv[++i];
    if (flag == "--model") o.model = value;
    else if (flag == "--steps") o.steps = parse_positive(flag, value);
    else if (flag == "--substeps") o.substeps = parse_positive(flag, value);
    else if (flag == "--repeats") o.repeats = parse_positive(flag, value);
    else if (flag == "--json") o.json = value;
    else if (flag == "--warmup") {
      char* end = nullptr;
      o.warmup = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(o.warmup >= 0 && o.warmup <= 1e4))
        usage("--warmup expects simulated seconds in [0, 10000], got '" + value + "'");
    }
    else if (flag == "--env") o.env = value;
    else if (flag == "--launch") {
      if (!parse_step_launch(value, &o.launch))
        usage("--launch expects staged, fused or on_chip, got '" + value + "'");
    }
    else if (flag == "--lanes") {
      o.lanes = value == "auto" ? 0 : parse_positive(flag, value);
      if (!valid_world_lanes(o.lanes))
        usage("--lanes expects auto or a power of two from 1 to 32, got '" + value + "'");
    }
    else if (flag == "--autoreset") {
      if (value != "next_step" && value != "same_step")
        usage("--autoreset expects next_step or same_step, got '" + value + "'");
      o.autoreset = value == "same_step" ? Autoreset::same_step : Autoreset::next_step;
    }
    else if (flag == "--integrator") {
      if (value != "euler" && value != "rk4" && value != "model")
        usage("--integrator expects euler, rk4 or model, got '" + value + "'");
      o.integrator = value;
    } else if (flag == "--device") {
      if (value != "cpu" && value != "cuda" && value != "auto")
        usage("--device expects cpu, cuda or auto, got '" + value + "'");
      o.device = value;
    } else if (flag == "--num-worlds") {
      o.num_worlds.clear();
      std::stringstream ss(value);
      std::string item;
      while (std::getline(ss, item, ',')) o.num_worlds.push_back(parse_positive(flag, item));
      if (o.num_worlds.empty()) usage("--num-worlds expects a comma-separated list");
    } else {
      usage("unknown option '" + flag + "'");
    }
  }
  return o;
}

// A built-in name resolves to the project's models/NAME.xml, else ../shared/models/gymnasium.
std::string model_path(const std::string& name) {
  if (name.find('/') != std::string::npos || name.find(".xml") != std::string::npos) return name;
  for (const std::string dir : {std::string(LOCKSTEP_SOURCE_DIR) + "/models/",
                                std::string(LOCKSTEP_SOURCE_DIR) + "/../shared/models/gymnasium/"}) {
    const std::string path = dir + name + ".xml";
    if (std::ifstream(path).good()) return path;
  }
  usage("no built-in model '" + name + "' (looked in models/ and ../shared/models/gymnasium/)");
}

std::string cpu_name() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "CPU";
}

struct Row {
  int worlds;
  double seconds;  // median time of `steps` env steps
  double env_sps, physics_sps, ns_per_world_step, gbps;
  double solver_iterations, contacts, constraint_rows;  // world means after the last step
  std::vector<double> phases;  // --phases: ns per world-step of each stage (phase_names())
  std::string launch;          // the step launches used: staged, fused or on_chip (CPU: fused)
};

// Times R repeats of `steps` env steps; returns the median in seconds. Physics alone
// (random ctrl, then --substeps steps), or with --env the env layer (random actions, then one
// VecEnv::step: frame_skip physics steps, observation, reward, termination, auto-reset).
class Runner {
 public:
  Runner(std::shared_ptr<const Model> model, int worlds, Device device, const Options& o)
      : o_(o) {
    if (o.env.empty()) {
      own_sim_ = std::make_unique<Simulator>(model, worlds, device);
    } else {
      EnvOptions eo;
      eo.num_envs = worlds;
      eo.device = device;
      eo.autoreset = o.autoreset;
      env_ = make_env(o.env, eo).take();
    }
    sim().set_step_launch(o.launch);
    sim().set_world_lanes(o.lanes);
    std::vector<float> range(2 * model->size.nu);
    for (int a = 0; a < model->size.nu; ++a) {
      const bool limited = model->actuator_ctrllimited[a] != 0;
      range[2 * a] = limited ? model->actuator_ctrlrange[2 * a] : -1.0f;
      range[2 * a + 1] = limited ? model->actuator_ctrlrange[2 * a + 1] : 1.0f;
    }
    range_host_ = range;
    const size_t nact = static_cast<size_t>(worlds) * model->size.nu;
    actions_host_.assign(nact, 0.0f);
    float* actions = actions_host_.data();
#ifdef LOCKSTEP_HAVE_CUDA
    if (device == Device::cuda && nact) {
      range_device_ = std::make_unique<DeviceFloats>(range.size(), "the bench's control ranges");
      cuda_check(cudaMemcpy(range_device_->data(), range.data(), range.size() * sizeof(float),
                            cudaMemcpyHostToDevice), "cudaMemcpy");
      actions_device_ = std::make_unique<DeviceFloats>(nact, "the bench's actions");
      actions = actions_device_->data();
    }
#endif
    actions_ = FieldRef{actions, worlds, model->size.nu, model->size.nu, 1, device == Device::cuda};
  }

  Simulator& sim() { return env_ ? env_->sim() : *own_sim_; }

  // New random controls (or actions, with --env) for the next step.
  void random_controls() {
    const FieldRef target = env_ ? actions_ : sim().field("ctrl");
#ifdef LOCKSTEP_HAVE_CUDA
    const float* range = target.on_device ? range_device_->data() : range_host_.data();
#else
    const float* range = range_host_.data();
#endif
    if (target.count) random_ctrl(target, range, 1, step_);
    ++step_;
  }
  void env_steps(int n) {
    for (int k = 0; k < n; ++k) {
      random_controls();
      if (env_) env_->step(actions_.data);
      else sim().step(o_.substeps);
    }
  }
  void sync() {
#ifdef LOCKSTEP_HAVE_CUDA
    if (sim().device() == Device::cuda) cuda_check(cudaDeviceSynchronize(), "synchronize");
#endif
  }
  double time_once() {
#ifdef LOCKSTEP_HAVE_CUDA
    if (sim().device() == Device::cuda) {
      cudaEvent_t start, stop;
      cuda_check(cudaEventCreate(&start), "cudaEventCreate");
      cuda_check(cudaEventCreate(&stop), "cudaEventCreate");
      cuda_check(cudaEventRecord(start), "cudaEventRecord");
      env_steps(o_.steps);
      cuda_check(cudaEventRecord(stop), "cudaEventRecord");
      cuda_check(cudaEventSynchronize(stop), "cudaEventSynchronize");
      float ms = 0;
      cuda_check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
      cudaEventDestroy(start);
      cudaEventDestroy(stop);
      return ms * 1e-3;
    }
#endif
    const auto t0 = Clock::now();
    env_steps(o_.steps);
    return std::chrono::duration<double>(Clock::now() - t0).count();
  }
  // Mean over worlds of a one-entry state field (solver_niter, ncon, nefc) as it stands now.
  double world_mean(const char* name) { return sim().world_sum(name) / sim().num_worlds(); }
  double median(int repeats) {
    std::vector<double> t;
    for (int r = 0; r < repeats; ++r) t.push_back(time_once());
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
  }

 private:
  const Options& o_;
  std::unique_ptr<Simulator> own_sim_;
  std::unique_ptr<VecEnv> env_;
  std::vector<float> range_host_, actions_host_;
#ifdef LOCKSTEP_HAVE_CUDA
  std::unique_ptr<DeviceFloats> range_device_, actions_device_;
#endif
  FieldRef actions_{};
  uint64_t step_ = 0;
};

// Device-to-device copy bandwidth [GB/s], bytes read plus written, median of 5.
double copy_bandwidth_gbps() {
#ifdef LOCKSTEP_HAVE_CUDA
  const size_t bytes = size_t(1) << 30;
  const DeviceFloats source(bytes / sizeof(float), "the copy-bandwidth source");
  const DeviceFloats target(bytes / sizeof(float), "the copy-bandwidth target");
  float *a = source.data(), *b = target.data();
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  std::vector<double> t;
  for (int r = 0; r < 6; ++r) {
    cudaEventRecord(start);
    cuda_check(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpy D2D");
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    if (r) t.push_back(ms * 1e-3);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(t.begin(), t.end());
  return 2.0 * bytes / t[t.size() / 2] / 1e9;
#else
  return 0;
#endif
}

// Each stage's share of the summed stage times, beside the whole step's time as timed above.
void print_phases(const Row& r, bool gpu) {
  const std::vector<std::string> names = phase_names();
  double sum = 0;
  for (double t : r.phases) sum += t;
  std::printf("  stages of step(), each over every world before the next (%s), ns/world-step:\n",
              gpu ? "one launch each" : "one CPU thread");
  for (size_t k = 0; k < names.size(); ++k)
    std::printf("    %-16s %10.2f %6.1f%%\n", names[k].c_str(), r.phases[k],
                100 * r.phases[k] / sum);
  std::printf("    %-16s %10.2f (step as timed: %.2f)\n", "sum", sum, r.ns_per_world_step);
}

// A JSON string literal: quotes, backslashes and control characters escaped.
std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char ch : text) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

int run(Options o, Clock::time_point process_start) {
  std::string path;
  std::shared_ptr<Model> model;
  if (!o.env.empty()) {
    // The env's own model and options (its integrator, frame_skip) are what is timed.
    if (o.integrator != "model") usage("--integrator does not apply to --env (the env's model decides)");
    if (o.phases) usage("--phases times physics stages: use --model, not --env");
    EnvOptions probe;
    const Env env = make_env(o.env, probe);
    o.substeps = static_cast<int>(std::lround(env->dt() / env->sim().model().opt.timestep));
    model = std::make_shared<Model>(env->sim().model());
    path = "the model of env " + o.env;
  } else {
    path = model_path(o.model);
    model = load_mjcf(path);
  }
  if (o.integrator == "euler") model->opt.integrator = kIntEuler;
  if (o.integrator == "rk4") model->opt.integrator = kIntRK4;
  Device device = Device::cpu;
  if (o.device == "cuda" || (o.device == "auto" && cuda_available())) device = Device::cuda;

  std::string device_name = cpu_name() + " (" + std::to_string(std::thread::hardware_concurrency()) +
                            " threads)";
  double copy_gbps = 0;
#ifdef LOCKSTEP_HAVE_CUDA
  if (device == Device::cuda) {
    cudaDeviceProp prop;
    cuda_check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    device_name = prop.name;
  }
#endif

  // Time to the first completed step: load, compile, allocate, step once. No JIT.
  double first_step_s;
  {
    Runner first(model, o.num_worlds.front(), device, o);
    first.env_steps(1);
    first.sync();
    first_step_s = std::chrono::duration<double>(Clock::now() - process_start).count();
  }
  if (device == Device::cuda) copy_gbps = copy_bandwidth_gbps();

  const StateLayout layout = StateLayout::make(model->size);
  const double bytes_per_world_step = 2.0 * 4.0 * layout.per_world;
  const char* integ = model->opt.integrator == kIntRK4 ? "RK4" : "Euler";
  std::printf("model %s (%s, nq=%d nv=%d nu=%d ncon_max=%d nefc_max=%d, %s, dt=%g s)\n",
              model->model_name.c_str(), path.c_str(), model->size.nq, model->size.nv,
              model->size.nu, model->size.ncon_max, model->size.nefc_max, integ,
              model->opt.timestep);
  std::printf("device %s · first step after %.2f s", device_name.c_str(), first_step_s);
  if (copy_gbps > 0) std::printf(" · copy bandwidth %.0f GB/s", copy_gbps);
  std::printf("\n");
  if (!o.env.empty())
    std::printf("env %s: observation, reward, termination and auto-reset (%s) included\n",
                o.env.c_str(), o.autoreset == Autoreset::same_step ? "same_step" : "next_step");
  if (device == Device::cuda)
    std::printf("step launches: %s\n", step_launch_name(o.launch));
  // Warm-up to a settled state: a Humanoid released standing takes ~1 s of random controls to
  // fall, and its first steps cost a quarter of what it costs lying on the floor.
  const double env_dt = o.substeps * model->opt.timestep;
  const int warmup_steps = std::max(3, static_cast<int>(std::ceil(o.warmup / env_dt)));
  std::printf("warm-up %d env steps (%.2f s simulated), then %d env steps x %d substeps per "
              "repeat, median of %d\n", warmup_steps, warmup_steps * env_dt, o.steps, o.substeps,
              o.repeats);
  std::printf("%10s %14s %16s %14s %10s %8s %8s %8s  %s\n", "worlds", "env steps/s",
              "physics steps/s", "ns/world-step", "GB/s", "iters", "ncon", "nefc", "launch");

  std::vector<Row> rows;
  for (int n : o.num_worlds) {
    Runner runner(model, n, device, o);
    runner.env_steps(warmup_steps);
    runner.sync();
    const double t = runner.median(o.repeats);
    Row r;
    r.worlds = n;
    r.seconds = t;
    r.env_sps = double(n) * o.steps / t;
    r.physics_sps = r.env_sps * o.substeps;
    r.ns_per_world_step = 1e9 / r.physics_sps;
    r.gbps = bytes_per_world_step * r.physics_sps / 1e9;
    r.solver_iterations = runner.world_mean("solver_niter");
    r.contacts = runner.world_mean("ncon");
    r.constraint_rows = runner.world_mean("nefc");
    r.launch = step_launch_name(runner.sim().step_launch());
    if (device == Device::cuda && runner.sim().step_launch() == StepLaunch::staged)
      r.launch += "/" + std::to_string(runner.sim().world_lanes());
    std::printf("%10d %14.3e %16.3e %14.2f %10.1f %8.2f %8.2f %8.2f  %s\n", n, r.env_sps,
                r.physics_sps, r.ns_per_world_step, r.gbps, r.solver_iterations, r.contacts,
                r.constraint_rows, r.launch.c_str());
    if (o.phases) {
      r.phases = time_phases(runner.sim(), o.steps * o.substeps, [&] { runner.random_controls(); });
      print_phases(r, device == Device::cuda);
    }
    rows.push_back(r);
    std::fflush(stdout);
  }

  if (!o.json.empty()) {
    std::ofstream f(o.json);
    if (!f) throw std::runtime_error("--json: cannot write '" + o.json + "'");
    f << "{\n  \"command\": " << json_string(o.command_line) << ",\n  \"model\": "
      << json_string(path) << ",\n  \"model_name\": " << json_string(model->model_name)
      << ",\n  \"env\": " << json_string(o.env)
      << ",\n  \"launch\": " << json_string(step_launch_name(o.launch))
      << ",\n  \"autoreset\": \""
      << (o.autoreset == Autoreset::same_step ? "same_step" : "next_step")
      << "\",\n  \"integrator\": \"" << integ
      << "\",\n  \"timestep\": " << model->opt.timestep
      << ",\n  \"device\": " << json_string(device_name) << ",\n  \"copy_bandwidth_gbps\": " << copy_gbps
      << ",\n  \"first_step_seconds\": " << first_step_s
      << ",\n  \"warmup_env_steps\": " << warmup_steps << ",\n  \"steps\": " << o.steps
      << ",\n  \"substeps\": " << o.substeps << ",\n  \"repeats\": " << o.repeats
      << ",\n  \"bytes_per_world_step\": " << bytes_per_world_step << ",\n  \"rows\": [\n";
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      f << "    {\"worlds\": " << r.worlds << ", \"seconds\": " << r.seconds
        << ", \"env_steps_per_s\": " << r.env_sps << ", \"physics_steps_per_s\": "
        << r.physics_sps << ", \"ns_per_world_step\": " << r.ns_per_world_step
        << ", \"gbps\": " << r.gbps << ", \"solver_iterations\": " << r.solver_iterations
        << ", \"contacts\": " << r.contacts << ", \"constraint_rows\": " << r.constraint_rows
        << ", \"launch\": " << json_string(r.launch);
      if (!r.phases.empty()) {
        f << ", \"phases_ns_per_world_step\": {";
        for (size_t k = 0; k < r.phases.size(); ++k)
          f << (k ? ", " : "") << json_string(phase_names()[k]) << ": " << r.phases[k];
        f << "}";
      }
      f << "}" << (i + 1 < rows.size() ? "," : "") << "\n";
    }
    f << "  ]\n}\n";
  }
  return 0;
}

}  // namespace
}  // namespace lockstep::bench

int main(int argc, char** argv) {
  const auto start = lockstep::bench::Clock::now();
  const lockstep::bench::Options options = lockstep::bench::parse(argc, argv);
  try {
    return lockstep::bench::run(options, start);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lockstep-bench: %s\n", e.what());
    return 1;
  }
}
