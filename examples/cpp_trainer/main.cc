// A C++ trainer's use of Lockstep through the installed package (find_package(lockstep)):
// a batch of Gymnasium-v5 envs stepped with random actions, as a policy would drive them,
// reading rewards and finished episodes from the env's buffers.
//   cpp_trainer [env=Ant] [num_envs=64] [cpu|cuda] [steps=200]
// On the CPU the buffers are host memory; on the GPU they live on the device and the actions
// must be a device pointer (here: one copy per step, as a trainer's policy output would be).
#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "envs/vec_env.h"

#ifdef LOCKSTEP_HAVE_CUDA
#include <cuda_runtime.h>
#endif

int main(int argc, char** argv) {
  try {
    const std::string name = argc > 1 ? argv[1] : "Ant";
    lockstep::EnvOptions options;
    options.num_envs = argc > 2 ? std::stoi(argv[2]) : 64;
    options.device = lockstep::parse_device(argc > 3 ? argv[3] : "cpu");
    options.seed = 1;
    const int steps = argc > 4 ? std::stoi(argv[4]) : 200;
    lockstep::Env env = lockstep::make_env(name, options);
    env.reset();

    const int n = env->num_envs(), nu = env->act_dim();
    const bool gpu = env->device() == lockstep::Device::cuda;
    std::vector<float> actions(static_cast<size_t>(n) * nu), reward(n), done(n), ret(n);
    float* device_actions = nullptr;
#ifdef LOCKSTEP_HAVE_CUDA
    if (gpu && cudaMalloc(&device_actions, actions.size() * sizeof(float)) != cudaSuccess)
      throw std::runtime_error("cudaMalloc failed");
#endif
    // Copies an (n,) env buffer to the host (a plain copy on the CPU backend).
    auto fetch = [&](const float* src, std::vector<float>& dst) {
#ifdef LOCKSTEP_HAVE_CUDA
      if (gpu) {
        cudaMemcpy(dst.data(), src, dst.size() * sizeof(float), cudaMemcpyDeviceToHost);
        return;
      }
#endif
      dst.assign(src, src + dst.size());
    };

    std::mt19937 rng(0);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    double total_reward = 0, finished_return = 0;
    int finished = 0;
    for (int t = 0; t < steps; ++t) {
      for (float& a : actions) a = uniform(rng);
      const float* act = actions.data();
#ifdef LOCKSTEP_HAVE_CUDA
      if (gpu) {
        cudaMemcpy(device_actions, actions.data(), actions.size() * sizeof(float),
                   cudaMemcpyHostToDevice);
        act = device_actions;
      }
#endif
      env.step(act);
      const lockstep::EnvBuffers& b = env.buffers();
      fetch(b.reward, reward);
      fetch(b.done, done);
      fetch(b.episode_return, ret);
      for (int w = 0; w < n; ++w) {
        total_reward += reward[w];
        if (done[w] != 0) {
          ++finished;
          finished_return += ret[w];
        }
      }
    }
#ifdef LOCKSTEP_HAVE_CUDA
    if (device_actions) cudaFree(device_actions);
#endif
    std::printf("%s: %d envs x %d steps on %s, obs %d, act %d; mean reward per step %.4f; "
                "%d episodes finished, mean return %.2f\n",
                env->name().c_str(), n, steps, gpu ? "cuda" : "cpu", env->obs_dim(), nu,
                total_reward / (double(n) * steps), finished,
                finished ? finished_return / finished : 0.0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
