"""Shared fixtures for the Python API tests.

The reference MJCF files live in ../shared/models/gymnasium beside the checkout (never copied
into the project); a missing shared/ is an error, not a skip, so CI cannot pass vacuously.
"""
from pathlib import Path

import pytest

SHARED_MODELS = Path(__file__).resolve().parents[2].parent / "shared" / "models" / "gymnasium"

# A small model written for these tests: a free-floating box with a hinged, actuated arm.
PENDULUM_XML = """
<mujoco model="arm">
  <option timestep="0.005"/>
  <worldbody>
    <geom name="floor" type="plane" size="5 5 0.1"/>
    <body name="torso" pos="0 0 1">
      <freejoint name="root"/>
      <geom name="torso_geom" type="box" size="0.1 0.1 0.1" mass="2"/>
      <site name="top" pos="0 0 0.1"/>
      <body name="arm" pos="0.1 0 0">
        <joint name="hinge" type="hinge" axis="0 1 0" damping="0.1"/>
        <geom name="arm_geom" type="capsule" fromto="0 0 0 0.3 0 0" size="0.03" mass="0.5"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="motor" joint="hinge" gear="2" ctrlrange="-1 1" ctrllimited="true"/>
  </actuator>
</mujoco>
"""


def pytest_configure(config):
    if not SHARED_MODELS.is_dir():
        raise pytest.UsageError(
            f"reference models not found at {SHARED_MODELS}: tests need ../shared beside the "
            "checkout")


@pytest.fixture(scope="session")
def models_dir():
    return SHARED_MODELS


@pytest.fixture(scope="session")
def ant_model():
    import lockstep
    return lockstep.load_mjcf(SHARED_MODELS / "ant.xml")


@pytest.fixture(scope="session")
def arm_model():
    import lockstep
    return lockstep.load_mjcf(PENDULUM_XML)
