"""Collision stage against mujoco 3.3.7: contacts of every supported geom-type pair, and the
compiled candidate pairs with their mixed parameters.

Configurations: two free bodies (for plane pairs, a static plane with a random pose and one free
body), random orientations, placed along a random direction so that MuJoCo's deepest contact has
a distance drawn from [-0.04, 0.015] m (found by bisection on MuJoCo itself) with margin 0.01:
the range a simulation lives in, with contacts inside the margin but not touching as well. Every
configuration is one world of a single Lockstep simulator. Contacts are matched by position;
tolerances reflect float32 (1e-4 m, 1e-4 rad).
"""
import zlib

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")
import lockstep  # noqa: E402

MARGIN = 0.01
NCONF = 200
SIZES = {"sphere": "0.15", "capsule": "0.1 0.25", "box": "0.2 0.12 0.3",
         "cylinder": "0.15 0.25"}
EXACT = [("plane", "sphere"), ("plane", "capsule"), ("plane", "box"), ("plane", "cylinder"),
         ("sphere", "sphere"), ("sphere", "capsule"), ("sphere", "box"),
         ("capsule", "capsule"), ("capsule", "box")]
# Routines that are not (yet) MuJoCo's: see engine/collision_primitive.h.
APPROXIMATE = [("box", "box")]


def _xml(t1, t2, margin, plane_quat=(1, 0, 0, 0), plane_pos=(0, 0, 0)):
    if t1 == "plane":
        q = " ".join(map(repr, map(float, plane_quat)))
        p = " ".join(map(repr, map(float, plane_pos)))
        first = f'<geom type="plane" size="0 0 1" pos="{p}" quat="{q}" margin="{margin}"/>'
    else:
        first = (f'<body><freejoint/><geom type="{t1}" size="{SIZES[t1]}" margin="{margin}"/>'
                 "</body>")
    return (f'<mujoco><option gravity="0 0 0"/><worldbody>{first}<body><freejoint/>'
            f'<geom type="{t2}" size="{SIZES[t2]}" margin="{margin}"/></body></worldbody>'
            "</mujoco>")


def _rquat(rng):
    q = rng.normal(size=4)
    return q / np.linalg.norm(q)


def _min_dist(m, d, q):
    d.qpos[:] = q
    mujoco.mj_forward(m, d)
    return min((d.contact[i].dist for i in range(d.ncon)), default=1.0)


def _configurations(t1, t2, rng, n_models):
    """[(xml, [qpos, ...]), ...]: n_models models of NCONF // n_models near-contact states."""
    out = []
    for _ in range(n_models):
        pq = _rquat(rng) if t1 == "plane" else np.array([1.0, 0, 0, 0])
        pp = rng.uniform(-0.5, 0.5, 3) if t1 == "plane" else np.zeros(3)
        probe = mujoco.MjModel.from_xml_string(_xml(t1, t2, 0.5, pq, pp))  # wide margin
        dp = mujoco.MjData(probe)
        qs = []
        for _ in range(NCONF // n_models):
            if t1 == "plane":
                mat = np.zeros(9)
                mujoco.mju_quat2Mat(mat, pq)
                nrm = mat.reshape(3, 3)[:, 2]
                base = pp + rng.uniform(-0.3, 0.3, 3)
                base -= nrm * np.dot(base - pp, nrm)
                qq = _rquat(rng)
                make = lambda s, base=base, nrm=nrm, qq=qq: np.concatenate([base + s * nrm, qq])
                lo = -1.0
            else:
                u = rng.normal(size=3)
                u /= np.linalg.norm(u)
                q1, q2, p1 = _rquat(rng), _rquat(rng), rng.uniform(-0.3, 0.3, 3)
                make = lambda s, u=u, q1=q1, q2=q2, p1=p1: np.concatenate([p1, q1, p1 + s * u, q2])
                lo = 0.0
            target, hi = rng.uniform(-0.04, 0.015), 1.5
            for _ in range(50):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if _min_dist(probe, dp, make(mid)) < target else (lo, mid)
            qs.append(make(0.5 * (lo + hi)))
        out.append((_xml(t1, t2, MARGIN, pq, pp), qs))
    return out


def _angle(a, b):
    """Angle [rad] between two vectors, accurate near 0 (float64, atan2 of |a x b| and a.b)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.arctan2(np.linalg.norm(np.cross(a, b)), np.dot(a, b)))


def _compare(t1, t2, seed):
    """Per configuration: (count equal, [(|ddist|, |dpos|, normal angle, t1 angle), ...])."""
    rng = np.random.default_rng(seed)
    results = []
    for xml, qs in _configurations(t1, t2, rng, 10 if t1 == "plane" else 1):
        m = mujoco.MjModel.from_xml_string(xml)
        d = mujoco.MjData(m)
        sim = lockstep.Simulator(lockstep.load_mjcf(xml), num_worlds=len(qs))
        qpos = np.asarray(sim.qpos)
        for w, q in enumerate(qs):
            qpos[w] = q
        sim.forward()
        n = len(qs)
        active = np.asarray(sim.contact_active).reshape(n, -1)
        dist = np.asarray(sim.contact_dist).reshape(n, -1)
        pos = np.asarray(sim.contact_pos).reshape(n, -1, 3)
        frame = np.asarray(sim.contact_frame).reshape(n, -1, 9)
        ncon = np.asarray(sim.ncon).reshape(n)
        for w, q in enumerate(qs):
            d.qpos[:] = q
            mujoco.mj_forward(m, d)
            slots = list(np.flatnonzero(active[w] > 0))
            assert ncon[w] == len(slots)
            errs = []
            if d.ncon == len(slots):
                for i in range(d.ncon):
                    c = d.contact[i]
                    j = min(slots, key=lambda k: np.linalg.norm(pos[w, k] - c.pos))
                    slots.remove(j)
                    errs.append((abs(dist[w, j] - c.dist), np.linalg.norm(pos[w, j] - c.pos),
                                 _angle(frame[w, j, :3], c.frame[:3]),
                                 _angle(frame[w, j, 3:6], c.frame[3:6])))
            results.append((d.ncon == int(ncon[w]), errs))
    return results


@pytest.mark.parametrize("t1,t2", EXACT, ids=[f"{a}-{b}" for a, b in EXACT])
def test_contacts_match_mujoco(t1, t2):
    results = _compare(t1, t2, seed=zlib.crc32(f"{t1}-{t2}".encode()))
    assert len(results) >= NCONF
    mismatched = sum(not ok for ok, _ in results)
    assert mismatched == 0, f"{mismatched}/{len(results)} configurations differ in contact count"
    errs = np.array([e for _, es in results for e in es])
    assert len(errs) >= NCONF // 2
    tol = np.array([1e-4, 1e-4, 1e-4, 1e-3])  # dist [m], pos [m], normal [rad], t1 [rad]
    worst = errs.max(axis=0)
    assert np.all(worst < tol), f"worst |ddist|, |dpos|, normal, t1 angle: {worst}"


@pytest.mark.xfail(strict=True, reason="box-box is not yet MuJoCo's routine "
                   "(engine/collision_primitive.h)")
@pytest.mark.parametrize("t1,t2", APPROXIMATE, ids=[f"{a}-{b}" for a, b in APPROXIMATE])
def test_contacts_match_mujoco_pending(t1, t2):
    test_contacts_match_mujoco(t1, t2)


@pytest.mark.parametrize("t1,t2,floor", [("capsule", "box", 0.9), ("box", "box", 0.5)],
                         ids=["capsule-box", "box-box"])
def test_deepest_contact_close_to_mujoco(t1, t2, floor):
    """Where the routine differs, the deepest distance should still agree (within 1 mm) in a
    share of states; `floor` is today's share rounded down, a guard against regressions."""
    rng = np.random.default_rng(7)
    agree, total = 0, 0
    for xml, qs in _configurations(t1, t2, rng, 1):
        m = mujoco.MjModel.from_xml_string(xml)
        d = mujoco.MjData(m)
        sim = lockstep.Simulator(lockstep.load_mjcf(xml), num_worlds=len(qs))
        qpos = np.asarray(sim.qpos)
        for w, q in enumerate(qs):
            qpos[w] = q
        sim.forward()
        n = len(qs)
        active = np.asarray(sim.contact_active).reshape(n, -1) > 0
        dist = np.where(active, np.asarray(sim.contact_dist).reshape(n, -1), np.inf)
        for w, q in enumerate(qs):
            d.qpos[:] = q
            mujoco.mj_forward(m, d)
            if d.ncon == 0:
                continue
            total += 1
            agree += abs(min(d.contact[i].dist for i in range(d.ncon)) - dist[w].min()) < 1e-3
    print(f"{t1}-{t2}: deepest distance within 1 mm in {agree}/{total} states")
    assert agree >= floor * total, f"deepest distance within 1 mm in {agree}/{total} states"


FILTER_XML = """
<mujoco>
  <default><geom margin="100"/></default>
  <worldbody>
    <geom name="floor" type="plane" size="5 5 0.1"/>
    <geom name="wall" type="box" size="1 1 1" pos="5 0 0"/>
    <body name="a" pos="0 0 1">
      <freejoint/>
      <geom name="a1" type="sphere" size="0.1" friction="0.7 0.02 0.0003" solmix="3"
            solref="0.05 1" solimp="0.8 0.9 0.01 0.4 3" gap="0.5"/>
      <geom name="a2" type="capsule" size="0.05 0.2" contype="2" conaffinity="2"/>
      <body name="b" pos="0.3 0 0">
        <joint type="hinge"/>
        <geom name="b1" type="capsule" size="0.05 0.2" priority="1" condim="4" margin="120"/>
        <body name="c" pos="0.3 0 0">
          <joint type="hinge"/>
          <geom name="c1" type="sphere" size="0.1" friction="0 0 0"/>
        </body>
      </body>
    </body>
    <body name="d" pos="2 0 1">
      <geom name="d1" type="box" size="0.1 0.1 0.1"/>
    </body>
    <body name="e" pos="0 2 1">
      <freejoint/>
      <geom name="e1" type="sphere" size="0.1" contype="0" conaffinity="0"/>
    </body>
  </worldbody>
  <contact>
    <exclude body1="a" body2="c"/>
    <pair geom1="b1" geom2="a1" condim="1" margin="100" gap="1" friction="0.3 0.3 0.01 0.001 0.001"/>
  </contact>
</mujoco>
"""


def test_candidate_pairs_and_parameters_match_mujoco():
    """Margin 100 on every geom: MuJoCo reports a contact for every candidate pair, in its order,
    with its mixed parameters."""
    m = mujoco.MjModel.from_xml_string(FILTER_XML)
    d = mujoco.MjData(m)
    mujoco.mj_forward(m, d)
    model = lockstep.load_mjcf(FILTER_XML)
    sim = lockstep.Simulator(model, num_worlds=1)
    sim.forward()
    g1 = np.asarray(model.collision_geom1)
    g2 = np.asarray(model.collision_geom2)
    slot_pair = np.asarray(model.slot_collisionid)
    active = np.asarray(sim.contact_active).reshape(-1) > 0
    pairs = [(int(g1[slot_pair[s]]), int(g2[slot_pair[s]])) for s in np.flatnonzero(active)]
    assert pairs == [(int(d.contact[i].geom1), int(d.contact[i].geom2)) for i in range(d.ncon)]
    for s, i in zip(np.flatnonzero(active), range(d.ncon)):
        c, p = d.contact[i], int(slot_pair[s])
        assert np.asarray(model.collision_condim)[p] == c.dim
        np.testing.assert_allclose(np.asarray(model.collision_friction).reshape(-1, 5)[p],
                                   c.friction, rtol=1e-6)
        np.testing.assert_allclose(np.asarray(model.collision_solref).reshape(-1, 2)[p],
                                   c.solref, rtol=1e-6)
        np.testing.assert_allclose(np.asarray(model.collision_solimp).reshape(-1, 5)[p],
                                   c.solimp, rtol=1e-6)
        margin = np.asarray(model.collision_margin)[p]
        gap = np.asarray(model.collision_gap)[p]
        assert margin - gap == pytest.approx(c.includemargin, rel=1e-6)
