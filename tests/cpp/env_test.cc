// The C++ env API (envs/vec_env.h): make_env, reset, step, auto-reset, errors.
#include <gtest/gtest.h>

#include <cmath>
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

TEST(Env, NonFiniteActionsActAsZero) {
  EnvOptions o;
  o.num_envs = 2;
  auto a = make_env("Ant", o), b = make_env("Ant", o);
  std::vector<float> zeros(16, 0.0f), nans(16, std::nanf(""));
  a->step(zeros.data());
  b->step(nans.data());
  for (int k = 0; k < 2 * a->obs_dim(); ++k) EXPECT_EQ(a->buffers().obs[k], b->buffers().obs[k]);
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

}  // namespace
}  // namespace lockstep
