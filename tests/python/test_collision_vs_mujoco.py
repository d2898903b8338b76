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
         ("capsule", "capsule"), ("capsule", "box"), ("box", "box")]


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
            s = 0.5 * (lo + hi)
            if abs(_min_dist(probe, dp, make(s)) - target) > 1e-6:
                # The target fell in a jump of MuJoCo's deepest distance, and the bisection
                # converged onto the jump: box-box reports half the depth on a face axis and the
                # full depth on an edge axis, so it jumps where the two overlaps tie, and the
                # state found is one where they agree to MuJoCo's own tie threshold (1e-12
                # relative): its pick there is float64 rounding (found in ~0.6% of box-box
                # states). Step 10 um further apart, off the jump, to a generic state.
                s = hi + 1e-5
            qs.append(make(s))
        out.append((_xml(t1, t2, MARGIN, pq, pp), qs))
    return out


def _angle(a, b):
    """Angle [rad] between two vectors, accurate near 0 (float64, atan2 of |a x b| and a.b)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.arctan2(np.linalg.norm(np.cross(a, b)), np.dot(a, b)))


def _lockstep_contacts(xml, qs):
    """Lockstep's contacts at each state of one model: per state the active slots' arrays
    {"dist": (k,), "pos": (k, 3), "frame": (k, 9)}."""
    sim = lockstep.Simulator(lockstep.load_mjcf(xml), num_worlds=len(qs))
    qpos = np.asarray(sim.qpos)
    for w, q in enumerate(qs):
        qpos[w] = q
    sim.forward()
    n = len(qs)
    active = np.asarray(sim.contact_active).reshape(n, -1) > 0
    dist = np.asarray(sim.contact_dist).reshape(n, -1)
    pos = np.asarray(sim.contact_pos).reshape(n, -1, 3)
    frame = np.asarray(sim.contact_frame).reshape(n, -1, 9)
    ncon = np.asarray(sim.ncon).reshape(n)
    out = []
    for w in range(n):
        slots = np.flatnonzero(active[w])
        assert ncon[w] == len(slots)
        out.append({"dist": dist[w, slots], "pos": pos[w, slots], "frame": frame[w, slots]})
    return out


def _compare_states(xml, qs):
    """Per state of one model: (count equal, [(|ddist|, |dpos|, normal angle, t1 angle), ...])."""
    m = mujoco.MjModel.from_xml_string(xml)
    d = mujoco.MjData(m)
    results = []
    for q, mine in zip(qs, _lockstep_contacts(xml, qs)):
        d.qpos[:] = q
        mujoco.mj_forward(m, d)
        slots = list(range(len(mine["dist"])))
        errs = []
        if d.ncon == len(slots):
            for i in range(d.ncon):
                c = d.contact[i]
                j = min(slots, key=lambda k: np.linalg.norm(mine["pos"][k] - c.pos))
                slots.remove(j)
                errs.append((abs(mine["dist"][j] - c.dist), np.linalg.norm(mine["pos"][j] - c.pos),
                             _angle(mine["frame"][j, :3], c.frame[:3]),
                             _angle(mine["frame"][j, 3:6], c.frame[3:6])))
        results.append((d.ncon == len(mine["dist"]), errs))
    return results


TOL = np.array([1e-4, 1e-4, 1e-4, 1e-3])  # dist [m], pos [m], normal [rad], t1 [rad]


def _compare(t1, t2, seed):
    """Per configuration: (count equal, [(|ddist|, |dpos|, normal angle, t1 angle), ...])."""
    rng = np.random.default_rng(seed)
    results = []
    for xml, qs in _configurations(t1, t2, rng, 10 if t1 == "plane" else 1):
        results += _compare_states(xml, qs)
    return results


@pytest.mark.parametrize("t1,t2", EXACT, ids=[f"{a}-{b}" for a, b in EXACT])
def test_contacts_match_mujoco(t1, t2):
    results = _compare(t1, t2, seed=zlib.crc32(f"{t1}-{t2}".encode()))
    assert len(results) >= NCONF
    mismatched = sum(not ok for ok, _ in results)
    assert mismatched == 0, f"{mismatched}/{len(results)} configurations differ in contact count"
    errs = np.array([e for _, es in results for e in es])
    assert len(errs) >= NCONF // 2
    worst = errs.max(axis=0)
    assert np.all(worst < TOL), f"worst |ddist|, |dpos|, normal, t1 angle: {worst}"


@pytest.mark.parametrize("angle", [0, 10, 30, 45])
def test_box_box_stacked_cubes_match_mujoco(angle):
    """A cube on an equal cube turned about the vertical, 0.5 mm to 2 mm deep and just apart:
    the face-face manifold, MuJoCo's 9 contacts at 30 and 45 degrees (octagon + lowest corner),
    and its removal of repeated points when the cubes are aligned (4 contacts)."""
    xml = ('<mujoco><option gravity="0 0 0"/><worldbody>'
           '<body><freejoint/><geom type="box" size="0.1 0.1 0.1" margin="0.01"/></body>'
           '<body><freejoint/><geom type="box" size="0.1 0.1 0.1" margin="0.01"/></body>'
           "</worldbody></mujoco>")
    a = np.radians(angle)
    q2 = [np.cos(a / 2), 0, 0, np.sin(a / 2)]
    qs = [np.concatenate([[0, 0, 0, 1, 0, 0, 0], [0, 0, z], q2])
          for z in (0.198, 0.1995, 0.2, 0.2005, 0.205)]
    results = _compare_states(xml, qs)
    assert all(ok for ok, _ in results), [ok for ok, _ in results]
    assert np.all(np.array([e for _, es in results for e in es]).max(axis=0) < TOL)


def _face_edge_tie(m, d, rel=1e-9):
    """Whether the least face-axis overlap and the least edge-axis overlap of the two boxes
    (float64, MuJoCo's separating-axis quantities) agree to `rel`."""
    mat1, mat2 = d.geom_xmat[0].reshape(3, 3), d.geom_xmat[1].reshape(3, 3)
    s1, s2 = m.geom_size[0], m.geom_size[1]
    dp = d.geom_xpos[1] - d.geom_xpos[0]
    rot = mat1.T @ mat2
    face = min(min(s1[i] + abs(rot[i]) @ s2 - abs(mat1[:, i] @ dp),
                   s2[i] + abs(rot[:, i]) @ s1 - abs(mat2[:, i] @ dp)) for i in range(3))
    edge = np.inf
    for i in range(3):
        for j in range(3):
            ax = np.cross(mat1[:, i], mat2[:, j])
            if np.linalg.norm(ax) < 1e-6:
                continue
            ax /= np.linalg.norm(ax)
            edge = min(edge, abs(mat1.T @ ax) @ s1 + abs(mat2.T @ ax) @ s2 - abs(ax @ dp))
    return abs(edge - face) <= rel * abs(face)


def test_box_box_differs_only_at_face_edge_ties():
    """Known float32 limit. On a face axis MuJoCo reports half the depth, on an edge axis the
    full depth, so its deepest distance jumps where a face and an edge axis tie; the generator's
    bisection on that distance converges onto such a jump in ~0.6% of states, leaving a state
    whose face and edge overlaps agree to MuJoCo's own tie threshold (relative 1e-12). MuJoCo's
    pick there is decided by float64 rounding (17 face, 9 edge in 4000 states); float32 cannot
    resolve it. Over 400 more states every mismatch must be such a tie."""
    mismatched = 0
    for seed in (1, 7):
        rng = np.random.default_rng(seed)
        for xml, qs in _configurations("box", "box", rng, 1):
            m = mujoco.MjModel.from_xml_string(xml)
            d = mujoco.MjData(m)
            for (ok, errs), q in zip(_compare_states(xml, qs), qs):
                if ok and (not errs or np.all(np.max(errs, axis=0) < TOL)):
                    continue
                mismatched += 1
                d.qpos[:] = q
                mujoco.mj_forward(m, d)
                assert _face_edge_tie(m, d), f"seed {seed}: state {q} differs without a tie"
    assert mismatched <= 8, f"{mismatched} mismatched states at ties (expected about 0.6%)"


def test_capsule_box_differs_only_where_two_points_coincide():
    """Known float32 limit. Where the capsule's second candidate point lands on its first (the
    walk along the segment finds no room), MuJoCo reports the same point twice or once as float64
    rounding falls (~1.5% of random states). Over 600 more states every mismatch must be such a
    case: one engine reports two coincident points where the other reports one, and the
    distances and positions agree."""
    mismatched = 0
    for seed in (11, 12, 13):
        rng = np.random.default_rng(seed)
        for xml, qs in _configurations("capsule", "box", rng, 1):
            m = mujoco.MjModel.from_xml_string(xml)
            d = mujoco.MjData(m)
            contacts = _lockstep_contacts(xml, qs)
            for w, (ok, _) in enumerate(_compare_states(xml, qs)):
                if ok:
                    continue
                mismatched += 1
                d.qpos[:] = qs[w]
                mujoco.mj_forward(m, d)
                mine = list(zip(contacts[w]["dist"], contacts[w]["pos"]))
                theirs = [(d.contact[i].dist, d.contact[i].pos) for i in range(d.ncon)]
                two, one = (mine, theirs) if len(mine) == 2 else (theirs, mine)
                assert len(two) == 2 and len(one) == 1, (len(mine), len(theirs))
                assert np.linalg.norm(two[0][1] - two[1][1]) < 1e-6
                assert abs(two[0][0] - one[0][0]) < 1e-4
                assert np.linalg.norm(two[0][1] - one[0][1]) < 1e-4
    assert mismatched <= 30, f"{mismatched} mismatched states (expected about 1.5%)"


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
