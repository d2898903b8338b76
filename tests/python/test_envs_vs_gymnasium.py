"""Lockstep's environments against Gymnasium's own MuJoCo v5 environments (the oracle:
gymnasium[mujoco], test-only), for Ant, Humanoid, HalfCheetah and Reacher; plus Gymnasium's
vector-env conventions (spaces, dtypes, both auto-reset modes), determinism and bad input.

Tolerances. Lockstep runs in float32, Gymnasium/MuJoCo in float64. Two comparisons:
  * synced: before every step both envs are set to Gymnasium's current (qpos, qvel) and
    forwarded, so each step compares one env step (frame_skip physics steps) from the same
    state. This checks the semantics (layout, timing of derived quantities, reward terms,
    termination) without chaotic drift. Measured worst errors over these cases: 1.6e-5·(1+|x|)
    on qpos/qvel/cinert/cvel/qfrc_actuator, 2e-5·(1+|x|) on cfrc_ext, 1e-5 on the reward
    (Humanoid, reward ≈ 5). Asserted: state |Δ| ≤ 1e-4·(1+|x|) (float32 eps 6e-8 amplified by
    ≤ 5 substeps of a stiff contact solve, with room for other compilers/FMA); contact-force
    terms (cfrc_ext; Ant's clipped to ±1) |Δ| ≤ 5e-4·max(1, max|cfrc_ext|) + 1e-4·|x|, since
    contact impulses are the ill-conditioned output of the solver; reward |Δ| ≤ 1e-4 + 1e-5·|r|;
    terminated exactly equal.
  * free run: 10 steps from the same initial state without re-syncing; contacts make the
    trajectories drift apart (HalfCheetah: ~4e-3 by step 15), so 5e-3·(1+|x|) there.
"""
import pathlib

import numpy as np
import pytest

import lockstep

gym = pytest.importorskip("gymnasium")
mujoco = pytest.importorskip("mujoco")

NAMES = ["Ant", "Humanoid", "HalfCheetah", "Reacher"]
MODEL_FILES = {"Ant": "ant.xml", "Humanoid": "humanoid.xml", "HalfCheetah": "half_cheetah.xml",
               "Reacher": "reacher.xml"}
SIZES = {"Ant": (105, 8), "Humanoid": (348, 17), "HalfCheetah": (17, 6), "Reacher": (10, 2)}
MODELS = pathlib.Path(__file__).resolve().parents[2] / "models"

# (env, keyword options) pairs run against gymnasium.make(f"{env}-v5", **options).
CASES = [
    ("Ant", {}),
    ("Ant", dict(include_cfrc_ext_in_observation=False, exclude_current_positions_from_observation=False,
                 ctrl_cost_weight=0.1, contact_cost_weight=1e-3, healthy_reward=0.5,
                 healthy_z_range=(0.6, 0.9), contact_force_range=(-0.5, 0.5), forward_reward_weight=2.0)),
    ("Humanoid", {}),
    ("Humanoid", dict(include_cinert_in_observation=False, include_qfrc_actuator_in_observation=False,
                      contact_cost_range=(-np.inf, 1e-3), healthy_z_range=(1.3, 2.0),
                      forward_reward_weight=1.0)),
    ("Humanoid", dict(healthy_z_range=(1.3, 2.0), terminate_when_unhealthy=False,
                      include_cvel_in_observation=False, include_cfrc_ext_in_observation=False)),
    ("HalfCheetah", {}),
    ("HalfCheetah", dict(exclude_current_positions_from_observation=False, ctrl_cost_weight=0.5,
                         forward_reward_weight=0.7)),
    ("Reacher", {}),
    ("Reacher", dict(reward_dist_weight=0.5, reward_control_weight=2.0)),
]


def gym_env(name, **kwargs):
    env = gym.make(f"{name}-v5", **kwargs)
    env.reset(seed=0)
    return env.unwrapped


def obs_blocks(name, ref):
    """(slice, kind) of Gymnasium's observation: 'state' or 'force' (contact-force terms)."""
    st = getattr(ref, "observation_structure", None)
    if name in ("Ant", "Humanoid") and st is not None:
        n_force = st.get("cfrc_ext", 0)
        n = ref.observation_space.shape[0]
        return [(slice(0, n - n_force), "state"), (slice(n - n_force, n), "force")]
    return [(slice(0, ref.observation_space.shape[0]), "state")]


def assert_obs_close(name, ref, obs, obs_ref, scale_state, scale_force, msg):
    for sl, kind in obs_blocks(name, ref):
        a, b = obs[sl].astype(np.float64), obs_ref[sl]
        if b.size == 0:
            continue
        if kind == "state":
            tol = scale_state * (1 + np.abs(b))
        else:
            tol = scale_force * max(1.0, np.abs(b).max()) + 1e-4 * np.abs(b)
        bad = np.abs(a - b) > tol
        assert not bad.any(), (f"{msg}: {kind} obs differ at {np.flatnonzero(bad)[:5]}: "
                               f"{a[bad][:5]} vs {b[bad][:5]}")


def same_state(ref, env, qpos, qvel):
    ref.set_state(qpos, qvel)
    env.sim.qpos[0], env.sim.qvel[0] = qpos, qvel
    env.sim.forward()


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{'defaults' if not k else 'options'}" for n, k in CASES])
def test_synced_steps_match_gymnasium(name, kwargs):
    """Same state, same action, 20 steps: observation, reward, termination to float32 tolerance."""
    ref = gym_env(name, **kwargs)
    env = lockstep.make(name, num_envs=1, array_type="numpy", **kwargs)
    assert env.single_observation_space.shape == ref.observation_space.shape
    np.testing.assert_allclose(env.single_action_space.low, ref.action_space.low)
    np.testing.assert_allclose(env.single_action_space.high, ref.action_space.high)
    assert env.dt == pytest.approx(ref.dt, rel=1e-6)
    env.reset(seed=0)
    rng = np.random.default_rng(1)
    for t in range(20):
        same_state(ref, env, ref.data.qpos.copy(), ref.data.qvel.copy())
        action = rng.uniform(ref.action_space.low, ref.action_space.high).astype(np.float32)
        obs_ref, reward_ref, term_ref, _, _ = ref.step(action)
        obs, reward, term, trunc, _ = env.step(action[None])
        assert_obs_close(name, ref, obs[0], obs_ref, 1e-4, 5e-4, f"step {t}")
        assert reward[0] == pytest.approx(reward_ref, abs=1e-4, rel=1e-5), f"step {t}"
        assert bool(term[0]) == term_ref, f"step {t}"
        assert not trunc[0]
        if term_ref:
            break
    assert t >= 5  # the cases that terminate do so after a few steps


@pytest.mark.parametrize("name", NAMES)
def test_free_run_tracks_gymnasium(name):
    """10 steps from the same initial state without re-syncing."""
    ref = gym_env(name)
    env = lockstep.make(name, num_envs=1, array_type="numpy")
    env.reset(seed=0)
    same_state(ref, env, ref.data.qpos.copy(), ref.data.qvel.copy())
    rng = np.random.default_rng(2)
    for t in range(10):
        action = rng.uniform(ref.action_space.low, ref.action_space.high).astype(np.float32)
        obs_ref, reward_ref, term_ref, _, _ = ref.step(action)
        obs, reward, term, _, _ = env.step(action[None])
        assert_obs_close(name, ref, obs[0], obs_ref, 5e-3, 2e-2, f"step {t}")
        assert reward[0] == pytest.approx(reward_ref, abs=1e-2, rel=1e-3), f"step {t}"
        assert bool(term[0]) == term_ref
        if term_ref:
            break


# Fields that only name, draw or size things; everything else must be equal.
_NON_PHYSICS = ("name_", "names", "geom_rgba", "geom_matid", "geom_user", "mat_", "tex_", "light_",
                "cam_", "vis", "nuser", "nmat", "ntex", "nlight", "ncam", "paths", "signature",
                "body_bvh", "bvh_", "nbvh", "narena", "nstack", "nbuffer", "nnames", "buffer",
                "stat", "key_", "nkey", "numeric", "nnumeric", "text", "ntext")


@pytest.mark.parametrize("name", NAMES)
def test_model_files_compile_to_gymnasiums_models(name):
    """models/*.xml are the project's own files; compiled by MuJoCo they equal Gymnasium's."""
    theirs_path = pathlib.Path(gym.envs.mujoco.__file__).parent / "assets" / MODEL_FILES[name]
    theirs = mujoco.MjModel.from_xml_path(str(theirs_path))
    ours = mujoco.MjModel.from_xml_path(str(MODELS / MODEL_FILES[name]))
    checked = 0
    for field in dir(theirs):
        if field.startswith("_") or field.startswith(_NON_PHYSICS):
            continue
        a = getattr(theirs, field)
        if not isinstance(a, (np.ndarray, int, float)):
            continue
        b = getattr(ours, field)
        assert np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-9, atol=1e-12), field
        checked += 1
    for field in ("timestep", "gravity", "integrator", "solver", "iterations", "ls_iterations",
                  "tolerance", "cone", "impratio", "o_margin", "disableflags", "enableflags"):
        assert np.allclose(getattr(theirs.opt, field), getattr(ours.opt, field)), f"opt.{field}"
    assert checked > 100


@pytest.mark.parametrize("name", NAMES)
def test_spaces_shapes_and_dtypes(name):
    obs_dim, act_dim = SIZES[name]
    env = lockstep.make(name, num_envs=4, array_type="numpy")
    assert isinstance(env, gym.vector.VectorEnv)
    assert env.single_observation_space.shape == (obs_dim,)
    assert env.single_action_space.shape == (act_dim,)
    assert env.observation_space.shape == (4, obs_dim) and env.action_space.shape == (4, act_dim)
    assert env.single_observation_space.dtype == np.float32
    assert env.single_action_space.dtype == np.float32
    assert env.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    obs, info = env.reset(seed=1)
    assert obs.shape == (4, obs_dim) and obs.dtype == np.float32
    assert env.observation_space.contains(obs)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    assert obs.shape == (4, obs_dim) and obs.dtype == np.float32
    assert reward.shape == (4,) and reward.dtype == np.float32
    assert terminated.dtype == bool and truncated.dtype == bool
    assert info["episode_length"].tolist() == [1] * 4
    np.testing.assert_allclose(info["episode_return"], reward)
    assert env.sim.qpos.shape[0] == 4
    assert name in lockstep.envs()


def test_reacher_truncates_at_50_with_next_step_autoreset():
    env = lockstep.make("Reacher", num_envs=3, array_type="numpy")
    env.reset(seed=0)
    zeros = np.zeros((3, 2), np.float32)
    total = np.zeros(3)
    for t in range(50):
        obs, reward, terminated, truncated, info = env.step(zeros)
        total += reward
        assert not terminated.any() and truncated.all() == (t == 49)
    np.testing.assert_allclose(info["episode_return"], total, rtol=1e-5)
    assert info["episode_length"].tolist() == [50] * 3
    obs, reward, terminated, truncated, info = env.step(zeros)  # the reset step
    assert (reward == 0).all() and not (terminated | truncated).any()
    assert info["episode_length"].tolist() == [0] * 3
    goal = obs[:, 4:6]
    assert (np.linalg.norm(goal, axis=1) < 0.2).all()
    assert not np.allclose(goal, env.sim.qpos[:, 2:4] * 0 + goal[0])  # a new goal per env


@pytest.mark.parametrize("name", NAMES)
def test_same_step_autoreset_keeps_the_final_observation(name):
    obs_dim, act_dim = SIZES[name]
    env = lockstep.make(name, num_envs=2, array_type="numpy", max_episode_steps=2,
                        autoreset_mode="same_step")
    assert env.metadata["autoreset_mode"] == gym.vector.AutoresetMode.SAME_STEP
    env.reset(seed=0)
    actions = np.full((2, act_dim), 0.1, np.float32)
    _, _, _, truncated, info = env.step(actions)
    assert not truncated.any() and not info["_final_obs"].any()
    qpos_before = env.sim.qpos.copy()
    obs, reward, _, truncated, info = env.step(actions)
    assert truncated.all() and info["_final_obs"].all()
    assert info["final_obs"].shape == (2, obs_dim)
    assert not np.allclose(info["final_obs"], obs)  # obs is already the new episode's
    assert np.allclose(env.sim.time, 0.0) and not np.allclose(env.sim.qpos, qpos_before)
    assert info["final_info"]["episode_length"].tolist() == [2, 2]
    assert info["final_info"]["_episode_length"].all()
    obs2, reward2, _, truncated, info = env.step(actions)  # the new episode goes on
    assert not truncated.any() and info["episode_length"].tolist() == [1, 1]


def test_termination_then_next_step_reset_like_gymnasium():
    """Humanoid lying down: terminated with reward, then the next step resets (reward 0)."""
    env = lockstep.make("Humanoid", num_envs=2, array_type="numpy")
    env.reset(seed=0)
    env.sim.qpos[:, 2] = 0.5  # below healthy_z_range
    env.sim.forward()
    zeros = np.zeros((2, 17), np.float32)
    _, reward, terminated, truncated, info = env.step(zeros)
    assert terminated.all() and not truncated.any() and info["episode_length"].tolist() == [1, 1]
    obs, reward, terminated, truncated, info = env.step(zeros)
    assert (reward == 0).all() and not terminated.any()
    assert (np.abs(env.sim.qpos[:, 2] - 1.4) <= 0.01 + 1e-6).all()


def rollout(name, num_envs, seed, steps=8):
    env = lockstep.make(name, num_envs=num_envs, seed=seed, array_type="numpy",
                        max_episode_steps=5)  # crosses an auto-reset
    obs, _ = env.reset()
    act_dim = SIZES[name][1]
    rng = np.random.default_rng(3)
    out = [obs[0]]
    for _ in range(steps):
        a = np.repeat(rng.uniform(-0.4, 0.4, (1, act_dim)), num_envs, 0).astype(np.float32)
        obs, reward, *_ = env.step(a)
        out += [obs[0], reward[:1]]
    return np.concatenate(out)


@pytest.mark.parametrize("name", NAMES)
def test_determinism_across_runs_seeds_and_batch_sizes(name):
    a = rollout(name, 1, seed=5)
    np.testing.assert_array_equal(a, rollout(name, 1, seed=5))
    np.testing.assert_array_equal(a, rollout(name, 16, seed=5))
    assert not np.array_equal(a, rollout(name, 1, seed=6))


def test_reset_noise_follows_gymnasium():
    ant = lockstep.make("Ant", num_envs=2000, array_type="numpy")
    dq = ant.sim.qpos - ant.sim.model.qpos0
    assert np.abs(dq).max() <= 0.1 + 1e-6 and abs(dq.std() - 0.1 / np.sqrt(3)) < 0.003
    assert abs(ant.sim.qvel.std() - 0.1) < 0.005                  # 0.1·N(0, 1)
    hum = lockstep.make("Humanoid", num_envs=500, array_type="numpy")
    assert np.abs(hum.sim.qvel).max() <= 0.01 + 1e-7               # U(±0.01)
    assert abs(hum.sim.qvel.std() - 0.01 / np.sqrt(3)) < 5e-4
    rea = lockstep.make("Reacher", num_envs=1000, array_type="numpy")
    goal = rea.sim.qpos[:, 2:]
    assert (np.linalg.norm(goal, axis=1) < 0.2).all() and np.abs(goal.mean(0)).max() < 0.01
    assert (rea.sim.qvel[:, 2:] == 0).all() and np.abs(rea.sim.qvel[:, :2]).max() <= 0.005 + 1e-7


def test_actions_as_dlpack_and_float64():
    class DLPackOnly:  # exposes nothing but the DLPack protocol
        def __init__(self, a):
            self._a = a

        def __dlpack__(self, **kw):
            return self._a.__dlpack__(**kw)

        def __dlpack_device__(self):
            return self._a.__dlpack_device__()

    a = np.random.default_rng(0).uniform(-1, 1, (2, 6)).astype(np.float32)
    outs = []
    for actions in (a, DLPackOnly(a), a.astype(np.float64)):
        env = lockstep.make("HalfCheetah", num_envs=2, seed=1, array_type="numpy")
        outs.append(env.step(actions)[0])
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_allclose(outs[0], outs[2], atol=1e-6)


def test_make_vec_registration():
    env = gym.make_vec("lockstep/Reacher-v5", num_envs=3, array_type="numpy", seed=2)
    assert type(env).__name__ == "LockstepVectorEnv" and env.num_envs == 3
    assert env.observation_space.shape == (3, 10)


def test_bad_input_is_rejected_with_the_expected_shape():
    env = lockstep.make("Ant", num_envs=2, array_type="numpy")
    with pytest.raises(ValueError, match=r"\(2, 8\)"):
        env.step(np.zeros((3, 8), np.float32))
    with pytest.raises(ValueError, match=r"\(2, 8\)"):
        env.step(np.zeros((2, 7), np.float32))
    bad = np.zeros((2, 8), np.float32)
    bad[1, 3] = np.inf
    with pytest.raises(ValueError, match=r"NaN or inf for env\(s\) \[1\]"):
        env.step(bad)
    assert env.sim.time[1] == 0  # nothing was stepped
    with pytest.raises(ValueError, match="floating"):
        env.step(np.zeros((2, 8), np.int32))
    with pytest.raises(ValueError, match="unknown environment 'Antt'; available: Ant HalfCheetah"):
        lockstep.make("Antt")
    with pytest.raises(ValueError, match="unknown keyword 'ctrl_cost'") as error:
        lockstep.make("Ant", ctrl_cost=0.1)
    assert " healthy_z_range " in str(error.value) and "_min" not in str(error.value)
    with pytest.raises(ValueError, match="unknown keyword 'healthy_reward'"):
        lockstep.make("Reacher", healthy_reward=1.0)
    with pytest.raises(ValueError, match="healthy_z_range"):
        lockstep.make("Humanoid", healthy_z_range=1.0)
    with pytest.raises(ValueError, match="xml_file is not supported.*load_mjcf"):
        lockstep.make("Ant", xml_file="ant.xml")
    with pytest.raises(ValueError, match="autoreset_mode"):
        lockstep.make("Ant", autoreset_mode="sometimes")
    with pytest.raises(ValueError, match="num_envs"):
        lockstep.make("Ant", num_envs=0)


@pytest.mark.parametrize("name", NAMES)
def test_reset_observation_matches_gymnasium(name):
    """Gymnasium's reset: mj_resetData, set_state (mj_forward), _get_obs (cfrc_ext zero)."""
    env = lockstep.make(name, num_envs=3, array_type="numpy")
    obs, _ = env.reset(seed=4)
    ref = gym_env(name)
    for w in range(3):
        mujoco.mj_resetData(ref.model, ref.data)
        ref.set_state(env.sim.qpos[w].astype(np.float64), env.sim.qvel[w].astype(np.float64))
        assert_obs_close(name, ref, obs[w], ref._get_obs(), 1e-5, 1e-5, f"env {w}")
