// The C++ env API (envs/vec_env.h): make_env, reset, step, auto-reset, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "envs/vec_env.h"

namespace lockstep {
namespace {

TEST(Env, AntStepsAndAutoResets) {
  EnvOptions o;
  o.num_envs = 4;
  o.seed = 3;
  o.kwargs = {{"max_episode_steps", 2}, {"terminate_when_unhealthy", 0}};
  auto env = make_env("Ant", o);
  ASSERT_EQ(env->obs_dim(), 105);
  ASSERT_EQ(env->act_dim(), 8);
  EXPECT_NEAR(env->dt(), 0.05, 1e-8);  // float32 timestep × frame_skip
  std::vector<float> actions(4 * 8, 0.5f);
  env->step(actions.data());
  env->step(actions.data());
  const EnvBuffers& b = env->buffers();
  for (int w = 0; w < 4; ++w) {
    EXPECT_EQ(b.truncated[w], 1.0f);
    EXPECT_EQ(b.episode_length[w], 2.0f);
    EXPECT_TRUE(std::isfinite(b.reward[w]));
  }
  env->step(actions.data());  // NEXT_STEP: this step resets
  for (int w = 0; w < 4; ++w) {
    EXPECT_EQ(b.reward[w], 0.0f);
    EXPECT_EQ(b.episode_length[w], 0.0f);
  }
}

TEST(Env, TrainerStoryAsWritten) {
  // ../shared/USER_STORIES.md, "The C++ trainer", on the CPU backend (the stream is ignored).
  auto env = lockstep::make_env("Humanoid", {.num_envs = 8, .device = lockstep::Device::cpu, .seed = 1});
  env.reset();
  std::vector<float> obs_seed1(env.buffers().obs, env.buffers().obs + 8 * env->obs_dim());
  std::vector<float> actions(8 * env->act_dim(), 0.1f);
  void* stream = nullptr;
  env.step(actions.data(), stream);
  EXPECT_EQ(env.buffers().episode_length[0], 1.0f);
  EXPECT_TRUE(std::isfinite(env.buffers().reward[7]));
  // reset() is reset(options.seed): the same first observations as an explicit reset(1)
  auto other = make_env("Humanoid", {.num_envs = 8, .device = Device::cpu, .seed = 5});
  other.reset(1);
  EXPECT_EQ(other->seed(), 1u);
  for (size_t k = 0; k < obs_seed1.size(); ++k) ASSERT_EQ(other.buffers().obs[k], obs_seed1[k]);
}

TEST(Env, NonFiniteActionsAreRejectedOnTheCpu) {
  EnvOptions o;
  o.num_envs = 2;
  auto env = make_env("Ant", o);
  std::vector<float> actions(16, 0.0f);
  actions[8 + 3] = std::nanf("");  // env 1
  try {
    env->step(actions.data());
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("env 1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(env->buffers().episode_length[0], 0.0f);  // nothing was stepped
}

TEST(Env, EveryEnvHasGymnasiumsSizes) {
  struct Expect { const char* name; int obs, act, max_steps; double dt; };
  for (const Expect& x : {Expect{"Ant", 105, 8, 1000, 0.05}, Expect{"Humanoid", 348, 17, 1000, 0.015},
                          Expect{"HalfCheetah", 17, 6, 1000, 0.05}, Expect{"Reacher", 10, 2, 50, 0.02}}) {
    EnvOptions o;
    o.num_envs = 3;
    auto env = make_env(x.name, o);
    EXPECT_EQ(env->obs_dim(), x.obs) << x.name;
    EXPECT_EQ(env->act_dim(), x.act) << x.name;
    EXPECT_EQ(env->max_episode_steps(), x.max_steps) << x.name;
    EXPECT_NEAR(env->dt(), x.dt, 1e-6) << x.name;
    std::vector<float> actions(3 * x.act, 0.1f);
    for (int t = 0; t < 3; ++t) env->step(actions.data());
    for (int k = 0; k < 3 * x.obs; ++k) ASSERT_TRUE(std::isfinite(env->buffers().obs[k])) << x.name;
  }
  EXPECT_EQ(env_names().size(), 4u);
}

TEST(Env, KeywordsChangeTheSpec) {
  EnvOptions o;
  o.kwargs = {{"include_cfrc_ext_in_observation", 0}, {"exclude_current_positions_from_observation", 0}};
  EXPECT_EQ(make_env("ant", o)->obs_dim(), 29);
  o.kwargs = {{"include_cinert_in_observation", 0}, {"include_cvel_in_observation", 0}};
  EXPECT_EQ(make_env("Humanoid", o)->obs_dim(), 348 - 130 - 78);
  o.kwargs = {{"frame_skip", 1.5}};
  EXPECT_THROW(make_env("HalfCheetah", o), std::invalid_argument);
  o.kwargs = {{"healthy_reward", 1.0}};
  EXPECT_THROW(make_env("Reacher", o), std::invalid_argument);  // not a Reacher keyword
}

TEST(Env, UnknownNameOrKeywordIsAnError) {
  EXPECT_THROW(make_env("Antt", EnvOptions{}), std::invalid_argument);
  EnvOptions o;
  o.kwargs = {{"ctrl_cost", 1.0}};
  EXPECT_THROW(make_env("Ant", o), std::invalid_argument);
  o.kwargs.clear();
  o.num_envs = 0;
  EXPECT_THROW(make_env("Ant", o), std::invalid_argument);
}

TEST(Env, DomainRandomizationDrawsEveryResetWithinTheRanges) {
  EnvOptions o;
  o.num_envs = 32;
  o.kwargs = {{"max_episode_steps", 1}};
  o.domain_randomization = {{"friction", {{0.5}, {1.5}}},
                            {"gravity", {{0, 0, -11}, {0, 0, -9}}}};
  auto env = make_env("HalfCheetah", o);
  const FieldRef friction = env->sim().field("param_friction");
  const FieldRef gravity = env->sim().field("param_gravity");
  auto snapshot = [&] {
    std::vector<float> f;
    for (int w = 0; w < 32; ++w) f.push_back(friction.data[w * friction.world_stride]);
    return f;
  };
  const std::vector<float> first = snapshot();
  for (int w = 0; w < 32; ++w) {
    EXPECT_GE(first[w], 0.5f);
    EXPECT_LE(first[w], 1.5f);
    const float* g = gravity.data + w * gravity.world_stride;
    EXPECT_EQ(g[0], 0.0f);
    EXPECT_GE(g[2], -11.0f);
    EXPECT_LE(g[2], -9.0f);
  }
  std::vector<float> actions(32 * 6, 0.0f);
  env->step(actions.data());  // truncates
  env->step(actions.data());  // resets: new draws
  const std::vector<float> second = snapshot();
  for (int w = 0; w < 32; ++w) EXPECT_NE(first[w], second[w]);
}

TEST(Env, BadDomainRandomizationIsAnError) {
  EnvOptions o;
  o.domain_randomization = {{"mass", {{0.5}, {1.5}}}};
  EXPECT_THROW(make_env("Ant", o), std::invalid_argument);
  o.domain_randomization = {{"gravity", {{-10}, {-9}}}};  // needs 3 components
  EXPECT_THROW(make_env("Ant", o), std::invalid_argument);
  o.domain_randomization = {{"friction", {{2}, {1}}}};
  EXPECT_THROW(make_env("Ant", o), std::invalid_argument);
}

}  // namespace
}  // namespace lockstep
