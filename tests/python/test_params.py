"""Per-world physics parameters: each world follows its own gravity, mass, friction, actuator
gain and damping, checked against closed forms; other worlds are unaffected."""
import numpy as np
import pytest

import lockstep

FALLING_BOX = """
<mujoco>
  <option timestep="0.001"/>
  <worldbody>
    <geom type="plane" size="10 10 0.1" friction="0.5"/>
    <body pos="0 0 0.1">
      <freejoint/>
      <geom type="box" size="0.1 0.1 0.1" mass="1" friction="0.5"/>
    </body>
  </worldbody>
</mujoco>"""


def test_defaults_are_the_model_values():
    model = lockstep.load_mjcf(FALLING_BOX)
    sim = lockstep.Simulator(model, num_worlds=2)
    np.testing.assert_array_equal(sim.params.gravity, [model.opt.gravity] * 2)
    np.testing.assert_array_equal(sim.params.mass_scale, np.ones((2, model.nbody)))
    np.testing.assert_array_equal(sim.params.friction, [1, 1])
    with pytest.raises(AttributeError):
        sim.params.viscosity  # noqa: B018


def test_per_world_gravity_free_fall():
    sim = lockstep.Simulator(lockstep.load_mjcf(FALLING_BOX), num_worlds=3)
    sim.params.gravity = [[0, 0, -9.81], [0, 0, 0], [1.0, 0, -2.0]]
    sim.qpos[:, 2] = 5.0  # far above the floor
    sim.step(500)  # 0.5 s, semi-implicit Euler: v = g·t exactly
    np.testing.assert_allclose(sim.qvel[:, :3], 0.5 * np.array(sim.params.gravity), atol=1e-4)


def test_per_world_friction_matches_mujoco_with_that_friction():
    mujoco = pytest.importorskip("mujoco")
    sim = lockstep.Simulator(lockstep.load_mjcf(FALLING_BOX), num_worlds=2)
    sim.params.friction[:] = [1.0, 2.0]
    sim.qvel[:, 0] = 2.0
    sim.step(1500)
    for world, friction in enumerate(["0.5", "1.0"]):
        mj_model = mujoco.MjModel.from_xml_string(FALLING_BOX.replace('"0.5"', f'"{friction}"'))
        mj_data = mujoco.MjData(mj_model)
        mj_data.qvel[0] = 2.0
        mujoco.mj_step(mj_model, mj_data, 1500)
        assert sim.qpos[world, 0] == pytest.approx(mj_data.qpos[0], rel=0.02)


SPRING = """
<mujoco>
  <option timestep="0.0005" integrator="RK4" gravity="0 0 0"/>
  <worldbody>
    <body>
      <joint name="slide" type="slide" axis="1 0 0" stiffness="100" damping="0"/>
      <geom type="sphere" size="0.05" mass="1" contype="0" conaffinity="0"/>
    </body>
  </worldbody>
  <actuator><motor joint="slide" gear="2"/></actuator>
</mujoco>"""


def test_per_world_mass_scale_changes_the_oscillation_period():
    sim = lockstep.Simulator(lockstep.load_mjcf(SPRING), num_worlds=2)
    sim.params.mass_scale[1] = 4.0
    sim.qpos[:, 0] = 0.1
    # ω = sqrt(k/m): after a quarter period of world 0, world 1 (4× mass, ω/2) is at cos(π/4).
    quarter = np.pi / 2 / np.sqrt(100.0)
    sim.step(int(round(quarter / 0.0005)))
    assert sim.qpos[0, 0] == pytest.approx(0.0, abs=2e-4)
    assert sim.qpos[1, 0] == pytest.approx(0.1 * np.cos(np.pi / 4), abs=2e-4)


def test_per_world_actuator_gain_and_damping():
    sim = lockstep.Simulator(lockstep.load_mjcf(SPRING), num_worlds=2)
    sim.params.actuator_gain[1] = 3.0
    sim.params.damping[1] = 5.0
    sim.ctrl[:] = 1.0
    sim.qvel[:, 0] = 2.0
    sim.forward()
    np.testing.assert_allclose(sim.qfrc_actuator[:, 0], [2.0, 6.0], rtol=1e-6)
    np.testing.assert_allclose(sim.qfrc_passive[:, 0], [0.0, -10.0], rtol=1e-6)
    sim.reset()
    assert sim.params.damping[1, 0] == 5.0  # parameters survive reset
