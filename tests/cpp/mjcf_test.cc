// Tests of the MJCF loader (engine/mjcf_parse.cc, engine/mjcf_compile.cc): the gymnasium models'
// sizes (numbers from mujoco 3.3.7), closed-form geom inertias, compile rules, and one test per
// kind of bad input checking that the message names file:line, element and attribute.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "engine/mjcf.h"

namespace lockstep {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::string gym(const std::string& name) {
  return std::string(LOCKSTEP_SHARED_DIR) + "/models/gymnasium/" + name;
}

// One body with a hinge and the given geom line, at the origin.
std::shared_ptr<Model> one_geom(const std::string& geom) {
  return load_mjcf_string("<mujoco><worldbody><body><joint/>" + geom +
                          "</body></worldbody></mujoco>");
}

struct GymSizes {
  const char* file;
  int nq, nv, nu, nbody, njnt, ngeom, ntendon, nwrap;
};

TEST(MjcfGymnasium, SizesMatchMujoco) {
  // From mujoco.MjModel.from_xml_path (mujoco 3.3.7).
  const GymSizes cases[] = {
      {"ant.xml", 15, 14, 8, 14, 9, 14, 0, 0},
      {"half_cheetah.xml", 9, 9, 6, 8, 9, 9, 0, 0},
      {"hopper.xml", 6, 6, 3, 5, 6, 5, 0, 0},
      {"humanoid.xml", 24, 23, 17, 14, 18, 18, 2, 4},
      {"reacher.xml", 4, 4, 2, 5, 4, 10, 0, 0},
      {"walker2d.xml", 9, 9, 6, 8, 9, 8, 0, 0},
  };
  for (const GymSizes& c : cases) {
    SCOPED_TRACE(c.file);
    auto m = load_mjcf(gym(c.file));
    EXPECT_EQ(m->size.nq, c.nq);
    EXPECT_EQ(m->size.nv, c.nv);
    EXPECT_EQ(m->size.nu, c.nu);
    EXPECT_EQ(m->size.nbody, c.nbody);
    EXPECT_EQ(m->size.njnt, c.njnt);
    EXPECT_EQ(m->size.ngeom, c.ngeom);
    EXPECT_EQ(m->size.ntendon, c.ntendon);
    EXPECT_EQ(m->size.nwrap, c.nwrap);
    EXPECT_EQ(m->size.nsite, 0);
    EXPECT_EQ(m->body_mass.size(), static_cast<size_t>(c.nbody));
    EXPECT_EQ(m->qpos0.size(), static_cast<size_t>(c.nq));
    EXPECT_EQ(m->body_names[0], "world");
  }
}

TEST(MjcfGymnasium, SelectedCompiledValuesMatchMujoco) {
  auto ant = load_mjcf(gym("ant.xml"));
  // Options, custom numeric, degree ranges, free-joint qpos0 and motor gears.
  EXPECT_FLOAT_EQ(ant->opt.timestep, 0.01f);
  EXPECT_EQ(ant->opt.integrator, kIntRK4);
  ASSERT_EQ(ant->numeric.at("init_qpos").size(), 15u);
  EXPECT_FLOAT_EQ(ant->numeric.at("init_qpos")[2], 0.55f);
  EXPECT_NEAR(ant->jnt_range[2 * 1 + 1], 30 * kPi / 180, 1e-6);
  EXPECT_FLOAT_EQ(ant->qpos0[2], 0.75f);
  EXPECT_FLOAT_EQ(ant->qpos0[3], 1.0f);
  EXPECT_EQ(ant->jnt_limited[0], 0);  // free joint
  EXPECT_EQ(ant->jnt_limited[1], 1);
  EXPECT_FLOAT_EQ(ant->actuator_gear[0], 150.0f);
  EXPECT_EQ(ant->actuator_trnid[0], ant->name2id("joint", "hip_4"));
  // Torso sphere, r = 0.25, density 5 (mujoco: body_mass[1] = 0.32724923).
  EXPECT_NEAR(ant->body_mass[1], 5 * 4.0 / 3 * kPi * 0.25 * 0.25 * 0.25, 1e-6);

  auto cheetah = load_mjcf(gym("half_cheetah.xml"));
  float total = 0;
  for (float m : cheetah->body_mass) total += m;
  EXPECT_NEAR(total, 14.0, 1e-4);  // settotalmass
  EXPECT_NEAR(cheetah->body_subtreemass[0], 14.0, 1e-4);
  EXPECT_FLOAT_EQ(cheetah->jnt_solimp[5 * 3 + 0], 0.0f);  // default class solimplimit
  EXPECT_FLOAT_EQ(cheetah->jnt_stiffness[3], 240.0f);

  auto hopper = load_mjcf(gym("hopper.xml"));
  EXPECT_FLOAT_EQ(hopper->qpos0[1], 1.25f);  // slide ref
  EXPECT_EQ(hopper->geom_condim[1], 1);
  EXPECT_FLOAT_EQ(hopper->geom_margin[1], 0.001f);

  auto humanoid = load_mjcf(gym("humanoid.xml"));
  EXPECT_EQ(humanoid->opt.solver, kSolverPGS);
  EXPECT_EQ(humanoid->opt.iterations, 50);
  EXPECT_EQ(humanoid->wrap_objid[0], humanoid->name2id("joint", "left_hip_y"));
  EXPECT_FLOAT_EQ(humanoid->wrap_prm[0], -1.0f);
  // mujoco: body_mass[1] (torso) = 8.907462370, subtreemass[0] = 40.83481.
  EXPECT_NEAR(humanoid->body_mass[1], 8.90746237, 1e-5);
}

TEST(MjcfTree, AddressesWeldsAndDofParents) {
  // Mirrors a case checked against mujoco: free body; hinge + ball body; slide child; massless
  // welded grandchild.
  auto m = load_mjcf_string(R"(<mujoco><worldbody>
    <body><freejoint/><geom size=".1"/></body>
    <body pos="1 0 0"><joint/><joint type="ball"/><geom size=".1"/>
      <body><joint type="slide"/><geom size=".1" mass="0"/>
        <body><geom size=".1"/></body></body></body></worldbody></mujoco>)");
  const int dof_parent[] = {-1, 0, 1, 2, 3, 4, -1, 6, 7, 8, 9};
  ASSERT_EQ(m->size.nv, 11);
  for (int i = 0; i < 11; ++i) EXPECT_EQ(m->dof_parentid[i], dof_parent[i]) << i;
  const int weld[] = {0, 1, 2, 3, 3}, root[] = {0, 1, 2, 2, 2};
  for (int b = 0; b < 5; ++b) {
    EXPECT_EQ(m->body_weldid[b], weld[b]);
    EXPECT_EQ(m->body_rootid[b], root[b]);
  }
  EXPECT_EQ(m->jnt_qposadr[2], 8);
  EXPECT_EQ(m->jnt_dofadr[2], 7);
  EXPECT_FLOAT_EQ(m->qpos0[8], 1.0f);  // ball identity
  EXPECT_EQ(m->body_jntadr[4], -1);
  EXPECT_EQ(m->body_dofadr[4], -1);
}

TEST(MjcfTree, BodiesByDepthWithTheirChildren) {
  // world ─ 1 ─ 2 ─ 3
  //       │   └ 4
  //       └ 5 ─ 6
  auto m = load_mjcf_string(R"(<mujoco><worldbody>
    <body><freejoint/><geom size=".1"/>
      <body><joint/><geom size=".1"/><body><joint/><geom size=".1"/></body></body>
      <body><joint/><geom size=".1"/></body></body>
    <body pos="1 0 0"><freejoint/><geom size=".1"/>
      <body><joint/><geom size=".1"/></body></body></worldbody></mujoco>)");
  ASSERT_EQ(m->size.nbody, 7);
  EXPECT_EQ(m->size.nlevel, 3);
  const std::vector<int> bylevel = {0, 1, 5, 2, 4, 6, 3};
  EXPECT_EQ(m->body_bylevel, bylevel);
  const int adr[] = {0, 1, 3, 6};
  for (int l = 0; l <= 3; ++l) EXPECT_EQ(m->body_leveladr[l], adr[l]) << l;
  const int childadr[] = {1, 3, 6, -1, -1, 5, -1}, childnum[] = {2, 2, 1, 0, 0, 1, 0};
  for (int b = 0; b < 7; ++b) {
    EXPECT_EQ(m->body_childadr[b], childadr[b]) << b;
    EXPECT_EQ(m->body_childnum[b], childnum[b]) << b;
    for (int k = 0; k < m->body_childnum[b]; ++k)
      EXPECT_EQ(m->body_parentid[m->body_bylevel[m->body_childadr[b] + k]], b);
  }
  const std::vector<int> subtreeend = {7, 5, 4, 4, 5, 7, 7};
  EXPECT_EQ(m->body_subtreeend, subtreeend);
}

// ---- closed-form geom inertias (density 1000) ----

TEST(MjcfInertia, Sphere) {
  auto m = one_geom(R"(<geom type="sphere" size="0.2"/>)");
  double mass = 1000 * 4.0 / 3 * kPi * 0.008;
  EXPECT_NEAR(m->body_mass[1], mass, 1e-4);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(m->body_inertia[3 + k], 0.4 * mass * 0.04, 1e-6);
  EXPECT_FLOAT_EQ(m->geom_rbound[0], 0.2f);
}

TEST(MjcfInertia, Box) {
  auto m = one_geom(R"(<geom type="box" size="0.1 0.2 0.3"/>)");
  double mass = 1000 * 8 * 0.1 * 0.2 * 0.3;
  EXPECT_NEAR(m->body_mass[1], mass, 1e-4);
  EXPECT_NEAR(m->body_inertia[3], mass * (0.04 + 0.09) / 3, 1e-5);
  EXPECT_NEAR(m->body_inertia[4], mass * (0.01 + 0.09) / 3, 1e-5);
  EXPECT_NEAR(m->body_inertia[5], mass * (0.01 + 0.04) / 3, 1e-5);
  EXPECT_NEAR(m->geom_rbound[0], std::sqrt(0.14), 1e-6);
}

TEST(MjcfInertia, Capsule) {
  const double r = 0.1, h = 1.0;  // h: cylinder length (size[1] = h / 2)
  auto m = one_geom(R"(<geom type="capsule" size="0.1 0.5"/>)");
  double mass = 1000 * (kPi * r * r * h + 4.0 / 3 * kPi * r * r * r);
  double ms = mass * 4 * r / (4 * r + 3 * h), mc = mass - ms;
  double ixx = mc * (3 * r * r + h * h) / 12 + 0.4 * ms * r * r + ms * h * (3 * r + 2 * h) / 8;
  double izz = mc * r * r / 2 + 0.4 * ms * r * r;
  EXPECT_NEAR(m->body_mass[1], mass, 1e-4);
  EXPECT_NEAR(m->body_inertia[3], ixx, 1e-5);
  EXPECT_NEAR(m->body_inertia[4], ixx, 1e-5);
  EXPECT_NEAR(m->body_inertia[5], izz, 1e-6);
  EXPECT_NEAR(m->geom_rbound[0], 0.6, 1e-6);
}

TEST(MjcfInertia, Cylinder) {
  // Flat cylinder: a single geom's inertia is copied unsorted (Izz > Ixx), as in MuJoCo.
  auto m = one_geom(R"(<geom type="cylinder" size="0.5 0.05"/>)");
  double mass = 1000 * kPi * 0.25 * 0.1;
  EXPECT_NEAR(m->body_mass[1], mass, 1e-3);
  EXPECT_NEAR(m->body_inertia[3], mass * (3 * 0.25 + 0.01) / 12, 1e-5);  // mujoco: 4.97418837
  EXPECT_NEAR(m->body_inertia[5], mass * 0.25 / 2, 1e-5);                // mujoco: 9.81747704
  EXPECT_NEAR(m->geom_rbound[0], std::sqrt(0.25 + 0.0025), 1e-6);
}

TEST(MjcfInertia, Ellipsoid) {
  auto m = one_geom(R"(<geom type="ellipsoid" size="0.1 0.2 0.3"/>)");
  double mass = 1000 * 4.0 / 3 * kPi * 0.1 * 0.2 * 0.3;
  EXPECT_NEAR(m->body_mass[1], mass, 1e-4);
  EXPECT_NEAR(m->body_inertia[3], mass * (0.04 + 0.09) / 5, 1e-6);
  EXPECT_NEAR(m->body_inertia[4], mass * (0.01 + 0.09) / 5, 1e-6);
  EXPECT_NEAR(m->body_inertia[5], mass * (0.01 + 0.04) / 5, 1e-6);
  EXPECT_NEAR(m->geom_rbound[0], 0.3, 1e-6);
}

TEST(MjcfInertia, SeveralGeomsParallelAxisDescending) {
  // Two 1 kg spheres of radius 0.1 at x = +-0.5: COM at 0, I = (2·0.004, 2·0.254, 2·0.254).
  auto m = one_geom(R"(<geom size="0.1" pos="0.5 0 0" mass="1"/>)"
                    R"(<geom size="0.1" pos="-0.5 0 0" mass="1"/>)");
  EXPECT_NEAR(m->body_mass[1], 2.0, 1e-6);
  EXPECT_NEAR(m->body_ipos[3], 0.0, 1e-7);
  EXPECT_NEAR(m->body_inertia[3], 0.508, 1e-6);
  EXPECT_NEAR(m->body_inertia[4], 0.508, 1e-6);
  EXPECT_NEAR(m->body_inertia[5], 0.008, 1e-6);
  // The principal frame maps the smallest (last) axis onto body x.
  double w = m->body_iquat[4], x = m->body_iquat[5], y = m->body_iquat[6], z = m->body_iquat[7];
  double col2_x = 2 * (x * z + w * y);  // R(0, 2)
  EXPECT_NEAR(std::fabs(col2_x), 1.0, 1e-6);
  EXPECT_NEAR(w * w + x * x + y * y + z * z, 1.0, 1e-6);
}

TEST(MjcfInertia, ExplicitInertialAndSettotalmass) {
  auto m = load_mjcf_string(R"(<mujoco><compiler inertiafromgeom="auto" settotalmass="4"/>
    <worldbody><body><joint/><inertial pos="0 0 0.1" mass="1" diaginertia="0.3 0.2 0.1"/>
    <geom size="1"/></body><body><joint/><geom size="0.1" mass="1"/></body></worldbody></mujoco>)");
  EXPECT_NEAR(m->body_mass[1], 2.0, 1e-6);
  EXPECT_NEAR(m->body_inertia[3], 0.6, 1e-6);
  EXPECT_NEAR(m->body_ipos[5], 0.1, 1e-7);
  EXPECT_NEAR(m->body_mass[2], 2.0, 1e-6);
}

// ---- frames and units ----

TEST(MjcfCompile, FromtoEulerAndDegrees) {
  auto m = load_mjcf_string(R"(<mujoco><compiler angle="degree"/><worldbody>
    <body euler="90 0 0"><joint range="-90 45" ref="30" springref="10"/>
      <joint type="slide" ref="0.5" range="-1 1"/>
      <geom type="capsule" fromto="0 0 0 0 0 -1" size="0.1"/></body></worldbody></mujoco>)");
  // euler 90 deg about x: (cos 45, sin 45, 0, 0).
  EXPECT_NEAR(m->body_quat[4], std::sqrt(0.5), 1e-6);
  EXPECT_NEAR(m->body_quat[5], std::sqrt(0.5), 1e-6);
  EXPECT_NEAR(m->jnt_range[0], -kPi / 2, 1e-6);
  EXPECT_NEAR(m->qpos0[0], kPi / 6, 1e-6);
  EXPECT_NEAR(m->qpos_spring[0], kPi / 18, 1e-6);
  EXPECT_FLOAT_EQ(m->jnt_range[3], 1.0f);   // slide: not converted
  EXPECT_FLOAT_EQ(m->qpos0[1], 0.5f);
  EXPECT_FLOAT_EQ(m->geom_pos[2], -0.5f);   // fromto midpoint
  EXPECT_FLOAT_EQ(m->geom_size[1], 0.5f);   // half length
  // z axis along from - to = +z: identity.
  EXPECT_NEAR(std::fabs(m->geom_quat[0]), 1.0, 1e-6);
}

TEST(MjcfCompile, ActuatorShortcutsAndDefaults) {
  auto m = load_mjcf_string(R"(<mujoco><default><default class="c"><position kp="7"/></default>
    </default><worldbody><body><joint name="j"/><geom size=".1"/></body></worldbody>
    <actuator><position joint="j" kp="3" kv="2"/><position joint="j" class="c"/>
    <velocity joint="j"/><motor joint="j" ctrlrange="-1 1"/></actuator></mujoco>)");
  EXPECT_FLOAT_EQ(m->actuator_gainprm[0], 3);
  EXPECT_FLOAT_EQ(m->actuator_biasprm[1], -3);
  EXPECT_FLOAT_EQ(m->actuator_biasprm[2], -2);
  EXPECT_FLOAT_EQ(m->actuator_gainprm[10], 7);
  EXPECT_FLOAT_EQ(m->actuator_biasprm[11], -7);
  EXPECT_FLOAT_EQ(m->actuator_gainprm[20], 1);
  EXPECT_FLOAT_EQ(m->actuator_biasprm[22], -1);
  EXPECT_EQ(m->actuator_biastype[3], kBiasNone);
  EXPECT_EQ(m->actuator_ctrllimited[3], 1);  // auto with autolimits
  EXPECT_EQ(m->actuator_ctrllimited[0], 0);
}

TEST(MjcfCompile, SkippedElementsAndFlags) {
  auto m = load_mjcf_string(R"(<mujoco><option><flag contact="disable" gravity="disable"/></option>
    <sensor><jointpos joint="j"/></sensor><keyframe><key qpos="0"/></keyframe>
    <worldbody><light/><body><joint name="j"/><geom size=".1"/><site name="s" pos="0 0 1"/></body>
    </worldbody></mujoco>)");
  EXPECT_EQ(m->opt.disableflags, kDsblContact | kDsblGravity);
  EXPECT_EQ(m->size.nsite, 1);
  EXPECT_FLOAT_EQ(m->site_pos[2], 1.0f);
}

// ---- bad inputs: message has "bad.xml:LINE:", the element and the attribute ----

std::string error_of(const std::string& xml) {
  try {
    load_mjcf_string(xml, "bad.xml");
  } catch (const MjcfError& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_error(const std::string& xml, int line, const std::string& element,
                  const std::string& attr) {
  std::string msg = error_of(xml);
  SCOPED_TRACE(msg);
  EXPECT_NE(msg.find("bad.xml:" + std::to_string(line) + ":"), std::string::npos);
  EXPECT_NE(msg.find(element), std::string::npos);
  if (!attr.empty()) EXPECT_NE(msg.find("attribute '" + attr + "'"), std::string::npos);
}

// Body content on line 3.
std::string in_body(const std::string& content) {
  return "<mujoco>\n<worldbody><body>\n" + content + "\n</body></worldbody></mujoco>";
}

TEST(MjcfErrors, MalformedXml) {
  std::string msg = error_of("<mujoco>\n<worldbody>\n<body>\n</worldbody>\n</mujoco>");
  EXPECT_NE(msg.find("bad.xml:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("malformed XML"), std::string::npos) << msg;
}

TEST(MjcfErrors, UnknownElementAndAttribute) {
  expect_error(in_body("<joint/><spring/>"), 3, "spring", "");
  expect_error(in_body(R"(<joint/><geom size=".1" bogus="1"/>)"), 3, "geom", "bogus");
  expect_error("<mujoco>\n<option foo=\"1\"/></mujoco>", 2, "option", "foo");
}

TEST(MjcfErrors, MissingRequiredAttributes) {
  expect_error(in_body(R"(<joint/><geom type="capsule"/>)"), 3, "geom", "size");
  expect_error(in_body(R"(<joint/><geom type="capsule" fromto="0 0 0 1 0 0"/>)"), 3, "geom",
               "size");
  expect_error("<mujoco><worldbody><body><joint name=\"j\"/><geom size=\".1\"/></body>"
               "</worldbody>\n<actuator>\n<motor gear=\"1\"/></actuator></mujoco>",
               3, "motor", "joint");
}

TEST(MjcfErrors, BadNumbers) {
  expect_error(in_body(R"(<joint/><geom size=".1" pos="1 2"/>)"), 3, "geom", "pos");
  expect_error(in_body(R"(<joint/><geom size=".1" pos="1 x 2"/>)"), 3, "geom", "pos");
  expect_error(in_body(R"(<joint/><geom size="0.1 0.2 0.3 0.4"/>)"), 3, "geom", "size");
}

TEST(MjcfErrors, NonPositiveMassSizeDensity) {
  expect_error(in_body(R"(<joint/><geom size="0"/>)"), 3, "geom", "size");
  expect_error(in_body(R"(<joint/><geom size="-1"/>)"), 3, "geom", "size");
  expect_error(in_body(R"(<joint/><geom type="box" size="0.1 0.1"/>)"), 3, "geom", "size");
  expect_error(in_body(R"(<joint/><geom size=".1" mass="-1"/>)"), 3, "geom", "mass");
  expect_error(in_body(R"(<joint/><geom size=".1" density="-1"/>)"), 3, "geom", "density");
  expect_error(in_body(R"(<joint/><inertial pos="0 0 0" mass="0" diaginertia="1 1 1"/>)"), 3,
               "inertial", "mass");
}

TEST(MjcfErrors, MasslessMovingBody) {
  expect_error(in_body("<joint/>"), 2, "body", "");
  // A welded child carrying mass and inertia makes it valid (as in MuJoCo).
  EXPECT_NO_THROW(load_mjcf_string(
      R"(<mujoco><worldbody><body><joint type="slide"/><body><geom size=".1"/></body></body>
      </worldbody></mujoco>)"));
}

TEST(MjcfErrors, MissingReferences) {
  expect_error("<mujoco><worldbody><body><joint name=\"j\"/><geom size=\".1\"/></body>"
               "</worldbody>\n<actuator>\n<motor joint=\"nope\"/></actuator></mujoco>",
               3, "motor", "joint");
  expect_error(in_body(R"(<joint class="nope"/><geom size=".1"/>)"), 3, "joint", "class");
}

TEST(MjcfErrors, UnsupportedFeatures) {
  expect_error(in_body(R"(<joint/><geom type="mesh" mesh="m"/>)"), 3, "geom", "type");
  expect_error(in_body(R"(<joint/><geom type="hfield"/>)"), 3, "geom", "type");
  expect_error("<mujoco>\n<equality/></mujoco>", 2, "equality", "");
  expect_error("<mujoco>\n<tendon>\n<spatial/></tendon></mujoco>", 3, "spatial", "");
  expect_error("<mujoco>\n<extension/></mujoco>", 2, "extension", "");
  expect_error(in_body("<composite/>"), 3, "composite", "");
  expect_error("<mujoco>\n<deformable/></mujoco>", 2, "deformable", "");
  expect_error("<mujoco>\n<compiler coordinate=\"global\"/></mujoco>", 2, "compiler",
               "coordinate");
  expect_error("<mujoco><worldbody><body><joint name=\"j\"/><geom size=\".1\"/></body>"
               "</worldbody>\n<actuator>\n<general joint=\"j\" dyntype=\"filter\"/></actuator>"
               "</mujoco>",
               3, "general", "dyntype");
  expect_error("<mujoco><worldbody><body><joint name=\"j\"/><geom size=\".1\"/></body>"
               "</worldbody>\n<actuator>\n<motor tendon=\"t\"/></actuator></mujoco>",
               3, "motor", "tendon");
  expect_error("<mujoco>\n<actuator>\n<muscle joint=\"j\"/></actuator></mujoco>", 3, "muscle",
               "");
  expect_error(in_body(R"(<joint type="ball" range="0 30"/><geom size=".1"/>)"), 3, "joint",
               "limited");
  expect_error(in_body(R"(<joint frictionloss="0.1"/><geom size=".1"/>)"), 3, "joint",
               "frictionloss");
}

TEST(MjcfErrors, LimitsAndOrientation) {
  expect_error(in_body(R"(<joint limited="true" range="1 0"/><geom size=".1"/>)"), 3, "joint",
               "range");
  expect_error("<mujoco><compiler autolimits=\"false\"/><worldbody><body>\n"
               "<joint range=\"0 1\"/><geom size=\".1\"/></body></worldbody></mujoco>",
               2, "joint", "limited");
  expect_error(in_body(R"(<joint/><geom size=".1" quat="1 0 0 0" euler="0 0 1"/>)"), 3, "geom",
               "euler");
}

TEST(MjcfErrors, FileNotFound) {
  try {
    load_mjcf("/nonexistent/model.xml");
    FAIL() << "no error";
  } catch (const MjcfError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.xml"), std::string::npos);
  }
}

}  // namespace
}  // namespace lockstep
