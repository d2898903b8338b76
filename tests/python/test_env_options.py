"""Env options beyond Gymnasium's: domain randomisation of the per-world physics parameters at
every reset, and array_type="dlpack" outputs."""
import numpy as np
import pytest

import lockstep

pytest.importorskip("gymnasium")

RANGES = {"gravity": ((-1.0, -0.5, -11.0), (1.0, 0.5, -8.0)), "mass_scale": (0.8, 1.25),
          "friction": (0.5, 1.5), "actuator_gain": (0.9, 1.1), "damping": (0.5, 2.0)}


def params(env):
    p = env.sim.params
    return {k: np.array(getattr(p, k), copy=True) for k in RANGES}


def test_domain_randomization_draws_within_the_ranges():
    env = lockstep.make("HalfCheetah", num_envs=400, seed=0, array_type="numpy",
                        domain_randomization=RANGES)
    env.reset()
    p, model = params(env), env.sim.model
    lo, hi = map(np.array, RANGES["gravity"])
    assert ((p["gravity"] >= lo) & (p["gravity"] <= hi)).all()
    for k in ("friction", "actuator_gain"):
        assert (p[k] >= RANGES[k][0]).all() and (p[k] <= RANGES[k][1]).all()
    assert (p["mass_scale"][:, 0] == 1).all()  # the world body is not a body to scale
    scales = p["mass_scale"][:, 1:]
    assert (scales >= 0.8).all() and (scales <= 1.25).all()
    damped = model.dof_damping > 0
    ratio = p["damping"][:, damped] / model.dof_damping[damped]
    assert (ratio >= 0.5 - 1e-6).all() and (ratio <= 2.0 + 1e-6).all()
    assert (p["damping"][:, ~damped] == 0).all()
    # drawn per world, per body / actuator / dof, filling the range (uniform: mean mid-range)
    assert np.unique(p["friction"]).size == 400
    assert np.unique(scales[0]).size == scales.shape[1]
    assert abs(p["friction"].mean() - 1.0) < 0.05 and p["friction"].min() < 0.55
    assert abs(p["gravity"][:, 2].mean() + 9.5) < 0.15


def test_domain_randomization_is_redrawn_at_every_reset_and_reproducible():
    def run(num_envs, seed):
        env = lockstep.make("Ant", num_envs=num_envs, seed=seed, array_type="numpy",
                            max_episode_steps=2, domain_randomization={"friction": (0.2, 2.0)})
        env.reset()
        zeros = np.zeros((num_envs, 8), np.float32)
        first = params(env)["friction"].copy()
        for _ in range(3):  # two steps end the episode, the third resets (NEXT_STEP)
            env.step(zeros)
        return first, params(env)["friction"]
    first, second = run(8, seed=3)
    assert not np.any(first == second)  # every env drew anew for its second episode
    again = run(1, seed=3)
    assert again[0][0] == first[0] and again[1][0] == second[0]  # independent of num_envs
    assert not np.any(run(8, seed=4)[0] == first)


def test_domain_randomization_leaves_reset_noise_and_unlisted_params_alone():
    plain = lockstep.make("Ant", num_envs=16, seed=1, array_type="numpy")
    randomized = lockstep.make("Ant", num_envs=16, seed=1, array_type="numpy",
                               domain_randomization={"mass_scale": (0.5, 0.6)})
    randomized.sim.params.friction = 0.3  # set by the user: kept across resets
    plain.reset()
    randomized.reset()
    np.testing.assert_array_equal(plain.sim.qpos, randomized.sim.qpos)
    np.testing.assert_array_equal(plain.sim.qvel, randomized.sim.qvel)
    assert (randomized.sim.params.friction == np.float32(0.3)).all()
    assert (randomized.sim.params.mass_scale[:, 1:] <= 0.6).all()


def test_drawn_parameters_are_the_ones_the_physics_uses():
    """An env step equals frame_skip steps of a plain Simulator given the drawn parameters."""
    env = lockstep.make("Ant", num_envs=8, seed=2, array_type="numpy",
                        domain_randomization=RANGES)
    env.reset()
    sim = lockstep.Simulator(env.sim.model, num_worlds=8)
    for k in RANGES:
        setattr(sim.params, k, getattr(env.sim.params, k))
    sim.qpos[:], sim.qvel[:] = env.sim.qpos, env.sim.qvel
    actions = np.random.default_rng(0).uniform(-1, 1, (8, 8)).astype(np.float32)
    env.step(actions)
    sim.ctrl[:] = actions
    sim.step(5)
    np.testing.assert_array_equal(sim.qpos, env.sim.qpos)
    np.testing.assert_array_equal(sim.qvel, env.sim.qvel)
    default = lockstep.Simulator(env.sim.model, num_worlds=8)
    default.qpos[:], default.qvel[:], default.ctrl[:] = sim.qpos, sim.qvel, actions
    sim.step(5)
    default.step(5)
    assert np.abs(default.qvel - sim.qvel).max() > 1e-2  # the parameters do change the physics


@pytest.mark.parametrize("ranges,match", [
    ({"frictionn": (0, 1)}, "unknown domain_randomization parameter 'frictionn'; accepted: gravity"),
    ({"gravity": (-10, -9)}, r"domain_randomization\['gravity'\]: expected \(low, high\) with 3"),
    ({"friction": (2, 1)}, "expected finite low <= high"),
    ({"friction": (0, np.inf)}, "expected finite low <= high"),
    ({"friction": 1.0}, r"domain_randomization\['friction'\]: expected \(low, high\)"),
    ([("friction", (0, 1))], "expected a dict"),
])
def test_bad_domain_randomization_is_rejected(ranges, match):
    with pytest.raises(ValueError, match=match):
        lockstep.make("Ant", domain_randomization=ranges)


def test_dlpack_outputs_are_copies_equal_to_numpy_outputs():
    a = lockstep.make("Reacher", num_envs=4, seed=0, array_type="numpy")
    b = lockstep.make("Reacher", num_envs=4, seed=0, array_type="dlpack")
    obs_a, _ = a.reset()
    obs_b, _ = b.reset()
    assert hasattr(obs_b, "__dlpack__")
    np.testing.assert_array_equal(np.from_dlpack(obs_b), obs_a)
    actions = np.full((4, 2), 0.5, np.float32)
    out_a = a.step(actions)
    out_b = b.step(actions)
    for x, y in zip(out_a[:4], out_b[:4]):
        np.testing.assert_array_equal(np.from_dlpack(y), np.asarray(x, np.float32))
    before = np.from_dlpack(out_b[0]).copy()
    b.step(actions)
    np.testing.assert_array_equal(np.from_dlpack(out_b[0]), before)  # not a view
    with pytest.raises(ValueError, match="array_type"):
        lockstep.make("Reacher", array_type="jax")
