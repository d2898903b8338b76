"""Smooth dynamics against MuJoCo (the oracle) on the six Gymnasium models, with contacts and
limits disabled in both engines. Tolerances come from float32 arithmetic (eps 6e-8) amplified
by the condition of M: 1e-4 relative per quantity, 1e-3 over a 1 s trajectory."""
import numpy as np
import pytest

import lockstep
from oracle import GYM_MODELS, model_xml, random_state, rel_err

mujoco = pytest.importorskip("mujoco")

NUM_STATES = 20


def load_both(name, **kw):
    xml = model_xml(name, disable=("contact", "limit"), **kw)
    return mujoco.MjModel.from_xml_string(xml), lockstep.load_mjcf(xml)


@pytest.mark.parametrize("name", GYM_MODELS)
def test_forward_quantities_match_mujoco(name):
    mj_model, model = load_both(name)
    mj_data = mujoco.MjData(mj_model)
    sim = lockstep.Simulator(model, num_worlds=NUM_STATES)
    rng = np.random.default_rng(0)
    states = [random_state(mj_model, rng) for _ in range(NUM_STATES)]
    for w, (qpos, qvel, ctrl) in enumerate(states):
        sim.qpos[w] = qpos
        sim.qvel[w] = qvel
        sim.ctrl[w] = ctrl
    sim.forward()

    for w, (qpos, qvel, ctrl) in enumerate(states):
        mj_data.qpos[:], mj_data.qvel[:], mj_data.ctrl[:] = qpos, qvel, ctrl
        mujoco.mj_forward(mj_model, mj_data)
        qM = np.zeros((mj_model.nv, mj_model.nv))
        mujoco.mj_fullM(mj_model, qM, mj_data.qM)
        ctx = f"{name} state {w}"
        assert rel_err(sim.xpos[w], mj_data.xpos) < 1e-5, ctx
        # q and −q are the same rotation; compare with a common sign.
        sign = np.sign(np.sum(sim.xquat[w] * mj_data.xquat, axis=1, keepdims=True))
        assert rel_err(sign * sim.xquat[w], mj_data.xquat) < 1e-5, ctx
        assert rel_err(sim.subtree_com[w], mj_data.subtree_com) < 1e-5, ctx
        assert rel_err(sim.qM[w], qM) < 1e-4, ctx
        assert rel_err(sim.qfrc_bias[w], mj_data.qfrc_bias) < 1e-4, ctx
        assert rel_err(sim.qfrc_passive[w], mj_data.qfrc_passive) < 1e-4, ctx
        assert rel_err(sim.qfrc_actuator[w], mj_data.qfrc_actuator) < 1e-4, ctx
        assert rel_err(sim.qacc[w], mj_data.qacc) < 1e-4, ctx


@pytest.mark.parametrize("integrator", ["Euler", "RK4"])
@pytest.mark.parametrize("name", GYM_MODELS)
def test_one_second_trajectory_matches_mujoco(name, integrator):
    mj_model, model = load_both(name, integrator=integrator)
    mj_data = mujoco.MjData(mj_model)
    sim = lockstep.Simulator(model, num_worlds=1)
    rng = np.random.default_rng(1)
    qpos, qvel, _ = random_state(mj_model, rng, qvel_scale=0.1)
    mj_data.qpos[:], mj_data.qvel[:] = qpos, qvel
    sim.qpos[0], sim.qvel[0] = qpos, qvel
    nstep = int(round(1.0 / mj_model.opt.timestep))
    mujoco.mj_step(mj_model, mj_data, nstep)
    sim.step(nstep)
    assert sim.time[0] == pytest.approx(mj_data.time, rel=1e-4)
    assert rel_err(sim.qpos[0], mj_data.qpos) < 1e-3
    assert rel_err(sim.qvel[0], mj_data.qvel) < 1e-3
