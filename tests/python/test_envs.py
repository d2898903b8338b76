"""Lockstep's environments against Gymnasium's MuJoCo v5 environments (the oracle), and the
vector-env conventions (spaces, auto-reset, determinism, bad input)."""
import numpy as np
import pytest

import lockstep

gym = pytest.importorskip("gymnasium")
pytest.importorskip("mujoco")


def gym_env(name):
    env = gym.make(f"{name}-v5")
    env.reset(seed=0)
    return env.unwrapped


@pytest.mark.parametrize("name", ["Ant"])
def test_observations_rewards_and_terminations_match_gymnasium(name):
    """Same state, same actions: obs, reward and termination equal to float32 tolerance."""
    ref = gym_env(name)
    env = lockstep.make(name, num_envs=1, array_type="numpy")
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    qpos = ref.init_qpos + rng.uniform(-0.1, 0.1, ref.model.nq)
    qvel = 0.1 * rng.standard_normal(ref.model.nv)
    ref.set_state(qpos, qvel)
    env.sim.qpos[0], env.sim.qvel[0] = qpos, qvel
    env.sim.forward()
    for t in range(40):
        action = rng.uniform(-1, 1, ref.model.nu).astype(np.float32)
        obs_ref, reward_ref, term_ref, _, _ = ref.step(action)
        obs, reward, term, trunc, _ = env.step(action[None])
        # Positions and velocities to 1e-3 (float32 over a contact-rich second); clipped
        # contact forces to 2e-2 of their ±1 range (they sit at the clip boundary).
        n = ref.model.nq - 2 + ref.model.nv
        np.testing.assert_allclose(obs[0, :n], obs_ref[:n], atol=1e-3, err_msg=f"step {t}")
        np.testing.assert_allclose(obs[0, n:], obs_ref[n:], atol=2e-2, err_msg=f"step {t}")
        assert reward[0] == pytest.approx(reward_ref, abs=2e-2), f"step {t}"
        assert bool(term[0]) == term_ref and not trunc[0]
        if term_ref:  # Gymnasium's unwrapped env does not reset; ours would on the next step
            break
    assert t >= 20


def test_spaces_shapes_and_dtypes():
    env = lockstep.make("Ant", num_envs=8, array_type="numpy")
    assert env.single_observation_space.shape == (105,)
    assert env.single_action_space.shape == (8,)
    assert env.observation_space.shape == (8, 105) and env.action_space.shape == (8, 8)
    assert env.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    obs, info = env.reset(seed=1)
    assert obs.shape == (8, 105) and obs.dtype == np.float32
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    assert reward.shape == (8,) and terminated.dtype == bool and truncated.dtype == bool
    assert info["episode_length"].tolist() == [1] * 8


def test_next_step_autoreset_after_truncation():
    env = lockstep.make("Ant", num_envs=2, array_type="numpy", max_episode_steps=3,
                        terminate_when_unhealthy=False)
    env.reset(seed=0)
    zeros = np.zeros((2, 8), np.float32)
    for _ in range(2):
        _, _, _, truncated, _ = env.step(zeros)
        assert not truncated.any()
    _, _, _, truncated, info = env.step(zeros)
    assert truncated.all() and info["episode_length"].tolist() == [3, 3]
    obs, reward, terminated, truncated, info = env.step(zeros)  # the reset step
    assert (reward == 0).all() and not terminated.any() and not truncated.any()
    assert info["episode_length"].tolist() == [0, 0]
    assert np.allclose(env.sim.time, 0.0)


def test_same_step_autoreset_keeps_the_final_observation():
    env = lockstep.make("Ant", num_envs=2, array_type="numpy", max_episode_steps=2,
                        autoreset_mode="same_step")
    env.reset(seed=0)
    zeros = np.zeros((2, 8), np.float32)
    env.step(zeros)
    obs, reward, _, truncated, info = env.step(zeros)
    assert truncated.all() and info["_final_obs"].all()
    assert not np.allclose(info["final_obs"], obs)       # obs is already the new episode's
    assert np.allclose(env.sim.time, 0.0)
    assert (reward != 0).all() and info["episode_length"].tolist() == [2, 2]


def test_determinism_across_runs_seeds_and_batch_sizes():
    def rollout(num_envs, seed):
        env = lockstep.make("Ant", num_envs=num_envs, seed=seed, array_type="numpy")
        obs, _ = env.reset()
        rng = np.random.default_rng(3)
        for _ in range(10):
            actions = np.repeat(rng.uniform(-1, 1, (1, 8)), num_envs, 0).astype(np.float32)
            obs, *_ = env.step(actions)
        return obs[0]
    a = rollout(1, seed=5)
    np.testing.assert_array_equal(a, rollout(1, seed=5))
    np.testing.assert_array_equal(a, rollout(16, seed=5))
    assert not np.array_equal(a, rollout(1, seed=6))


def test_reset_noise_matches_gymnasium_distribution():
    env = lockstep.make("Ant", num_envs=2000, array_type="numpy")
    env.reset(seed=0)
    dq = env.sim.qpos - env.sim.model.qpos0
    assert np.abs(dq).max() <= 0.1 + 1e-6 and np.abs(dq.mean()) < 0.01
    assert abs(env.sim.qvel.std() - 0.1) < 0.005


def test_bad_input_is_rejected_with_the_expected_shape():
    env = lockstep.make("Ant", num_envs=2, array_type="numpy")
    env.reset()
    with pytest.raises(ValueError, match=r"\(2, 8\)"):
        env.step(np.zeros((3, 8), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        env.step(np.full((2, 8), np.nan, np.float32))
    with pytest.raises(ValueError, match="floating"):
        env.step(np.zeros((2, 8), np.int32))
    with pytest.raises(ValueError, match="unknown environment"):
        lockstep.make("Antt")
    with pytest.raises(ValueError, match="unknown keyword 'ctrl_cost'"):
        lockstep.make("Ant", ctrl_cost=0.1)
