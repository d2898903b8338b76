// Private to the MJCF loader: the spec tree that mjcf_parse.cc builds from XML (attributes
// read, default classes applied, nothing derived yet) and mjcf_compile.cc turns into a Model.
// Values are kept as written (degrees stay degrees) so that compilation is one place.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/model.h"

namespace lockstep {
namespace mjcf {

// Throws MjcfError "FILE:LINE: ELEMENT attribute 'ATTR': PROBLEM" (attribute part omitted when
// `attr` is empty, line omitted when 0).
[[noreturn]] void fail(const std::string& file, int line, const std::string& element,
                       const std::string& attr, const std::string& problem);

// Where a spec object came from, for compile-time errors.
struct Where {
  int line = 0;
  std::string element;
};

// One of MuJoCo's orientation forms, as written.
struct Orientation {
  enum Kind { kNone, kQuat, kAxisAngle, kEuler, kXYAxes, kZAxis } kind = kNone;
  double v[6] = {1, 0, 0, 0, 0, 0};
  std::string attr;  // attribute it came from, for errors
};

enum Limited { kLimitedFalse = 0, kLimitedTrue = 1, kLimitedAuto = 2 };

struct CompilerSpec {
  bool degree = true;
  std::string eulerseq = "xyz";
  int inertiafromgeom = 2;  // 0 false, 1 true, 2 auto
  double settotalmass = -1;
  bool autolimits = true;
  double boundmass = 0, boundinertia = 0;
  int inertiagrouprange[2] = {0, 5};
};

struct JointSpec {
  Where at;
  std::string name;
  int type = kJntHinge;
  double pos[3] = {0, 0, 0};
  double axis[3] = {0, 0, 1};
  double range[2] = {0, 0};
  int limited = kLimitedAuto;
  double solref[2] = {0.02, 1};
  double solimp[5] = {0.9, 0.95, 0.001, 0.5, 2};
  double stiffness = 0, damping = 0, armature = 0, frictionloss = 0, ref = 0, springref = 0,
         margin = 0;
};

struct GeomSpec {
  Where at;
  std::string name;
  int type = kGeomSphere;
  double size[3] = {0, 0, 0};
  int nsize = 0;  // how many size values were written (element or default)
  bool has_fromto = false;
  double fromto[6] = {0, 0, 0, 0, 0, 0};
  double pos[3] = {0, 0, 0};
  Orientation orient;
  double density = 1000;
  double mass = -1;  // < 0: not given, use density
  int contype = 1, conaffinity = 1, condim = 3, priority = 0, group = 0;
  double friction[3] = {1, 0.005, 0.0001};
  double margin = 0, gap = 0, solmix = 1;
  double solref[2] = {0.02, 1};
  double solimp[5] = {0.9, 0.95, 0.001, 0.5, 2};
};

struct SiteSpec {
  Where at;
  std::string name;
  double pos[3] = {0, 0, 0};
  Orientation orient;
};

struct ActuatorSpec {
  Where at;
  std::string name;
  std::string joint;
  int joint_line = 0;
  int ctrllimited = kLimitedAuto, forcelimited = kLimitedAuto;
  double ctrlrange[2] = {0, 0};
  double forcerange[2] = {0, 0};
  double gear[6] = {1, 0, 0, 0, 0, 0};
  int gaintype = kGainFixed, biastype = kBiasNone;
  double gainprm[10] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  double biasprm[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
};

struct TendonJointSpec {
  int line = 0;
  std::string joint;
  double coef = 1;
};

struct TendonSpec {
  Where at;
  std::string name;
  int limited = kLimitedAuto;
  double range[2] = {0, 0};
  double stiffness = 0, damping = 0, margin = 0;
  double springlength[2] = {-1, -1};  // -1 -1: length at qpos0
  double solref[2] = {0.02, 1};
  double solimp[5] = {0.9, 0.95, 0.001, 0.5, 2};
  std::vector<TendonJointSpec> joints;
};

struct PairSpec {
  Where at;
  std::string geom1, geom2;
  int condim = 3;
  double friction[5] = {1, 1, 0.005, 0.0001, 0.0001};
  double solref[2] = {0.02, 1};
  double solimp[5] = {0.9, 0.95, 0.001, 0.5, 2};
  double margin = 0, gap = 0;
};

struct ExcludeSpec {
  Where at;
  std::string body1, body2;
};

// A default class: the full state each element kind starts from.
struct DefaultClass {
  std::string name;
  JointSpec joint;
  GeomSpec geom;
  SiteSpec site;
  ActuatorSpec actuator;
  TendonSpec tendon;
  PairSpec pair;
};

struct InertialSpec {
  bool present = false;
  Where at;
  double pos[3] = {0, 0, 0};
  Orientation orient;
  double mass = 0;
  bool has_diag = false, has_full = false;
  double diaginertia[3] = {0, 0, 0};
  double fullinertia[6] = {0, 0, 0, 0, 0, 0};  // xx yy zz xy xz yz
};

struct BodySpec {
  Where at;
  std::string name;
  double pos[3] = {0, 0, 0};
  Orientation orient;
  InertialSpec inertial;
  std::vector<JointSpec> joints;  // joint and freejoint elements, in order
  std::vector<GeomSpec> geoms;
  std::vector<SiteSpec> sites;
  std::vector<BodySpec> children;
};

struct ModelSpec {
  std::string file;
  std::string model_name;
  CompilerSpec compiler;
  Option opt;
  BodySpec world;
  std::vector<ActuatorSpec> actuators;
  std::vector<TendonSpec> tendons;
  std::vector<PairSpec> pairs;
  std::vector<ExcludeSpec> excludes;
  std::map<std::string, std::vector<float>> numeric;
};

// XML text -> spec. Throws MjcfError.
ModelSpec parse_mjcf(const std::string& xml, const std::string& file);
// Spec -> Model with MuJoCo's compile semantics. Throws MjcfError.
std::shared_ptr<Model> compile_mjcf(const ModelSpec& spec);

}  // namespace mjcf
}  // namespace lockstep
