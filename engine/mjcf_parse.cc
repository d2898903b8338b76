// MJCF XML -> mjcf::ModelSpec: reads every supported element and attribute, applies default
// classes (MuJoCo's rules: a nested class starts as a copy of its parent; an element starts as
// a copy of its class, explicit `class` first, then the enclosing bodies' `childclass`, then
// "main"), and refuses what it does not know. Nothing is derived here; see mjcf_compile.cc.
#include <tinyxml2.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "engine/mjcf.h"
#include "engine/mjcf_spec.h"

namespace lockstep {
namespace mjcf {

void fail(const std::string& file, int line, const std::string& element, const std::string& attr,
          const std::string& problem) {
  std::string msg = file;
  if (line > 0) msg += ":" + std::to_string(line);
  msg += ": " + element;
  if (!attr.empty()) msg += " attribute '" + attr + "'";
  msg += ": " + problem;
  throw MjcfError(msg);
}

namespace {

using tinyxml2::XMLAttribute;
using tinyxml2::XMLElement;

// Elements that only affect rendering or bookkeeping: accepted anywhere they may appear and
// skipped with their whole subtree.
bool is_skipped(const std::string& name) {
  return name == "visual" || name == "asset" || name == "statistic" || name == "size" ||
         name == "sensor" || name == "keyframe" || name == "camera" || name == "light";
}

// Known MuJoCo elements that would change the physics and that Lockstep does not implement.
bool is_unsupported(const std::string& name) {
  static const char* kNames[] = {
      "equality", "extension", "plugin",  "composite", "flexcomp", "flex",     "deformable",
      "frame",    "attach",    "replicate", "include", "spatial",  "cylinder", "muscle",
      "adhesion", "damper",    "intvelocity", "skin",  "contact_override"};
  for (const char* n : kNames)
    if (name == n) return true;
  return false;
}

class Parser {
 public:
  explicit Parser(std::string file) { spec_.file = std::move(file); }

  ModelSpec parse(const std::string& xml) {
    tinyxml2::XMLDocument doc;
    if (doc.Parse(xml.c_str(), xml.size()) != tinyxml2::XML_SUCCESS) {
      std::string what = doc.ErrorStr() ? doc.ErrorStr() : "parse error";
      fail(spec_.file, doc.ErrorLineNum(), "XML", "", "malformed XML: " + what);
    }
    const XMLElement* root = doc.RootElement();
    if (!root) fail(spec_.file, 1, "XML", "", "no root element");
    if (std::string(root->Name()) != "mujoco")
      error(root, "", "root element must be <mujoco>");
    check_attrs(root, {"model"});
    read_string(root, "model", &spec_.model_name);

    // Pass 1: settings and defaults, which the rest depends on wherever they are written.
    DefaultClass main;
    main.name = "main";
    classes_.push_back(main);
    class_index_["main"] = 0;
    for (const XMLElement* e = root->FirstChildElement(); e; e = e->NextSiblingElement()) {
      std::string n = e->Name();
      if (n == "compiler") parse_compiler(e);
      else if (n == "option") parse_option(e);
      else if (n == "default") parse_default(e, -1);
    }
    // Pass 2: the model itself.
    spec_.world.at = {root->GetLineNum(), "worldbody"};
    spec_.world.name = "world";
    for (const XMLElement* e = root->FirstChildElement(); e; e = e->NextSiblingElement()) {
      std::string n = e->Name();
      if (n == "compiler" || n == "option" || n == "default" || is_skipped(n)) continue;
      if (n == "worldbody") {
        check_attrs(e, {"childclass"});
        parse_body_content(e, &spec_.world, class_of(e, "childclass", 0), true);
      } else if (n == "actuator") {
        parse_actuators(e);
      } else if (n == "tendon") {
        parse_tendons(e);
      } else if (n == "contact") {
        parse_contact(e);
      } else if (n == "custom") {
        parse_custom(e);
      } else {
        unknown_element(e);
      }
    }
    return std::move(spec_);
  }

 private:
  ModelSpec spec_;
  std::vector<DefaultClass> classes_;
  std::map<std::string, int> class_index_;

  [[noreturn]] void error(const XMLElement* e, const std::string& attr, const std::string& what) {
    fail(spec_.file, e->GetLineNum(), e->Name(), attr, what);
  }

  [[noreturn]] void unknown_element(const XMLElement* e) {
    if (is_unsupported(e->Name())) error(e, "", "element not supported by Lockstep");
    error(e, "", "unknown element");
  }

  void check_attrs(const XMLElement* e, std::initializer_list<const char*> allowed) {
    for (const XMLAttribute* a = e->FirstAttribute(); a; a = a->Next()) {
      bool ok = false;
      for (const char* n : allowed)
        if (std::strcmp(n, a->Name()) == 0) ok = true;
      if (!ok) error(e, a->Name(), "unknown attribute");
    }
  }

  void check_no_children(const XMLElement* e) {
    if (const XMLElement* c = e->FirstChildElement()) unknown_element(c);
  }

  bool read_string(const XMLElement* e, const char* attr, std::string* out) {
    const char* v = e->Attribute(attr);
    if (!v) return false;
    *out = v;
    return true;
  }

  // Reads between min_n and max_n numbers into out[0..n); returns n, 0 if absent.
  int read_numbers(const XMLElement* e, const char* attr, double* out, int min_n, int max_n) {
    const char* v = e->Attribute(attr);
    if (!v) return 0;
    std::istringstream in(v);
    std::string tok;
    std::vector<double> vals;
    while (in >> tok) {
      errno = 0;
      char* end = nullptr;
      double x = std::strtod(tok.c_str(), &end);
      if (end == tok.c_str() || *end != '\0' || errno == ERANGE || !std::isfinite(x))
        error(e, attr, "'" + tok + "' is not a finite number");
      vals.push_back(x);
    }
    int n = static_cast<int>(vals.size());
    if (n < min_n || n > max_n) {
      std::string want = min_n == max_n ? std::to_string(min_n)
                                        : std::to_string(min_n) + " to " + std::to_string(max_n);
      error(e, attr, "expected " + want + " numbers, got " + std::to_string(n));
    }
    for (int i = 0; i < n; ++i) out[i] = vals[i];
    return n;
  }

  bool read_number(const XMLElement* e, const char* attr, double* out) {
    return read_numbers(e, attr, out, 1, 1) == 1;
  }

  bool read_int(const XMLElement* e, const char* attr, int* out) {
    double x;
    if (!read_number(e, attr, &x)) return false;
    if (x != static_cast<double>(static_cast<long>(x))) error(e, attr, "expected an integer");
    *out = static_cast<int>(x);
    return true;
  }

  bool read_keyword(const XMLElement* e, const char* attr,
                    std::initializer_list<std::pair<const char*, int>> table, int* out) {
    const char* v = e->Attribute(attr);
    if (!v) return false;
    std::string allowed;
    for (const auto& kv : table) {
      if (std::strcmp(kv.first, v) == 0) {
        *out = kv.second;
        return true;
      }
      allowed += allowed.empty() ? kv.first : std::string(", ") + kv.first;
    }
    error(e, attr, "'" + std::string(v) + "' is not one of: " + allowed);
  }

  bool read_bool(const XMLElement* e, const char* attr, bool* out) {
    int v;
    if (!read_keyword(e, attr, {{"false", 0}, {"true", 1}}, &v)) return false;
    *out = v != 0;
    return true;
  }

  void read_limited(const XMLElement* e, const char* attr, int* out) {
    read_keyword(e, attr, {{"false", kLimitedFalse}, {"true", kLimitedTrue},
                           {"auto", kLimitedAuto}}, out);
  }

  void read_orientation(const XMLElement* e, Orientation* o) {
    struct Form { const char* attr; Orientation::Kind kind; int n; };
    static const Form kForms[] = {{"quat", Orientation::kQuat, 4},
                                  {"axisangle", Orientation::kAxisAngle, 4},
                                  {"euler", Orientation::kEuler, 3},
                                  {"xyaxes", Orientation::kXYAxes, 6},
                                  {"zaxis", Orientation::kZAxis, 3}};
    const char* seen = nullptr;
    for (const Form& f : kForms) {
      if (!e->Attribute(f.attr)) continue;
      if (seen)
        error(e, f.attr, std::string("multiple orientation specifiers (also '") + seen + "')");
      seen = f.attr;
      o->kind = f.kind;
      o->attr = f.attr;
      read_numbers(e, f.attr, o->v, f.n, f.n);
    }
  }

  // Default class of an element: its `class` attribute, else the inherited one.
  int class_of(const XMLElement* e, const char* attr, int inherited) {
    const char* c = e->Attribute(attr);
    if (!c) return inherited;
    auto it = class_index_.find(c);
    if (it == class_index_.end()) error(e, attr, "default class '" + std::string(c) + "' not found");
    return it->second;
  }

  // ---- settings ----

  void parse_compiler(const XMLElement* e) {
    check_attrs(e, {"angle", "coordinate", "inertiafromgeom", "settotalmass", "autolimits",
                    "eulerseq", "boundmass", "boundinertia", "inertiagrouprange", "balanceinertia",
                    "strippath", "meshdir", "texturedir", "assetdir", "discardvisual",
                    "usethread", "fusestatic", "alignfree", "saveinertial"});
    check_no_children(e);
    CompilerSpec& c = spec_.compiler;
    int v;
    if (read_keyword(e, "angle", {{"degree", 1}, {"radian", 0}}, &v)) c.degree = v != 0;
    if (read_keyword(e, "coordinate", {{"local", 0}, {"global", 1}}, &v) && v == 1)
      error(e, "coordinate", "coordinate=\"global\" is not supported (removed from MuJoCo)");
    read_keyword(e, "inertiafromgeom", {{"false", 0}, {"true", 1}, {"auto", 2}},
                 &c.inertiafromgeom);
    read_number(e, "settotalmass", &c.settotalmass);
    read_bool(e, "autolimits", &c.autolimits);
    if (read_string(e, "eulerseq", &c.eulerseq)) {
      bool ok = c.eulerseq.size() == 3;
      for (char ch : c.eulerseq) ok = ok && std::strchr("xyzXYZ", ch) != nullptr;
      if (!ok) error(e, "eulerseq", "expected 3 characters from xyzXYZ");
    }
    if (read_number(e, "boundmass", &c.boundmass) && c.boundmass < 0)
      error(e, "boundmass", "must be non-negative");
    if (read_number(e, "boundinertia", &c.boundinertia) && c.boundinertia < 0)
      error(e, "boundinertia", "must be non-negative");
    double g[2];
    if (read_numbers(e, "inertiagrouprange", g, 2, 2)) {
      c.inertiagrouprange[0] = static_cast<int>(g[0]);
      c.inertiagrouprange[1] = static_cast<int>(g[1]);
    }
    bool b;
    if (read_bool(e, "balanceinertia", &b) && b)
      error(e, "balanceinertia", "not supported");
    if (read_bool(e, "fusestatic", &b) && b) error(e, "fusestatic", "not supported");
    if (read_bool(e, "discardvisual", &b) && b) error(e, "discardvisual", "not supported");
  }

  void parse_option(const XMLElement* e) {
    check_attrs(e, {"timestep", "gravity", "integrator", "iterations", "ls_iterations",
                    "tolerance", "ls_tolerance", "solver", "cone", "impratio",
                    "noslip_iterations", "jacobian", "ccd_iterations", "ccd_tolerance"});
    Option& o = spec_.opt;
    double x;
    double g[3];
    if (read_number(e, "timestep", &x)) {
      if (x <= 0) error(e, "timestep", "must be positive");
      o.timestep = static_cast<float>(x);
    }
    if (read_numbers(e, "gravity", g, 3, 3))
      for (int i = 0; i < 3; ++i) o.gravity[i] = static_cast<float>(g[i]);
    if (read_keyword(e, "integrator", {{"Euler", kIntEuler}, {"RK4", kIntRK4}}, &o.integrator)) {}
    if (read_int(e, "iterations", &o.iterations) && o.iterations < 0)
      error(e, "iterations", "must be non-negative");
    if (read_int(e, "ls_iterations", &o.ls_iterations) && o.ls_iterations < 0)
      error(e, "ls_iterations", "must be non-negative");
    if (read_number(e, "tolerance", &x)) o.tolerance = static_cast<float>(x);
    if (read_number(e, "ls_tolerance", &x)) o.ls_tolerance = static_cast<float>(x);
    read_keyword(e, "solver", {{"PGS", kSolverPGS}, {"CG", kSolverCG}, {"Newton", kSolverNewton}},
                 &o.solver);
    read_keyword(e, "cone", {{"pyramidal", kConePyramidal}, {"elliptic", kConeElliptic}}, &o.cone);
    if (read_number(e, "impratio", &x)) {
      if (x <= 0) error(e, "impratio", "must be positive");
      o.impratio = static_cast<float>(x);
    }
    int n;
    if (read_int(e, "noslip_iterations", &n) && n != 0)
      error(e, "noslip_iterations", "the noslip solver is not supported");
    int j;
    read_keyword(e, "jacobian", {{"dense", 0}, {"sparse", 1}, {"auto", 2}}, &j);  // no effect
    for (const XMLElement* c = e->FirstChildElement(); c; c = c->NextSiblingElement()) {
      if (std::string(c->Name()) != "flag") unknown_element(c);
      parse_flag(c);
    }
  }

  void parse_flag(const XMLElement* e) {
    struct Bit { const char* name; int bit; };
    static const Bit kDisable[] = {
        {"constraint", kDsblConstraint}, {"equality", kDsblEquality},
        {"frictionloss", kDsblFrictionLoss}, {"limit", kDsblLimit}, {"contact", kDsblContact},
        {"passive", kDsblPassive}, {"spring", kDsblSpring}, {"damper", kDsblDamper},
        {"gravity", kDsblGravity}, {"clampctrl", kDsblClampCtrl}, {"warmstart", kDsblWarmstart},
        {"filterparent", kDsblFilterParent}, {"actuation", kDsblActuation},
        {"refsafe", kDsblRefsafe}, {"eulerdamp", kDsblEulerDamp},
        // No effect on Lockstep's results: accepted, stored nowhere.
        {"sensor", 0}, {"midphase", 0}, {"nativeccd", 0}, {"island", 0}, {"autoreset", 0}};
    // Enable flags that change nothing Lockstep computes; others (override, multiccd) refused.
    static const char* kHarmlessEnable[] = {"energy", "fwdinv", "invdiscrete"};
    for (const XMLAttribute* a = e->FirstAttribute(); a; a = a->Next()) {
      std::string name = a->Name(), val = a->Value();
      if (val != "enable" && val != "disable")
        error(e, name, "expected \"enable\" or \"disable\"");
      bool known = false;
      for (const Bit& b : kDisable) {
        if (name != b.name) continue;
        known = true;
        if (val == "disable") spec_.opt.disableflags |= b.bit;
        else spec_.opt.disableflags &= ~b.bit;
      }
      for (const char* h : kHarmlessEnable) {
        if (name != h) continue;
        known = true;
      }
      if (!known) {
        if (name == "override" || name == "multiccd" || name == "sleep") {
          if (val == "enable") error(e, name, "not supported by Lockstep");
          continue;
        }
        error(e, name, "unknown attribute");
      }
    }
    check_no_children(e);
  }

  // ---- defaults ----

  void parse_default(const XMLElement* e, int parent) {
    check_attrs(e, {"class"});
    DefaultClass dc;
    int self;
    if (parent < 0) {
      // The top-level <default> is "main" (its class attribute, if any, must say so).
      const char* c = e->Attribute("class");
      if (c && std::string(c) != "main") error(e, "class", "top-level default must be \"main\"");
      self = 0;
    } else {
      const char* c = e->Attribute("class");
      if (!c) error(e, "class", "missing required attribute");
      if (class_index_.count(c)) error(e, "class", "repeated default class '" + std::string(c) + "'");
      dc = classes_[parent];
      dc.name = c;
      self = static_cast<int>(classes_.size());
      classes_.push_back(dc);
      class_index_[c] = self;
    }
    for (const XMLElement* c = e->FirstChildElement(); c; c = c->NextSiblingElement()) {
      std::string n = c->Name();
      DefaultClass& d = classes_[self];  // re-fetched: nested defaults grow classes_
      if (n == "joint") parse_joint(c, &d.joint, true);
      else if (n == "geom") parse_geom(c, &d.geom, true);
      else if (n == "site") parse_site(c, &d.site, true);
      else if (n == "motor" || n == "position" || n == "velocity" || n == "general")
        parse_actuator(c, &d.actuator, true);
      else if (n == "tendon") parse_tendon_attrs(c, &d.tendon, true);
      else if (n == "pair") parse_pair(c, &d.pair, true);
      else if (n == "default") parse_default(c, self);
      else if (n == "camera" || n == "light" || n == "material" || n == "mesh" ||
               n == "equality")
        continue;  // defaults for things that are skipped or refused where used
      else unknown_element(c);
    }
  }

  // ---- bodies ----

  void parse_body_content(const XMLElement* e, BodySpec* b, int childclass, bool world) {
    for (const XMLElement* c = e->FirstChildElement(); c; c = c->NextSiblingElement()) {
      std::string n = c->Name();
      if (n == "body") {
        b->children.emplace_back();
        parse_body(c, &b->children.back(), childclass);
      } else if (n == "geom") {
        GeomSpec g = classes_[class_of(c, "class", childclass)].geom;
        parse_geom(c, &g, false);
        b->geoms.push_back(g);
      } else if (n == "site") {
        SiteSpec s = classes_[class_of(c, "class", childclass)].site;
        parse_site(c, &s, false);
        b->sites.push_back(s);
      } else if (n == "joint" || n == "freejoint" || n == "inertial") {
        if (world) error(c, "", "not allowed in worldbody");
        if (n == "inertial") {
          if (b->inertial.present) error(c, "", "repeated element in one body");
          parse_inertial(c, &b->inertial);
        } else if (n == "joint") {
          JointSpec j = classes_[class_of(c, "class", childclass)].joint;
          parse_joint(c, &j, false);
          b->joints.push_back(j);
        } else {
          // <freejoint> ignores default classes, as in MuJoCo.
          check_attrs(c, {"name", "group"});
          check_no_children(c);
          JointSpec j;
          j.at = {c->GetLineNum(), "freejoint"};
          j.type = kJntFree;
          j.limited = kLimitedFalse;
          read_string(c, "name", &j.name);
          b->joints.push_back(j);
        }
      } else if (is_skipped(n)) {
        continue;
      } else {
        unknown_element(c);
      }
    }
  }

  void parse_body(const XMLElement* e, BodySpec* b, int childclass) {
    check_attrs(e, {"name", "childclass", "pos", "quat", "axisangle", "euler", "xyaxes", "zaxis",
                    "user"});
    b->at = {e->GetLineNum(), "body"};
    read_string(e, "name", &b->name);
    read_numbers(e, "pos", b->pos, 3, 3);
    read_orientation(e, &b->orient);
    parse_body_content(e, b, class_of(e, "childclass", childclass), false);
  }

  void parse_inertial(const XMLElement* e, InertialSpec* in) {
    check_attrs(e, {"pos", "quat", "axisangle", "euler", "xyaxes", "zaxis", "mass",
                    "diaginertia", "fullinertia"});
    check_no_children(e);
    in->present = true;
    in->at = {e->GetLineNum(), "inertial"};
    if (!read_numbers(e, "pos", in->pos, 3, 3)) error(e, "pos", "missing required attribute");
    read_orientation(e, &in->orient);
    if (!read_number(e, "mass", &in->mass)) error(e, "mass", "missing required attribute");
    if (in->mass <= 0) error(e, "mass", "must be positive");
    in->has_diag = read_numbers(e, "diaginertia", in->diaginertia, 3, 3) > 0;
    in->has_full = read_numbers(e, "fullinertia", in->fullinertia, 6, 6) > 0;
    if (in->has_diag && in->has_full)
      error(e, "fullinertia", "diaginertia and fullinertia are mutually exclusive");
    if (!in->has_diag && !in->has_full) error(e, "diaginertia", "missing required attribute");
    if (in->has_full && in->orient.kind != Orientation::kNone)
      error(e, in->orient.attr, "fullinertia and an orientation are mutually exclusive");
    if (in->has_diag)
      for (double d : in->diaginertia)
        if (d < 0) error(e, "diaginertia", "must be non-negative");
  }

  void parse_joint(const XMLElement* e, JointSpec* j, bool in_default) {
    if (in_default)
      check_attrs(e, {"type", "pos", "axis", "range", "limited", "armature", "damping",
                      "stiffness", "ref", "springref", "margin", "solreflimit", "solimplimit",
                      "frictionloss", "group", "user"});
    else
      check_attrs(e, {"name", "class", "type", "pos", "axis", "range", "limited", "armature",
                      "damping", "stiffness", "ref", "springref", "margin", "solreflimit",
                      "solimplimit", "frictionloss", "group", "user"});
    check_no_children(e);
    j->at = {e->GetLineNum(), "joint"};
    read_string(e, "name", &j->name);
    read_keyword(e, "type", {{"free", kJntFree}, {"ball", kJntBall}, {"slide", kJntSlide},
                             {"hinge", kJntHinge}}, &j->type);
    read_numbers(e, "pos", j->pos, 3, 3);
    if (read_numbers(e, "axis", j->axis, 3, 3)) {
      double n = std::sqrt(j->axis[0] * j->axis[0] + j->axis[1] * j->axis[1] +
                           j->axis[2] * j->axis[2]);
      if (n < 1e-10) error(e, "axis", "axis is too small");
    }
    read_numbers(e, "range", j->range, 2, 2);
    read_limited(e, "limited", &j->limited);
    read_number(e, "armature", &j->armature);
    read_number(e, "damping", &j->damping);
    read_number(e, "stiffness", &j->stiffness);
    read_number(e, "ref", &j->ref);
    read_number(e, "springref", &j->springref);
    read_number(e, "margin", &j->margin);
    read_number(e, "frictionloss", &j->frictionloss);
    read_numbers(e, "solreflimit", j->solref, 2, 2);
    read_numbers(e, "solimplimit", j->solimp, 3, 5);
    if (j->armature < 0) error(e, "armature", "must be non-negative");
    if (j->damping < 0) error(e, "damping", "must be non-negative");
    if (j->frictionloss < 0) error(e, "frictionloss", "must be non-negative");
  }

  void parse_geom(const XMLElement* e, GeomSpec* g, bool in_default) {
    // Type first, so that a mesh geom is reported as such rather than by its mesh attribute.
    read_keyword(e, "type", {{"plane", kGeomPlane}, {"hfield", kGeomHfield},
                             {"sphere", kGeomSphere}, {"capsule", kGeomCapsule},
                             {"ellipsoid", kGeomEllipsoid}, {"cylinder", kGeomCylinder},
                             {"box", kGeomBox}, {"mesh", kGeomMesh}, {"sdf", -1}}, &g->type);
    if (g->type == kGeomMesh || g->type == kGeomHfield || g->type < 0)
      error(e, "type", "mesh, hfield and sdf geoms are not supported by Lockstep");
    for (const char* a : {"mesh", "hfield"})
      if (e->Attribute(a)) error(e, a, "mesh and hfield geoms are not supported by Lockstep");
    if (in_default)
      check_attrs(e, {"type", "size", "pos", "quat", "axisangle", "euler", "xyaxes", "zaxis",
                      "density", "mass", "contype", "conaffinity", "condim", "friction", "margin",
                      "gap", "priority", "solmix", "solref", "solimp", "rgba", "material",
                      "group", "user"});
    else
      check_attrs(e, {"name", "class", "type", "size", "fromto", "pos", "quat", "axisangle",
                      "euler", "xyaxes", "zaxis", "density", "mass", "contype", "conaffinity",
                      "condim", "friction", "margin", "gap", "priority", "solmix", "solref",
                      "solimp", "rgba", "material", "group", "user"});
    check_no_children(e);
    g->at = {e->GetLineNum(), "geom"};
    read_string(e, "name", &g->name);
    // As in MuJoCo, values not written keep the class default.
    if (int n = read_numbers(e, "size", g->size, 1, 3)) g->nsize = std::max(g->nsize, n);
    g->has_fromto = read_numbers(e, "fromto", g->fromto, 6, 6) > 0;
    if (read_numbers(e, "pos", g->pos, 3, 3) && g->has_fromto)
      error(e, "pos", "pos and fromto are mutually exclusive");
    read_orientation(e, &g->orient);
    if (g->has_fromto && e->Attribute(g->orient.attr.c_str()))
      error(e, g->orient.attr, "orientation and fromto are mutually exclusive");
    if (read_number(e, "density", &g->density) && g->density < 0)
      error(e, "density", "must be non-negative");
    if (read_number(e, "mass", &g->mass) && g->mass < 0) error(e, "mass", "must be non-negative");
    read_int(e, "contype", &g->contype);
    read_int(e, "conaffinity", &g->conaffinity);
    if (read_int(e, "condim", &g->condim) && g->condim != 1 && g->condim != 3 &&
        g->condim != 4 && g->condim != 6)
      error(e, "condim", "must be 1, 3, 4 or 6");
    read_int(e, "priority", &g->priority);
    read_int(e, "group", &g->group);
    read_numbers(e, "friction", g->friction, 1, 3);
    read_number(e, "margin", &g->margin);
    read_number(e, "gap", &g->gap);
    if (read_number(e, "solmix", &g->solmix) && g->solmix < 0)
      error(e, "solmix", "must be non-negative");
    read_numbers(e, "solref", g->solref, 2, 2);
    read_numbers(e, "solimp", g->solimp, 3, 5);
  }

  void parse_site(const XMLElement* e, SiteSpec* s, bool in_default) {
    if (in_default)
      check_attrs(e, {"type", "size", "pos", "quat", "axisangle", "euler", "xyaxes", "zaxis",
                      "rgba", "material", "group", "user"});
    else
      check_attrs(e, {"name", "class", "type", "size", "pos", "quat", "axisangle", "euler",
                      "xyaxes", "zaxis", "rgba", "material", "group", "user"});
    check_no_children(e);
    s->at = {e->GetLineNum(), "site"};
    read_string(e, "name", &s->name);
    int t;
    read_keyword(e, "type", {{"sphere", 0}, {"capsule", 1}, {"ellipsoid", 2}, {"cylinder", 3},
                             {"box", 4}}, &t);
    double size[3];
    read_numbers(e, "size", size, 1, 3);
    read_numbers(e, "pos", s->pos, 3, 3);
    read_orientation(e, &s->orient);
  }

  // ---- actuators ----

  // motor/position/velocity/general, in a default class or in <actuator>. As in MuJoCo, all
  // four shortcuts of one class write the same actuator default.
  void parse_actuator(const XMLElement* e, ActuatorSpec* a, bool in_default) {
    std::string kind = e->Name();
    if (e->Attribute("tendon") && !in_default)
      error(e, "tendon", "tendon transmissions are not supported by Lockstep");
    if (kind == "general") {
      const char* dyn = e->Attribute("dyntype");
      if (dyn && std::string(dyn) != "none")
        error(e, "dyntype", "actuator dynamics (activation) are not supported by Lockstep");
    }
    std::vector<const char*> allowed = {"ctrllimited", "forcelimited", "ctrlrange", "forcerange",
                                        "gear", "group", "user"};
    if (!in_default) allowed.insert(allowed.end(), {"name", "class", "joint"});
    if (kind == "position") allowed.insert(allowed.end(), {"kp", "kv"});
    else if (kind == "velocity") allowed.push_back("kv");
    else if (kind == "general")
      allowed.insert(allowed.end(), {"gainprm", "biasprm", "gaintype", "biastype", "dyntype"});
    for (const XMLAttribute* at = e->FirstAttribute(); at; at = at->Next()) {
      bool ok = false;
      for (const char* n : allowed)
        if (std::strcmp(n, at->Name()) == 0) ok = true;
      if (!ok) error(e, at->Name(), "unknown attribute");
    }
    check_no_children(e);
    a->at = {e->GetLineNum(), kind};
    read_string(e, "name", &a->name);
    if (read_string(e, "joint", &a->joint)) a->joint_line = e->GetLineNum();
    read_limited(e, "ctrllimited", &a->ctrllimited);
    read_limited(e, "forcelimited", &a->forcelimited);
    read_numbers(e, "ctrlrange", a->ctrlrange, 2, 2);
    read_numbers(e, "forcerange", a->forcerange, 2, 2);
    read_numbers(e, "gear", a->gear, 1, 6);
    if (kind == "motor") {
      a->gaintype = kGainFixed;
      a->gainprm[0] = 1;
      a->biastype = kBiasNone;
    } else if (kind == "position") {
      double kp = a->gainprm[0], kv = -a->biasprm[2];
      if (read_number(e, "kp", &kp) && kp < 0) error(e, "kp", "must be non-negative");
      if (read_number(e, "kv", &kv) && kv < 0) error(e, "kv", "must be non-negative");
      a->gaintype = kGainFixed;
      a->gainprm[0] = kp;
      a->biastype = kBiasAffine;
      a->biasprm[0] = 0;
      a->biasprm[1] = -kp;
      a->biasprm[2] = -kv;
    } else if (kind == "velocity") {
      double kv = 1;
      if (read_number(e, "kv", &kv) && kv < 0) error(e, "kv", "must be non-negative");
      a->gaintype = kGainFixed;
      a->gainprm[0] = kv;
      a->biastype = kBiasAffine;
      a->biasprm[0] = 0;
      a->biasprm[1] = 0;
      a->biasprm[2] = -kv;
    } else {
      read_keyword(e, "gaintype", {{"fixed", kGainFixed}}, &a->gaintype);
      read_keyword(e, "biastype", {{"none", kBiasNone}, {"affine", kBiasAffine}}, &a->biastype);
      read_numbers(e, "gainprm", a->gainprm, 1, 10);
      read_numbers(e, "biasprm", a->biasprm, 1, 10);
    }
  }

  void parse_actuators(const XMLElement* e) {
    check_attrs(e, {});
    for (const XMLElement* c = e->FirstChildElement(); c; c = c->NextSiblingElement()) {
      std::string n = c->Name();
      if (n != "motor" && n != "position" && n != "velocity" && n != "general") {
        if (is_unsupported(n) || n == "plugin")
          error(c, "", "actuator type not supported by Lockstep");
        unknown_element(c);
      }
      ActuatorSpec a = classes_[class_of(c, "class", 0)].actuator;
      parse_actuator(c, &a, false);
      if (a.joint.empty()) error(c, "joint", "missing required attribute");
      spec_.actuators.push_back(a);
    }
  }

  // ---- tendons ----

  void parse_tendon_attrs(const XMLElement* e, TendonSpec* t, bool in_default) {
    if (in_default)
      check_attrs(e, {"limited", "range", "stiffness", "damping", "springlength", "margin",
                      "solreflimit", "solimplimit", "rgba", "material", "group", "width",
                      "user"});
    else
      check_attrs(e, {"name", "class", "limited", "range", "stiffness", "damping",
                      "springlength", "margin", "solreflimit", "solimplimit", "rgba",
                      "material", "group", "width", "user"});
    t->at = {e->GetLineNum(), e->Name()};
    read_string(e, "name", &t->name);
    read_limited(e, "limited", &t->limited);
    read_numbers(e, "range", t->range, 2, 2);
    if (read_number(e, "stiffness", &t->stiffness) && t->stiffness < 0)
      error(e, "stiffness", "must be non-negative");
    if (read_number(e, "damping", &t->damping) && t->damping < 0)
      error(e, "damping", "must be non-negative");
    if (read_numbers(e, "springlength", t->springlength, 1, 2) == 1)
      t->springlength[1] = t->springlength[0];
    read_number(e, "margin", &t->margin);
    read_numbers(e, "solreflimit", t->solref, 2, 2);
    read_numbers(e, "solimplimit", t->solimp, 3, 5);
  }

  void parse_tendons(const XMLElement* e) {
    check_attrs(e, {});
    for (const XMLElement* c = e->FirstChildElement(); c; c = c->NextSiblingElement()) {
      std::string n = c->Name();
      if (n == "spatial") error(c, "", "spatial tendons are not supported by Lockstep");
      if (n != "fixed") unknown_element(c);
      TendonSpec t = classes_[class_of(c, "class", 0)].tendon;
      parse_tendon_attrs(c, &t, false);
      for (const XMLElement* j = c->FirstChildElement(); j; j = j->NextSiblingElement()) {
        if (std::string(j->Name()) != "joint") unknown_element(j);
        check_attrs(j, {"joint", "coef"});
        check_no_children(j);
        TendonJointSpec tj;
        tj.line = j->GetLineNum();
        if (!read_string(j, "joint", &tj.joint)) error(j, "joint", "missing required attribute");
        if (!read_number(j, "coef", &tj.coef)) error(j, "coef", "missing required attribute");
        t.joints.push_back(tj);
      }
      if (t.joints.empty()) error(c, "", "fixed tendon has no joints");
      spec_.tendons.push_back(t);
    }
  }

  // ---- contact, custom ----

  void parse_pair(const XMLElement* e, PairSpec* p, bool in_default) {
    if (in_default)
      check_attrs(e, {"condim", "friction", "solref", "solimp", "margin", "gap"});
    else
      check_attrs(e, {"name", "class", "geom1", "geom2", "condim", "friction", "solref",
                      "solimp", "margin", "gap"});
    check_no_children(e);
    p->at = {e->GetLineNum(), "pair"};
    read_string(e, "geom1", &p->geom1);
    read_string(e, "geom2", &p->geom2);
    if (read_int(e, "condim", &p->condim) && p->condim != 1 && p->condim != 3 &&
        p->condim != 4 && p->condim != 6)
      error(e, "condim", "must be 1, 3, 4 or 6");
    read_numbers(e, "friction", p->friction, 5, 5);
    read_numbers(e, "solref", p->solref, 2, 2);
    read_numbers(e, "solimp", p->solimp, 3, 5);
    read_number(e, "margin", &p->margin);
    read_number(e, "gap", &p->gap);
  }

  void parse_contact(const XMLElement* e) {
    check_attrs(e, {});
    for (const XMLElement* c = e->FirstChildElement(); c; c = c->NextSiblingElement()) {
      std::string n = c->Name();
      if (n == "pair") {
        PairSpec p = classes_[class_of(c, "class", 0)].pair;
        parse_pair(c, &p, false);
        if (p.geom1.empty()) error(c, "geom1", "missing required attribute");
        if (p.geom2.empty()) error(c, "geom2", "missing required attribute");
        spec_.pairs.push_back(p);
      } else if (n == "exclude") {
        check_attrs(c, {"name", "body1", "body2"});
        check_no_children(c);
        ExcludeSpec x;
        x.at = {c->GetLineNum(), "exclude"};
        if (!read_string(c, "body1", &x.body1)) error(c, "body1", "missing required attribute");
        if (!read_string(c, "body2", &x.body2)) error(c, "body2", "missing required attribute");
        spec_.excludes.push_back(x);
      } else {
        unknown_element(c);
      }
    }
  }

  void parse_custom(const XMLElement* e) {
    check_attrs(e, {});
    for (const XMLElement* c = e->FirstChildElement(); c; c = c->NextSiblingElement()) {
      std::string n = c->Name();
      if (n == "text" || n == "tuple") continue;  // no physics meaning
      if (n != "numeric") unknown_element(c);
      check_attrs(c, {"name", "data", "size"});
      check_no_children(c);
      std::string name;
      if (!read_string(c, "name", &name)) error(c, "name", "missing required attribute");
      if (spec_.numeric.count(name)) error(c, "name", "repeated numeric name '" + name + "'");
      std::vector<double> data(4096);
      int n_data = read_numbers(c, "data", data.data(), 1, 4096);
      int size = n_data;
      if (read_int(c, "size", &size) && (size <= 0 || size < n_data))
        error(c, "size", "must be positive and at least the number of data values");
      if (size == 0) error(c, "size", "missing required attribute (no data either)");
      std::vector<float>& out = spec_.numeric[name];
      out.assign(static_cast<size_t>(size), 0.0f);
      for (int i = 0; i < n_data; ++i) out[i] = static_cast<float>(data[i]);
    }
  }
};

}  // namespace

ModelSpec parse_mjcf(const std::string& xml, const std::string& file) {
  return Parser(file).parse(xml);
}

}  // namespace mjcf

std::shared_ptr<Model> load_mjcf_string(const std::string& xml, const std::string& name) {
  return mjcf::compile_mjcf(mjcf::parse_mjcf(xml, name));
}

std::shared_ptr<Model> load_mjcf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) mjcf::fail(path, 0, "file", "", "cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_mjcf_string(ss.str(), path);
}

}  // namespace lockstep
