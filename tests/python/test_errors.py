"""Python API errors: loader errors name file and line, bad arguments raise ValueError /
RuntimeError / TypeError with a message that says what was expected."""
import re

import numpy as np
import pytest

import lockstep


# ---- load_mjcf ----

def test_malformed_xml_names_the_line():
    xml = "<mujoco>\n  <worldbody>\n    <body>\n  </worldbody>\n</mujoco>\n"  # <body> never closed
    with pytest.raises(ValueError) as info:
        lockstep.load_mjcf(xml)
    msg = str(info.value)
    assert re.search(r":\d+|line", msg), msg
    assert isinstance(info.value, lockstep.MjcfError)


def test_bad_attribute_names_element_attribute_and_line():
    xml = ("<mujoco>\n  <worldbody>\n    <body>\n"
           "      <joint type=\"bogus\"/>\n"
           "    </body>\n  </worldbody>\n</mujoco>\n")
    with pytest.raises(ValueError) as info:
        lockstep.load_mjcf(xml)
    msg = str(info.value)
    assert re.search(r"<string>:4\b", msg), msg
    assert "joint" in msg and "type" in msg, msg


def test_error_in_a_file_names_the_file(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text("<mujoco>\n<worldbody>\n<geom type=\"sphere\" size=\"abc\"/>\n"
                    "</worldbody>\n</mujoco>\n")
    with pytest.raises(ValueError) as info:
        lockstep.load_mjcf(path)
    msg = str(info.value)
    assert "broken.xml" in msg and re.search(r"broken\.xml:3\b", msg), msg


def test_missing_file_is_a_value_error(tmp_path):
    missing = tmp_path / "missing.xml"
    with pytest.raises(ValueError, match="missing.xml"):
        lockstep.load_mjcf(missing)


def test_load_mjcf_rejects_non_strings():
    with pytest.raises(TypeError, match="path"):
        lockstep.load_mjcf(123)


# ---- Simulator construction ----

def test_unknown_device_is_a_value_error(arm_model):
    with pytest.raises(ValueError, match="tpu"):
        lockstep.Simulator(arm_model, num_worlds=2, device="tpu")


@pytest.mark.skipif(lockstep.cuda_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_a_runtime_error(arm_model):
    with pytest.raises(RuntimeError, match="cuda"):
        lockstep.Simulator(arm_model, num_worlds=2, device="cuda")


@pytest.mark.parametrize("num_worlds", [0, -3])
def test_num_worlds_must_be_positive(arm_model, num_worlds):
    with pytest.raises(ValueError, match="num_worlds"):
        lockstep.Simulator(arm_model, num_worlds=num_worlds)


def test_model_must_be_a_model():
    with pytest.raises(TypeError):
        lockstep.Simulator("ant.xml", num_worlds=2)


# ---- Writing state ----

@pytest.fixture()
def sim(arm_model):
    return lockstep.Simulator(arm_model, num_worlds=4)


def test_in_place_write_of_wrong_shape_raises(sim):
    nq = sim.model.nq
    with pytest.raises(ValueError):
        sim.qpos[:] = np.zeros((4, nq + 1), np.float32)
    with pytest.raises(ValueError):
        sim.xpos[:] = np.zeros((4, 3))


def test_assignment_of_wrong_shape_names_field_and_shape(sim):
    nq = sim.model.nq
    before = sim.qpos.copy()
    with pytest.raises(ValueError, match=rf"qpos.*\(4, {nq}\)"):
        sim.qpos = np.zeros((5, nq))
    with pytest.raises(ValueError, match="ctrl"):
        sim.ctrl = "not a number"
    np.testing.assert_array_equal(sim.qpos, before)  # nothing written


def test_fields_cannot_be_deleted(sim):
    with pytest.raises(AttributeError):
        del sim.qpos


def test_model_arrays_are_read_only(arm_model):
    with pytest.raises(ValueError, match="read-only"):
        arm_model.body_pos[0, 0] = 1.0
    with pytest.raises(AttributeError):
        arm_model.body_pos = np.zeros((arm_model.nbody, 3))
    with pytest.raises(AttributeError):
        arm_model.nq = 3


def test_unknown_field_and_kind(sim, arm_model):
    with pytest.raises(ValueError, match="no_such_field"):
        sim.field("no_such_field")
    with pytest.raises(ValueError, match="kind"):
        arm_model.name2id("gizmo", "x")


def test_step_argument_type(sim):
    with pytest.raises(TypeError):
        sim.step("10")
