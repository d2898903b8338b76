// Collision stage: analytic cases for each narrowphase routine, candidate-pair compilation
// (filters, mixing, order, slots) on a small MJCF, and the per-world driver (masks, ncon,
// kDsblContact). Expected pair sets and parameters were checked against mujoco 3.3.7 (margin
// 100 on every geom makes every candidate pair report contacts).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "engine/collision.h"
#include "engine/collision_box.h"
#include "engine/collision_pairs.h"
#include "engine/collision_primitive.h"
#include "engine/mjcf.h"
#include "engine/state.h"

namespace lockstep {
namespace {

constexpr float kTol = 1e-5f;

Mat3 identity() { return {{1, 0, 0, 0, 1, 0, 0, 0, 1}}; }
// Rotation by `angle` [rad] about the unit axis.
Mat3 rot(Vec3 axis, float angle) { return quat_to_mat(axis_angle_quat(axis, angle)); }
GeomPose pose(Vec3 pos, Mat3 mat, Vec3 size) { return {pos, mat, size}; }
Vec3 normal(const Contact& c) { return {c.frame.m[0], c.frame.m[1], c.frame.m[2]}; }
Vec3 tangent1(const Contact& c) { return {c.frame.m[3], c.frame.m[4], c.frame.m[5]}; }

void expect_vec(Vec3 a, Vec3 b, float tol = kTol) {
  EXPECT_NEAR(a.x, b.x, tol);
  EXPECT_NEAR(a.y, b.y, tol);
  EXPECT_NEAR(a.z, b.z, tol);
}

// The frame is orthonormal and right-handed.
void expect_frame_ok(const Contact& c) {
  Vec3 n = normal(c), t1 = tangent1(c), t2{c.frame.m[6], c.frame.m[7], c.frame.m[8]};
  EXPECT_NEAR(dot(n, n), 1.0f, kTol);
  EXPECT_NEAR(dot(t1, t1), 1.0f, kTol);
  EXPECT_NEAR(dot(n, t1), 0.0f, kTol);
  expect_vec(cross(n, t1), t2);
}

const GeomPose kFloor = pose({0, 0, 0}, identity(), {0, 0, 1});

TEST(CollisionFrame, DefaultTangentFollowsMuJoCo) {
  Contact c = make_contact(0, {0, 0, 0}, {0, 0, 1});
  expect_vec(tangent1(c), {0, 1, 0});
  expect_vec({c.frame.m[6], c.frame.m[7], c.frame.m[8]}, {-1, 0, 0});
  Contact d = make_contact(0, {0, 0, 0}, {0, 1, 0});  // |n_y| >= 0.5: seed (0, 0, 1)
  expect_vec(tangent1(d), {0, 0, 1});
  expect_frame_ok(d);
}

TEST(CollisionPrimitive, PlaneSphere) {
  Contact c[1];
  collide_plane_sphere(kFloor, pose({0.1f, 0.2f, 0.25f}, identity(), {0.3f, 0, 0}), c);
  EXPECT_NEAR(c[0].dist, -0.05f, kTol);
  expect_vec(c[0].pos, {0.1f, 0.2f, -0.025f});
  expect_vec(normal(c[0]), {0, 0, 1});
  // tilted plane: normal follows the plane's z axis
  Mat3 r = rot({1, 0, 0}, 0.5f);
  collide_plane_sphere(pose({0, 0, 0}, r, {0, 0, 1}), pose({0, 0, 2}, identity(), {0.5f, 0, 0}), c);
  expect_vec(normal(c[0]), column(r, 2));
  EXPECT_NEAR(c[0].dist, 2 * std::cos(0.5f) - 0.5f, kTol);
}

TEST(CollisionPrimitive, PlaneCapsuleTwoEndsTangentAlongAxis) {
  Contact c[2];
  // capsule along world x (local z turned onto x), radius 0.1, half length 0.3, 0.05 deep
  collide_plane_capsule(kFloor, pose({0, 0, 0.05f}, rot({0, 1, 0}, M_PI / 2), {0.1f, 0.3f, 0}), c);
  for (int k = 0; k < 2; ++k) {
    EXPECT_NEAR(c[k].dist, -0.05f, kTol);
    EXPECT_NEAR(std::fabs(tangent1(c[k]).x), 1.0f, kTol);
    expect_frame_ok(c[k]);
  }
  expect_vec(c[0].pos, {0.3f, 0, -0.025f});  // +axis end first
  expect_vec(c[1].pos, {-0.3f, 0, -0.025f});
}

TEST(CollisionPrimitive, PlaneBoxFourLowerCorners) {
  Contact c[4];
  collide_plane_box(kFloor, pose({0, 0, 0.15f}, rot({0, 0, 1}, 0.3f), {0.2f, 0.2f, 0.2f}), c);
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(c[k].dist, -0.05f, kTol);
    EXPECT_NEAR(c[k].pos.z, -0.025f, kTol);
    EXPECT_NEAR(std::hypot(c[k].pos.x, c[k].pos.y), 0.2f * std::sqrt(2.0f), kTol);
  }
  // tilted 45 degrees about y: one corner pair lowest
  collide_plane_box(kFloor, pose({0, 0, 0.25f}, rot({0, 1, 0}, M_PI / 4), {0.2f, 0.2f, 0.2f}), c);
  int lowest = 0;
  for (int k = 0; k < 4; ++k) lowest += std::fabs(c[k].dist - (0.25f - 0.2f * std::sqrt(2.0f))) < kTol;
  EXPECT_EQ(lowest, 2);
}

TEST(CollisionPrimitive, PlaneCylinderUprightAndTilted) {
  Contact c[4];
  // upright, 0.05 deep: near disk points at 0, +120, -120 degrees of the local x axis
  collide_plane_cylinder(kFloor, pose({0, 0, 0.3f}, identity(), {0.25f, 0.35f, 0}), c);
  EXPECT_NEAR(c[0].dist, -0.05f, kTol);
  expect_vec(c[0].pos, {0.25f, 0, -0.025f});
  EXPECT_NEAR(c[1].dist, 0.65f, kTol);  // far disk
  expect_vec(c[2].pos, {-0.125f, 0.2165064f, -0.025f});
  expect_vec(c[3].pos, {-0.125f, -0.2165064f, -0.025f});
  // tilted by a about y: deepest rim point at depth h cos a + r sin a below the centre
  const float a = 0.4f, r = 0.25f, h = 0.35f, z = 0.4f;
  collide_plane_cylinder(kFloor, pose({0, 0, z}, rot({0, 1, 0}, a), {r, h, 0}), c);
  EXPECT_NEAR(c[0].dist, z - h * std::cos(a) - r * std::sin(a), kTol);
  EXPECT_NEAR(c[1].dist, z + h * std::cos(a) - r * std::sin(a), kTol);
  EXPECT_NEAR(c[2].dist, z - h * std::cos(a) + 0.5f * r * std::sin(a), kTol);
  EXPECT_NEAR(c[3].dist, c[2].dist, kTol);
}

TEST(CollisionPrimitive, SphereSphere) {
  Contact c[1];
  collide_sphere_sphere(pose({0, 0, 0}, identity(), {0.5f, 0, 0}),
                        pose({0.8f, 0, 0}, identity(), {0.5f, 0, 0}), c);
  EXPECT_NEAR(c[0].dist, -0.2f, kTol);
  expect_vec(normal(c[0]), {1, 0, 0});
  expect_vec(c[0].pos, {0.4f, 0, 0});
}

TEST(CollisionPrimitive, SphereCapsule) {
  Contact c[1];
  // capsule along x, sphere above its middle
  collide_sphere_capsule(pose({0.3f, 0.5f, 0}, identity(), {0.2f, 0, 0}),
                         pose({0, 0, 0}, rot({0, 1, 0}, M_PI / 2), {0.2f, 1.0f, 0}), c);
  EXPECT_NEAR(c[0].dist, 0.1f, kTol);
  expect_vec(normal(c[0]), {0, -1, 0});
  expect_vec(c[0].pos, {0.3f, 0.25f, 0});
  // beyond the end cap: distance to the end point
  collide_sphere_capsule(pose({1.5f, 0, 0}, identity(), {0.2f, 0, 0}),
                         pose({0, 0, 0}, rot({0, 1, 0}, M_PI / 2), {0.2f, 1.0f, 0}), c);
  EXPECT_NEAR(c[0].dist, 0.1f, kTol);
  expect_vec(normal(c[0]), {-1, 0, 0});
}

TEST(CollisionPrimitive, CapsuleCapsuleCrossedAndParallel) {
  Contact c[2];
  GeomPose along_x = pose({0, 0, 0}, rot({0, 1, 0}, M_PI / 2), {0.1f, 0.5f, 0});
  collide_capsule_capsule(along_x, pose({0, 0, 0.3f}, rot({1, 0, 0}, M_PI / 2), {0.1f, 0.5f, 0}), c);
  EXPECT_EQ(c[1].exists, 0.0f);
  EXPECT_NEAR(c[0].dist, 0.1f, kTol);
  expect_vec(normal(c[0]), {0, 0, 1});
  expect_vec(c[0].pos, {0, 0, 0.15f});
  // parallel, overlapping by half their length: two contacts, from the ends of capsule 1
  collide_capsule_capsule(along_x, pose({0.5f, 0, 0.15f}, rot({0, 1, 0}, M_PI / 2), {0.1f, 0.5f, 0}), c);
  EXPECT_EQ(c[1].exists, 1.0f);
  EXPECT_NEAR(c[0].dist, -0.05f, kTol);  // end x = +0.5 over capsule 2
  EXPECT_NEAR(c[1].dist, std::hypot(0.5f, 0.15f) - 0.2f, kTol);  // end x = -0.5 to its end 0
}

TEST(CollisionPrimitive, SphereBoxOutsideAndInside) {
  Contact c[1];
  GeomPose box = pose({0, 0, 0}, rot({0, 0, 1}, 0.3f), {0.3f, 0.2f, 0.1f});
  // above the top face
  collide_sphere_box(pose({0.05f, 0, 0.25f}, identity(), {0.1f, 0, 0}), box, c);
  EXPECT_NEAR(c[0].dist, 0.05f, kTol);
  expect_vec(normal(c[0]), {0, 0, -1});
  expect_vec(c[0].pos, {0.05f, 0, 0.125f});
  // beside an edge: nearest point on the edge
  Vec3 ex = column(box.mat, 0), ez{0, 0, 1};
  Vec3 centre = (0.3f + 0.1f) * ex + (0.1f + 0.1f) * ez;
  collide_sphere_box(pose(centre, identity(), {0.05f, 0, 0}), box, c);
  EXPECT_NEAR(c[0].dist, 0.1f * std::sqrt(2.0f) - 0.05f, kTol);
  // centre inside, nearest the top face: normal into the box, depth = clearance + radius
  collide_sphere_box(pose({0, 0, 0.08f}, identity(), {0.1f, 0, 0}), box, c);
  EXPECT_NEAR(c[0].dist, -(0.02f + 0.1f), kTol);
  expect_vec(normal(c[0]), {0, 0, -1});
}

TEST(CollisionPrimitive, CapsuleBoxLyingOnFace) {
  Contact c[2];
  GeomPose box = pose({0, 0, 0}, identity(), {1.0f, 1.0f, 0.1f});
  // horizontal capsule 0.01 deep into the top face: two supports at the same depth
  collide_capsule_box(pose({0.2f, 0, 0.19f}, rot({0, 1, 0}, M_PI / 2), {0.1f, 0.3f, 0}), box, c);
  for (int k = 0; k < 2; ++k) {
    EXPECT_NEAR(c[k].dist, -0.01f, kTol);
    expect_vec(normal(c[k]), {0, 0, -1});
  }
  EXPECT_GT(std::fabs(c[0].pos.x - c[1].pos.x), 0.1f);
  // tilted: slot 0 is the deepest point, the lower end
  collide_capsule_box(pose({0, 0, 0.3f}, rot({0, 1, 0}, 1.2f), {0.05f, 0.3f, 0}), box, c);
  EXPECT_NEAR(c[0].dist, 0.3f - 0.3f * std::cos(1.2f) - 0.1f - 0.05f, 1e-4f);
}

TEST(CollisionPrimitive, BoxBoxStacked) {
  // values from mujoco 3.3.7
  Contact c[kMaxContactSlots];
  GeomPose base = pose({0, 0, 0}, identity(), {0.5f, 0.5f, 0.1f});
  collide_box_box(base, pose({0.1f, 0, 0.19f}, rot({0, 0, 1}, 0.3f), {0.2f, 0.3f, 0.1f}), c, 0.01f);
  int n = 0;
  for (int k = 0; k < kMaxContactSlots; ++k) {
    if (c[k].exists == 0.0f) continue;
    ++n;
    EXPECT_NEAR(c[k].dist, -0.005f, kTol);  // MuJoCo reports half the depth on a face axis
    EXPECT_NEAR(c[k].pos.z, 0.095f, kTol);
    expect_vec(normal(c[k]), {0, 0, 1});
    expect_frame_ok(c[k]);
  }
  EXPECT_EQ(n, 4);  // the top box's bottom corners, all over the base
}

TEST(CollisionPrimitive, BoxBoxFaceClipAndEdgeCross) {
  // values from mujoco 3.3.7
  Contact c[kMaxContactSlots];
  GeomPose base = pose({0, 0, 0}, identity(), {0.5f, 0.5f, 0.1f});
  // a cube turned 45 degrees about z, overhanging the base's +x edge, 0.01 deep: 3 of its bottom
  // corners and the 2 crossings of its bottom edges with the base's edge x = 0.5
  collide_box_box(base, pose({0.45f, 0, 0.19f}, rot({0, 0, 1}, M_PI / 4), {0.1f, 0.1f, 0.1f}), c, 0.01f);
  int n = 0;
  float h = 0.1f * std::sqrt(2.0f);
  for (int k = 0; k < kMaxContactSlots; ++k) {
    if (c[k].exists == 0.0f) continue;
    ++n;
    EXPECT_NEAR(c[k].dist, -0.005f, kTol);
    EXPECT_NEAR(c[k].pos.z, 0.095f, kTol);
    float x = c[k].pos.x, y = std::fabs(c[k].pos.y);
    bool known = (std::fabs(x - 0.5f) < kTol && std::fabs(y - (h - 0.05f)) < kTol) ||
                 (std::fabs(x - 0.45f) < kTol && std::fabs(y - h) < kTol) ||
                 (std::fabs(x - (0.45f - h)) < kTol && y < kTol);
    EXPECT_TRUE(known) << x << " " << c[k].pos.y;
  }
  EXPECT_EQ(n, 5);
  // crossed edges: two bars turned 45 degrees about their long axes, the upper one's lower edge
  // 0.02 below the lower one's upper edge: one contact at the full depth, normal +z
  GeomPose lower = pose({0, 0, 0}, rot({0, 1, 0}, M_PI / 4), {0.1f, 0.5f, 0.1f});
  GeomPose upper = pose({0, 0, 2 * h - 0.02f}, rot({1, 0, 0}, M_PI / 4), {0.5f, 0.1f, 0.1f});
  collide_box_box(lower, upper, c, 0.01f);
  n = 0;
  for (int k = 0; k < kMaxContactSlots; ++k) {
    if (c[k].exists == 0.0f) continue;
    ++n;
    EXPECT_NEAR(c[k].dist, -0.02f, kTol);
    expect_vec(c[k].pos, {0, 0, h - 0.01f});
    expect_vec(normal(c[k]), {0, 0, 1});
  }
  EXPECT_EQ(n, 1);
}

TEST(CollisionPrimitive, BoxBoxEqualCubesNineContactsOrFour) {
  // values from mujoco 3.3.7: a cube on an equal cube, 0.001 deep. Turned 45 degrees about z the
  // faces overlap in an octagon: its 8 vertices plus the upper cube's lowest corner, which MuJoCo
  // keeps although it overhangs (9 contacts, hence 9 slots). Aligned, the crossings of coinciding
  // edges fall on the corners twice and MuJoCo's driver drops exact repeats: 4 contacts.
  Contact c[kMaxContactSlots];
  GeomPose lower = pose({0, 0, 0}, identity(), {0.1f, 0.1f, 0.1f});
  collide_box_box(lower, pose({0, 0, 0.199f}, rot({0, 0, 1}, M_PI / 4), {0.1f, 0.1f, 0.1f}), c, 0.01f);
  const float a = 0.1f * (std::sqrt(2.0f) - 1.0f), b = 0.1f * std::sqrt(2.0f);
  int n = 0;
  for (int k = 0; k < kMaxContactSlots; ++k) {
    if (c[k].exists == 0.0f) continue;
    ++n;
    EXPECT_NEAR(c[k].dist, -0.0005f, kTol);
    EXPECT_NEAR(c[k].pos.z, 0.0995f, kTol);
    expect_vec(normal(c[k]), {0, 0, 1});
    float x = std::fabs(c[k].pos.x), y = std::fabs(c[k].pos.y);
    bool octagon = (std::fabs(x - 0.1f) < kTol && std::fabs(y - a) < kTol) ||
                   (std::fabs(y - 0.1f) < kTol && std::fabs(x - a) < kTol);
    bool lowest = x < kTol && std::fabs(y - b) < kTol;
    EXPECT_TRUE(octagon || lowest) << c[k].pos.x << " " << c[k].pos.y;
  }
  EXPECT_EQ(n, 9);
  collide_box_box(lower, pose({0, 0, 0.199f}, identity(), {0.1f, 0.1f, 0.1f}), c, 0.01f);
  n = 0;
  for (int k = 0; k < kMaxContactSlots; ++k) {
    if (c[k].exists == 0.0f) continue;
    ++n;
    EXPECT_NEAR(std::fabs(c[k].pos.x), 0.1f, kTol);
    EXPECT_NEAR(std::fabs(c[k].pos.y), 0.1f, kTol);
    EXPECT_NEAR(c[k].dist, -0.0005f, kTol);
  }
  EXPECT_EQ(n, 4);
  // apart by more than the margin along a face axis: nothing
  collide_box_box(lower, pose({0, 0, 0.25f}, rot({0, 0, 1}, 0.3f), {0.1f, 0.1f, 0.1f}), c, 0.01f);
  for (int k = 0; k < kMaxContactSlots; ++k) EXPECT_EQ(c[k].exists, 0.0f);
}

// ---- candidate pairs and driver ----------------------------------------------------------------

const char* kFilterXml = R"(
<mujoco>
  <worldbody>
    <geom name="floor" type="plane" size="5 5 0.1"/>
    <geom name="wall" type="box" size="1 1 1" pos="5 0 0"/>
    <body name="a" pos="0 0 1">
      <freejoint/>
      <geom name="a1" type="sphere" size="0.1" friction="0.7 0.02 0.0003" solmix="3" solref="0.05 1"/>
      <geom name="a2" type="capsule" size="0.05 0.2" contype="2" conaffinity="2"/>
      <body name="b" pos="0.3 0 0">
        <joint type="hinge"/>
        <geom name="b1" type="capsule" size="0.05 0.2" priority="1" condim="4"/>
        <body name="c" pos="0.3 0 0">
          <joint type="hinge"/>
          <geom name="c1" type="sphere" size="0.1"/>
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
    <pair geom1="b1" geom2="a1" condim="1"/>
  </contact>
</mujoco>)";

std::vector<std::string> pair_names(const Model& m) {
  std::vector<std::string> out;
  for (int i = 0; i < m.size.ncollision; ++i)
    out.push_back(m.geom_names[m.collision_geom1[i]] + "-" + m.geom_names[m.collision_geom2[i]]);
  return out;
}

TEST(CollisionPairs, MuJoCoFiltersOrderAndSlots) {
  std::shared_ptr<Model> m = load_mjcf_string(kFilterXml);
  compile_collision_pairs(*m);
  // mujoco 3.3.7's contact order with margin 100 on every geom, plus the explicit pair
  const std::vector<std::string> expected = {"floor-a1", "a1-wall", "floor-b1", "b1-wall",
                                             "floor-c1", "c1-wall", "a1-b1",    "a1-d1",
                                             "b1-d1",    "c1-d1"};
  EXPECT_EQ(pair_names(*m), expected);
  EXPECT_EQ(m->size.ncon_max, 13);
  int adr = 0;
  for (int i = 0; i < m->size.ncollision; ++i) {
    EXPECT_EQ(m->collision_conadr[i], adr);
    EXPECT_LE(m->geom_type[m->collision_geom1[i]], m->geom_type[m->collision_geom2[i]]);
    for (int k = 0; k < m->collision_connum[i]; ++k) EXPECT_EQ(m->slot_collisionid[adr + k], i);
    adr += m->collision_connum[i];
  }
  // mixing (values read from mujoco 3.3.7's d.contact)
  EXPECT_NEAR(m->collision_solref[0], 0.0425f, 1e-6f);  // floor-a1: solmix 1:3
  const float fri[5] = {1, 1, 0.02f, 3e-4f, 3e-4f};     // maxima, spread to 5
  for (int k = 0; k < 5; ++k) EXPECT_NEAR(m->collision_friction[k], fri[k], 1e-7f);
  EXPECT_EQ(m->collision_condim[2], 4);                 // floor-b1: b1 has priority
  EXPECT_NEAR(m->collision_friction[5 * 2 + 2], 0.005f, 1e-7f);
  EXPECT_EQ(m->collision_condim[6], 1);                 // explicit pair keeps its own
  EXPECT_EQ(m->collision_func[1], kColSphereBox);

  // filterparent off: b1-c1 (parent-child) joins
  m->opt.disableflags |= kDsblFilterParent;
  compile_collision_pairs(*m);
  EXPECT_EQ(m->size.ncollision, 11);
}

// The loader compiles the pairs, so the refusal reaches the user as an MjcfError naming the file.
TEST(CollisionPairs, UnsupportedPairIsRefused) {
  try {
    load_mjcf_string(R"(
<mujoco><worldbody>
  <body><freejoint/><geom name="e" type="ellipsoid" size="0.1 0.2 0.3"/></body>
  <body pos="1 0 0"><freejoint/><geom name="s" type="sphere" size="0.1"/></body>
</worldbody></mujoco>)", "pair.xml");
    FAIL() << "expected MjcfError";
  } catch (const MjcfError& e) {
    EXPECT_NE(std::string(e.what()).find("pair.xml"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'e' (ellipsoid)"), std::string::npos) << e.what();
  }
}

// One world's state buffer with geom poses written by hand.
struct World {
  std::vector<float> buf;
  StateView view;
  Data d;
  explicit World(const Model& m)
      : buf(StateLayout::make(m.size).per_world, 0.0f),
        view{buf.data(), StateLayout::make(m.size), 1, false},
        d(view.world(0)) {}
  void set_geom(int g, Vec3 p, Mat3 r) {
    d.geom_xpos()[3 * g] = p.x;
    d.geom_xpos()[3 * g + 1] = p.y;
    d.geom_xpos()[3 * g + 2] = p.z;
    for (int k = 0; k < 9; ++k) d.geom_xmat()[9 * g + k] = r.m[k];
  }
};

TEST(CollisionDriver, ActiveMaskNconAndDisable) {
  std::shared_ptr<Model> m = load_mjcf_string(R"(
<mujoco><worldbody>
  <geom name="floor" type="plane" size="5 5 0.1"/>
  <body><freejoint/><geom name="ball" type="sphere" size="0.1" margin="0.02"/></body>
  <body pos="1 0 0"><freejoint/><geom name="cap" type="capsule" size="0.05 0.2"/></body>
</worldbody></mujoco>)");
  compile_collision_pairs(*m);
  ASSERT_EQ(m->size.ncollision, 3);  // floor-ball, floor-cap, ball-cap
  ASSERT_EQ(m->size.ncon_max, 4);
  World w(*m);
  w.set_geom(0, {0, 0, 0}, identity());
  w.set_geom(1, {0, 0, 0.11f}, identity());  // 0.01 above the floor: inside its 0.02 margin
  w.set_geom(2, {2, 0, 0.24f}, identity());  // upright capsule: lower end 0.01 deep, upper clear
  collision(m->view(), w.d);
  EXPECT_EQ(w.d.ncon()[0], 2.0f);
  EXPECT_EQ(w.d.contact_active()[0], 1.0f);
  EXPECT_NEAR(w.d.contact_dist()[0], 0.01f, kTol);
  EXPECT_EQ(w.d.contact_geom()[0], 0.0f);
  EXPECT_EQ(w.d.contact_geom()[1], 1.0f);
  EXPECT_EQ(w.d.contact_active()[1], 0.0f);  // capsule upper end
  EXPECT_EQ(w.d.contact_active()[2], 1.0f);  // capsule lower end
  EXPECT_NEAR(w.d.contact_dist()[2], -0.01f, kTol);
  EXPECT_EQ(w.d.contact_active()[3], 0.0f);  // ball-cap far apart
  EXPECT_EQ(w.d.contact_overflow()[0], 0.0f);

  m->opt.disableflags |= kDsblContact;
  collision(m->view(), w.d);
  EXPECT_EQ(w.d.ncon()[0], 0.0f);
  for (int i = 0; i < m->size.ncon_max; ++i) EXPECT_EQ(w.d.contact_active()[i], 0.0f);
}

}  // namespace
}  // namespace lockstep
