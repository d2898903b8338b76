// mjcf::ModelSpec -> Model with MuJoCo's compile-time semantics (PHYSICS_NOTES §1): frames and
// orientation forms, fromto, geom mass and inertia, body inertia from geoms (eigenvalues
// descending), angle units, limited="auto", tree addresses, qpos0, actuator shortcuts,
// settotalmass. Computed in double, stored as float. Last, finalize_model() adds what needs the
// whole model: collision pairs, constraint rows and the inverse weights (set_const).
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <set>

#include "engine/mjcf.h"
#include "engine/model_finalize.h"
#include "engine/mjcf_spec.h"

namespace lockstep {
namespace mjcf {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMinVal = 1e-15;  // MuJoCo's mjMINVAL

// ---- double-precision frame math (w, x, y, z quaternions; row-major 3x3) ----

struct Q { double w, x, y, z; };

Q qmul(const Q& a, const Q& b) {
  return {a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
          a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
          a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
          a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w};
}

Q axis_angle(const double axis[3], double angle) {
  double s = std::sin(angle / 2);
  return {std::cos(angle / 2), s * axis[0], s * axis[1], s * axis[2]};
}

void quat2mat(const Q& q, double m[9]) {
  m[0] = q.w * q.w + q.x * q.x - q.y * q.y - q.z * q.z;
  m[1] = 2 * (q.x * q.y - q.w * q.z);
  m[2] = 2 * (q.x * q.z + q.w * q.y);
  m[3] = 2 * (q.x * q.y + q.w * q.z);
  m[4] = q.w * q.w - q.x * q.x + q.y * q.y - q.z * q.z;
  m[5] = 2 * (q.y * q.z - q.w * q.x);
  m[6] = 2 * (q.x * q.z - q.w * q.y);
  m[7] = 2 * (q.y * q.z + q.w * q.x);
  m[8] = q.w * q.w - q.x * q.x - q.y * q.y + q.z * q.z;
}

// Quaternion of a proper rotation matrix (Shepperd's method: divide by the largest term).
Q mat2quat(const double m[9]) {
  Q q;
  double tr = m[0] + m[4] + m[8];
  if (tr > 0) {
    double s = std::sqrt(tr + 1.0) * 2;
    q = {s / 4, (m[7] - m[5]) / s, (m[2] - m[6]) / s, (m[3] - m[1]) / s};
  } else if (m[0] > m[4] && m[0] > m[8]) {
    double s = std::sqrt(1.0 + m[0] - m[4] - m[8]) * 2;
    q = {(m[7] - m[5]) / s, s / 4, (m[1] + m[3]) / s, (m[2] + m[6]) / s};
  } else if (m[4] > m[8]) {
    double s = std::sqrt(1.0 + m[4] - m[0] - m[8]) * 2;
    q = {(m[2] - m[6]) / s, (m[1] + m[3]) / s, s / 4, (m[5] + m[7]) / s};
  } else {
    double s = std::sqrt(1.0 + m[8] - m[0] - m[4]) * 2;
    q = {(m[3] - m[1]) / s, (m[2] + m[6]) / s, (m[5] + m[7]) / s, s / 4};
  }
  if (q.w < 0) q = {-q.w, -q.x, -q.y, -q.z};
  double n = std::sqrt(q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z);
  return {q.w / n, q.x / n, q.y / n, q.z / n};
}

double norm3(const double v[3]) { return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

// Minimal rotation taking +z onto unit vector v.
Q z2quat(const double v[3]) {
  double axis[3] = {-v[1], v[0], 0};
  double s = norm3(axis);
  if (s < 1e-10) {
    axis[0] = 1;
    axis[1] = 0;
  } else {
    axis[0] /= s;
    axis[1] /= s;
  }
  return axis_angle(axis, std::atan2(s, v[2]));
}

class Compiler {
 public:
  explicit Compiler(const ModelSpec& spec) : s_(spec), c_(spec.compiler) {}

  std::shared_ptr<Model> compile() {
    m_ = std::make_shared<Model>();
    Model& m = *m_;
    m.model_name = s_.model_name;
    m.opt = s_.opt;
    flatten(&s_.world, -1);

    Sizes& z = m.size;
    z.nbody = static_cast<int>(bodies_.size());
    for (const BodySpec* b : bodies_) {
      z.njnt += static_cast<int>(b->joints.size());
      z.ngeom += static_cast<int>(b->geoms.size());
      z.nsite += static_cast<int>(b->sites.size());
      for (const JointSpec& j : b->joints) {
        z.nq += jnt_nq(j.type);
        z.nv += jnt_nv(j.type);
      }
    }
    z.nu = static_cast<int>(s_.actuators.size());
    z.ntendon = static_cast<int>(s_.tendons.size());
    for (const TendonSpec& t : s_.tendons) z.nwrap += static_cast<int>(t.joints.size());
    z.npair = static_cast<int>(s_.pairs.size());
    z.nexclude = static_cast<int>(s_.excludes.size());
    z.na = 0;
    m.allocate();

    compile_bodies();
    compile_actuators();
    compile_tendons();
    compile_contacts();
    compile_masses();
    m.numeric = s_.numeric;
    try {
      finalize_model(m);
    } catch (const std::invalid_argument& e) {
      throw MjcfError(s_.file + ": " + e.what());
    }
    return m_;
  }

 private:
  const ModelSpec& s_;
  const CompilerSpec& c_;
  std::shared_ptr<Model> m_;
  std::vector<const BodySpec*> bodies_;  // tree order (depth-first, as written)
  std::vector<int> parent_;

  [[noreturn]] void error(const Where& at, const std::string& attr, const std::string& what) {
    fail(s_.file, at.line, at.element, attr, what);
  }

  double angle(double a) const { return c_.degree ? a * kPi / 180 : a; }

  void flatten(const BodySpec* b, int parent) {
    bodies_.push_back(b);
    parent_.push_back(parent < 0 ? 0 : parent);
    int self = static_cast<int>(bodies_.size()) - 1;
    for (const BodySpec& c : b->children) flatten(&c, self);
  }

  Q orientation(const Orientation& o, const Where& at) {
    const double* v = o.v;
    switch (o.kind) {
      case Orientation::kNone:
        return {1, 0, 0, 0};
      case Orientation::kQuat: {
        double n = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2] + v[3] * v[3]);
        if (n < 1e-10) error(at, o.attr, "quaternion is zero");
        return {v[0] / n, v[1] / n, v[2] / n, v[3] / n};
      }
      case Orientation::kAxisAngle: {
        double n = norm3(v);
        if (n < 1e-10) error(at, o.attr, "axis is zero");
        double axis[3] = {v[0] / n, v[1] / n, v[2] / n};
        return axis_angle(axis, angle(v[3]));
      }
      case Orientation::kEuler: {
        Q q{1, 0, 0, 0};
        for (int i = 0; i < 3; ++i) {
          char ch = c_.eulerseq[i];
          double axis[3] = {0, 0, 0};
          axis[std::tolower(ch) - 'x'] = 1;
          Q r = axis_angle(axis, angle(v[i]));
          // Lowercase: rotating (intrinsic) axes, post-multiply; uppercase: fixed axes.
          q = std::islower(ch) ? qmul(q, r) : qmul(r, q);
        }
        return q;
      }
      case Orientation::kXYAxes: {
        double x[3] = {v[0], v[1], v[2]}, y[3] = {v[3], v[4], v[5]};
        double nx = norm3(x);
        if (nx < 1e-10) error(at, o.attr, "x axis is zero");
        for (double& e : x) e /= nx;
        double d = x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
        for (int i = 0; i < 3; ++i) y[i] -= d * x[i];
        double ny = norm3(y);
        if (ny < 1e-10) error(at, o.attr, "y axis is parallel to x");
        for (double& e : y) e /= ny;
        double zz[3] = {x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2],
                        x[0] * y[1] - x[1] * y[0]};
        double mat[9] = {x[0], y[0], zz[0], x[1], y[1], zz[1], x[2], y[2], zz[2]};
        return mat2quat(mat);
      }
      case Orientation::kZAxis: {
        double n = norm3(v);
        if (n < 1e-10) error(at, o.attr, "axis is zero");
        double zv[3] = {v[0] / n, v[1] / n, v[2] / n};
        return z2quat(zv);
      }
    }
    return {1, 0, 0, 0};
  }

  // Resolves limited="auto" (MuJoCo: limited iff range[0] < range[1], autolimits permitting).
  bool resolve_limited(int limited, const double range[2], const Where& at, const char* what) {
    bool has_range = range[0] != 0 || range[1] != 0;
    if (limited == kLimitedAuto) {
      if (!c_.autolimits && has_range)
        error(at, "limited", std::string(what) +
                                 " given without 'limited' while compiler autolimits is false");
      return c_.autolimits && range[0] < range[1];
    }
    return limited == kLimitedTrue;
  }

  static void store(float* dst, const double* src, int n) {
    for (int i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
  }
  static void store_quat(float* dst, const Q& q) {
    dst[0] = static_cast<float>(q.w);
    dst[1] = static_cast<float>(q.x);
    dst[2] = static_cast<float>(q.y);
    dst[3] = static_cast<float>(q.z);
  }

  template <class T>
  void check_unique(const std::vector<T>& objs, const std::string& kind) {
    std::set<std::string> seen;
    for (const T& o : objs) {
      if (o.name.empty()) continue;
      if (!seen.insert(o.name).second)
        error(o.at, "name", "repeated " + kind + " name '" + o.name + "'");
    }
  }

  // ---- bodies, joints, geoms, sites ----

  void compile_bodies() {
    Model& m = *m_;
    int jnt = 0, dof = 0, qpos = 0, geom = 0, site = 0;
    std::vector<int> last_dof(bodies_.size(), -1);  // last dof on the path from the root
    std::vector<JointSpec> all_joints;
    std::vector<GeomSpec> all_geoms;
    std::vector<SiteSpec> all_sites;
    std::vector<BodySpec> named_bodies;
    m.body_names.assign(bodies_.size(), "");
    geom_mass_.assign(m.size.ngeom, 0);
    geom_inertia_.assign(m.size.ngeom * 3, 0);
    geom_pos_.assign(m.size.ngeom * 3, 0);
    geom_quat_.assign(m.size.ngeom, Q{1, 0, 0, 0});
    std::set<std::string> body_names;
    for (size_t bi = 0; bi < bodies_.size(); ++bi) {
      const BodySpec& b = *bodies_[bi];
      const int id = static_cast<int>(bi);
      const int parent = parent_[bi];
      m.body_names[id] = b.name;
      if (!b.name.empty() && !body_names.insert(b.name).second)
        error(b.at, "name", "repeated body name '" + b.name + "'");
      m.body_parentid[id] = parent;
      m.body_rootid[id] = id == 0 ? 0 : parent == 0 ? id : m.body_rootid[parent];
      store(&m.body_pos[3 * id], b.pos, 3);
      store_quat(&m.body_quat[4 * id], id == 0 ? Q{1, 0, 0, 0} : orientation(b.orient, b.at));

      // Joints and dofs.
      m.body_jntnum[id] = static_cast<int>(b.joints.size());
      m.body_jntadr[id] = b.joints.empty() ? -1 : jnt;
      m.body_dofadr[id] = b.joints.empty() ? -1 : dof;
      m.body_weldid[id] = (id == 0 || !b.joints.empty()) ? id : m.body_weldid[parent];
      int prev_dof = id == 0 ? -1 : last_dof[parent];
      int ndof_body = 0;
      for (const JointSpec& j : b.joints) {
        compile_joint(j, id, jnt, qpos, dof);
        for (int k = 0; k < jnt_nv(j.type); ++k) {
          m.dof_bodyid[dof + k] = id;
          m.dof_jntid[dof + k] = jnt;
          m.dof_parentid[dof + k] = prev_dof;
          m.dof_armature[dof + k] = static_cast<float>(j.armature);
          m.dof_damping[dof + k] = static_cast<float>(j.damping);
          m.dof_frictionloss[dof + k] = static_cast<float>(j.frictionloss);
          prev_dof = dof + k;
        }
        ndof_body += jnt_nv(j.type);
        qpos += jnt_nq(j.type);
        dof += jnt_nv(j.type);
        ++jnt;
        all_joints.push_back(j);
      }
      last_dof[id] = prev_dof;
      m.body_dofnum[id] = ndof_body;

      // Geoms.
      m.body_geomnum[id] = static_cast<int>(b.geoms.size());
      m.body_geomadr[id] = b.geoms.empty() ? -1 : geom;
      for (const GeomSpec& g : b.geoms) {
        if (g.type == kGeomPlane && m.body_weldid[id] != 0)
          error(g.at, "type", "plane geoms are only allowed in static bodies");
        compile_geom(g, id, geom);
        all_geoms.push_back(g);
        ++geom;
      }

      // Sites.
      for (const SiteSpec& st : b.sites) {
        m.site_bodyid[site] = id;
        store(&m.site_pos[3 * site], st.pos, 3);
        store_quat(&m.site_quat[4 * site], orientation(st.orient, st.at));
        m.site_names.push_back(st.name);
        all_sites.push_back(st);
        ++site;
      }
    }
    check_unique(all_joints, "joint");
    check_unique(all_geoms, "geom");
    check_unique(all_sites, "site");
    for (const JointSpec& j : all_joints) m.jnt_names.push_back(j.name);
    for (const GeomSpec& g : all_geoms) m.geom_names.push_back(g.name);
  }

  void compile_joint(const JointSpec& j, int body, int id, int qpos, int dof) {
    Model& m = *m_;
    if (body == 0) error(j.at, "", "joints are not allowed in the world body");
    m.jnt_type[id] = j.type;
    m.jnt_bodyid[id] = body;
    m.jnt_qposadr[id] = qpos;
    m.jnt_dofadr[id] = dof;
    store(&m.jnt_pos[3 * id], j.pos, 3);
    double n = norm3(j.axis);
    double axis[3] = {j.axis[0] / n, j.axis[1] / n, j.axis[2] / n};
    store(&m.jnt_axis[3 * id], axis, 3);
    bool limited = false;
    if (j.type != kJntFree) {
      limited = resolve_limited(j.limited, j.range, j.at, "range");
      if (limited && j.type == kJntBall && j.range[0] != 0)
        error(j.at, "range", "range[0] must be 0 for a ball joint");
      if (limited && !(j.range[0] < j.range[1]))
        error(j.at, "range", "range[0] must be smaller than range[1] for a limited joint");
      // Refused rather than ignored: both would change the motion.
      if (limited && j.type == kJntBall)
        error(j.at, "limited", "limits on ball joints are not supported yet (hinge and slide are)");
    }
    if (j.frictionloss > 0)
      error(j.at, "frictionloss", "dry joint friction (frictionloss > 0) is not supported yet");
    m.jnt_limited[id] = limited ? 1 : 0;
    // Angles: ranges of limited hinge and ball joints (MuJoCo leaves unused ranges as written),
    // ref/springref of hinges only.
    bool rot = limited && (j.type == kJntHinge || j.type == kJntBall);
    double range[2] = {rot ? angle(j.range[0]) : j.range[0], rot ? angle(j.range[1]) : j.range[1]};
    store(&m.jnt_range[2 * id], range, 2);
    m.jnt_stiffness[id] = static_cast<float>(j.stiffness);
    m.jnt_margin[id] = static_cast<float>(j.margin);
    store(&m.jnt_solref[2 * id], j.solref, 2);
    store(&m.jnt_solimp[5 * id], j.solimp, 5);

    float* q0 = &m.qpos0[qpos];
    float* qs = &m.qpos_spring[qpos];
    if (j.type == kJntHinge) {
      q0[0] = static_cast<float>(angle(j.ref));
      qs[0] = static_cast<float>(angle(j.springref));
    } else if (j.type == kJntSlide) {
      q0[0] = static_cast<float>(j.ref);
      qs[0] = static_cast<float>(j.springref);
    } else if (j.type == kJntBall) {
      q0[0] = qs[0] = 1;
      q0[1] = q0[2] = q0[3] = qs[1] = qs[2] = qs[3] = 0;
    } else {
      // Free: the body's pose as written (relative to its parent).
      for (int k = 0; k < 3; ++k) q0[k] = qs[k] = m.body_pos[3 * body + k];
      for (int k = 0; k < 4; ++k) q0[3 + k] = qs[3 + k] = m.body_quat[4 * body + k];
    }
  }

  void compile_geom(const GeomSpec& g, int body, int id) {
    Model& m = *m_;
    double size[3] = {g.size[0], g.size[1], g.size[2]};
    double pos[3] = {g.pos[0], g.pos[1], g.pos[2]};
    Q quat{1, 0, 0, 0};
    int t = g.type;
    if (g.has_fromto) {
      if (t != kGeomCapsule && t != kGeomCylinder && t != kGeomBox && t != kGeomEllipsoid)
        error(g.at, "fromto", "fromto requires a capsule, cylinder, box or ellipsoid");
      if (g.nsize == 0) error(g.at, "size", "missing required attribute (fromto needs size[0])");
      const double* f = g.fromto;
      // MuJoCo aligns the geom's z axis with from - to.
      double v[3] = {f[0] - f[3], f[1] - f[4], f[2] - f[5]};
      double len = norm3(v);
      if (len < 1e-10) error(g.at, "fromto", "fromto points are too close");
      for (int k = 0; k < 3; ++k) {
        pos[k] = (f[k] + f[3 + k]) / 2;
        v[k] /= len;
      }
      quat = z2quat(v);
      if (t == kGeomCapsule || t == kGeomCylinder) {
        size[1] = len / 2;
      } else {
        size[1] = size[0];
        size[2] = len / 2;
      }
    } else {
      quat = orientation(g.orient, g.at);
    }
    // Sizes each type needs to be positive.
    int need = t == kGeomSphere ? 1 : (t == kGeomCapsule || t == kGeomCylinder) ? 2
             : t == kGeomPlane ? 0 : 3;
    if (need > 0 && g.nsize == 0) error(g.at, "size", "missing required attribute");
    for (int k = 0; k < need; ++k)
      if (!(size[k] > 0))
        error(g.at, "size", "size[" + std::to_string(k) + "] must be positive (" +
                                std::to_string(need) + " values needed for this type)");
    if (t == kGeomPlane)
      for (int k = 0; k < 3; ++k)
        if (size[k] < 0) error(g.at, "size", "must be non-negative for a plane");

    m.geom_type[id] = t;
    m.geom_bodyid[id] = body;
    m.geom_contype[id] = g.contype;
    m.geom_conaffinity[id] = g.conaffinity;
    m.geom_condim[id] = g.condim;
    m.geom_priority[id] = g.priority;
    store(&m.geom_size[3 * id], size, 3);
    store(&m.geom_pos[3 * id], pos, 3);
    store_quat(&m.geom_quat[4 * id], quat);
    store(&m.geom_friction[3 * id], g.friction, 3);
    m.geom_margin[id] = static_cast<float>(g.margin);
    m.geom_gap[id] = static_cast<float>(g.gap);
    m.geom_solmix[id] = static_cast<float>(g.solmix);
    store(&m.geom_solref[2 * id], g.solref, 2);
    store(&m.geom_solimp[5 * id], g.solimp, 5);

    double r = size[0], a = size[0], b = size[1], c = size[2];
    double rbound = 0, volume = 0;
    switch (t) {
      case kGeomSphere: rbound = r; volume = 4.0 / 3 * kPi * r * r * r; break;
      case kGeomCapsule:
        rbound = r + b;
        volume = kPi * r * r * 2 * b + 4.0 / 3 * kPi * r * r * r;
        break;
      case kGeomCylinder: rbound = std::sqrt(r * r + b * b); volume = kPi * r * r * 2 * b; break;
      case kGeomEllipsoid:
        rbound = std::max(a, std::max(b, c));
        volume = 4.0 / 3 * kPi * a * b * c;
        break;
      case kGeomBox: rbound = std::sqrt(a * a + b * b + c * c); volume = 8 * a * b * c; break;
      default: break;
    }
    m.geom_rbound[id] = static_cast<float>(rbound);

    // Mass and inertia about the geom's own frame (solid bodies of uniform density).
    if (t == kGeomPlane) return;
    double mass = g.mass >= 0 ? g.mass : g.density * volume;
    double I[3] = {0, 0, 0};
    switch (t) {
      case kGeomSphere: I[0] = I[1] = I[2] = 0.4 * mass * r * r; break;
      case kGeomCapsule: {
        // Cylinder plus two hemispheres, mass split by volume; hemisphere COMs sit 3r/8 beyond
        // the cylinder ends.
        double h = 2 * b;
        double ms = mass * 4 * r / (4 * r + 3 * h);
        double mc = mass - ms;
        I[0] = I[1] = mc * (3 * r * r + h * h) / 12 + 0.4 * ms * r * r + ms * h * (3 * r + 2 * h) / 8;
        I[2] = mc * r * r / 2 + 0.4 * ms * r * r;
        break;
      }
      case kGeomCylinder: {
        double h = 2 * b;
        I[0] = I[1] = mass * (3 * r * r + h * h) / 12;
        I[2] = mass * r * r / 2;
        break;
      }
      case kGeomEllipsoid:
        I[0] = mass * (b * b + c * c) / 5;
        I[1] = mass * (a * a + c * c) / 5;
        I[2] = mass * (a * a + b * b) / 5;
        break;
      case kGeomBox:
        I[0] = mass * (b * b + c * c) / 3;
        I[1] = mass * (a * a + c * c) / 3;
        I[2] = mass * (a * a + b * b) / 3;
        break;
      default: break;
    }
    geom_mass_[id] = mass;
    for (int k = 0; k < 3; ++k) {
      geom_inertia_[3 * id + k] = I[k];
      geom_pos_[3 * id + k] = pos[k];
    }
    geom_quat_[id] = quat;
  }

  // Geom mass properties kept in double for body inertia.
  std::vector<double> geom_mass_, geom_inertia_, geom_pos_;
  std::vector<Q> geom_quat_;

  // ---- mass properties ----

  // Principal axes of a symmetric inertia: eigenvalues descending, frame a proper rotation.
  static void principal(const Eigen::Matrix3d& full, double inertia[3], Q* iquat) {
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(full);
    Eigen::Vector3d val = eig.eigenvalues();  // ascending
    Eigen::Matrix3d vec = eig.eigenvectors();
    Eigen::Matrix3d r;
    for (int k = 0; k < 3; ++k) {
      inertia[k] = val(2 - k);
      r.col(k) = vec.col(2 - k);
    }
    if (r.determinant() < 0) r.col(2) = -r.col(2);
    // Eigenvector signs are free: of the four proper choices take the rotation nearest the
    // identity (largest trace), which is what MuJoCo's Jacobi solver started from identity gives.
    Eigen::Matrix3d best = r;
    for (int skip = 0; skip < 3; ++skip) {
      Eigen::Matrix3d f = r;
      for (int k = 0; k < 3; ++k)
        if (k != skip) f.col(k) = -f.col(k);
      if (f.trace() > best.trace()) best = f;
    }
    r = best;
    double mat[9];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) mat[3 * i + j] = r(i, j);
    *iquat = mat2quat(mat);
  }

  void compile_masses() {
    Model& m = *m_;
    const int nbody = m.size.nbody;
    body_mass_.assign(nbody, 0);
    body_inertia_.assign(3 * nbody, 0);
    for (int id = 1; id < nbody; ++id) {
      const BodySpec& b = *bodies_[id];
      // With nothing to take mass from, MuJoCo 3.3.7 leaves the inertial frame equal to the
      // body's own pos/quat (numerically, in the body frame); matched for the oracle. It only
      // matters together with boundmass.
      double mass = 0, ipos[3] = {b.pos[0], b.pos[1], b.pos[2]}, inertia[3] = {0, 0, 0};
      Q iquat{m.body_quat[4 * id], m.body_quat[4 * id + 1], m.body_quat[4 * id + 2],
              m.body_quat[4 * id + 3]};
      bool from_geom = c_.inertiafromgeom == 1 || (c_.inertiafromgeom == 2 && !b.inertial.present);
      if (from_geom) {
        std::vector<int> sel;
        for (int g = m.body_geomadr[id]; g >= 0 && g < m.body_geomadr[id] + m.body_geomnum[id];
             ++g) {
          int grp = b.geoms[g - m.body_geomadr[id]].group;
          if (grp >= c_.inertiagrouprange[0] && grp <= c_.inertiagrouprange[1]) sel.push_back(g);
        }
        if (sel.size() == 1) {
          // One geom: the body's inertial frame is the geom's frame.
          int g = sel[0];
          mass = geom_mass_[g];
          for (int k = 0; k < 3; ++k) {
            ipos[k] = geom_pos_[3 * g + k];
            inertia[k] = geom_inertia_[3 * g + k];
          }
          iquat = geom_quat_[g];
        } else if (sel.size() > 1) {
          Eigen::Vector3d com = Eigen::Vector3d::Zero();
          for (int g : sel) {
            mass += geom_mass_[g];
            com += geom_mass_[g] * Eigen::Vector3d(geom_pos_[3 * g], geom_pos_[3 * g + 1],
                                                   geom_pos_[3 * g + 2]);
          }
          if (mass < kMinVal) error(b.at, "", "body mass is too small to compute its COM");
          com /= mass;
          Eigen::Matrix3d full = Eigen::Matrix3d::Zero();
          for (int g : sel) {
            double rm[9];
            quat2mat(geom_quat_[g], rm);
            Eigen::Matrix3d rot;
            rot << rm[0], rm[1], rm[2], rm[3], rm[4], rm[5], rm[6], rm[7], rm[8];
            Eigen::Vector3d d = Eigen::Vector3d(geom_pos_[3 * g], geom_pos_[3 * g + 1],
                                                geom_pos_[3 * g + 2]) - com;
            Eigen::Vector3d diag(geom_inertia_[3 * g], geom_inertia_[3 * g + 1],
                                 geom_inertia_[3 * g + 2]);
            full += rot * diag.asDiagonal() * rot.transpose();
            full += geom_mass_[g] * (d.squaredNorm() * Eigen::Matrix3d::Identity() -
                                     d * d.transpose());
          }
          for (int k = 0; k < 3; ++k) ipos[k] = com(k);
          principal(full, inertia, &iquat);
        }
      } else if (b.inertial.present) {
        const InertialSpec& in = b.inertial;
        mass = in.mass;
        for (int k = 0; k < 3; ++k) ipos[k] = in.pos[k];
        if (in.has_full) {
          const double* f = in.fullinertia;
          Eigen::Matrix3d full;
          full << f[0], f[3], f[4], f[3], f[1], f[5], f[4], f[5], f[2];
          principal(full, inertia, &iquat);
          if (inertia[2] < 0) error(in.at, "fullinertia", "must be positive definite");
        } else {
          for (int k = 0; k < 3; ++k) inertia[k] = in.diaginertia[k];
          iquat = orientation(in.orient, in.at);
        }
        const double* I = inertia;
        const double tol = 1e-12 * (I[0] + I[1] + I[2]);
        if (I[0] + I[1] < I[2] - tol || I[0] + I[2] < I[1] - tol || I[1] + I[2] < I[0] - tol)
          error(in.at, in.has_full ? "fullinertia" : "diaginertia",
                "inertia must satisfy A + B >= C");
      }
      if (c_.boundmass > 0) mass = std::max(mass, c_.boundmass);
      if (c_.boundinertia > 0)
        for (double& v : inertia) v = std::max(v, c_.boundinertia);
      m.body_mass[id] = static_cast<float>(mass);
      body_mass_[id] = mass;
      for (int k = 0; k < 3; ++k) body_inertia_[3 * id + k] = inertia[k];
      store(&m.body_ipos[3 * id], ipos, 3);
      store_quat(&m.body_iquat[4 * id], iquat);
    }
    m.body_iquat[0] = 1;

    // settotalmass rescales masses and inertias after everything else.
    if (c_.settotalmass > 0) {
      double total = 0;
      for (double v : body_mass_) total += v;
      if (total < kMinVal) fail(s_.file, 0, "compiler", "settotalmass", "model has no mass");
      double scale = c_.settotalmass / total;
      for (double& v : body_mass_) v *= scale;
      for (double& v : body_inertia_) v *= scale;
    }
    std::vector<double> subtree(body_mass_);
    for (int id = nbody - 1; id > 0; --id) subtree[m.body_parentid[id]] += subtree[id];
    for (int id = 0; id < nbody; ++id) {
      m.body_mass[id] = static_cast<float>(body_mass_[id]);
      store(&m.body_inertia[3 * id], &body_inertia_[3 * id], 3);
      m.body_subtreemass[id] = static_cast<float>(subtree[id]);
    }
    // MuJoCo's rule: a body with joints needs, in itself or a body welded to it, positive mass
    // and positive principal inertias.
    std::vector<bool> has_inertia(nbody, false);
    for (int id = 1; id < nbody; ++id) {
      const double* I = &body_inertia_[3 * id];
      if (body_mass_[id] >= kMinVal && std::min(I[0], std::min(I[1], I[2])) >= kMinVal)
        has_inertia[m.body_weldid[id]] = true;
    }
    for (int id = 1; id < nbody; ++id)
      if (m.body_jntnum[id] > 0 && !has_inertia[id])
        error(bodies_[id]->at, "",
              "mass and inertia of moving bodies must be positive (in the body or a body "
              "welded to it)");
  }
  std::vector<double> body_mass_, body_inertia_;

  // ---- actuators, tendons, contacts ----

  int find_joint(const std::string& name) const { return m_->name2id("joint", name); }

  void compile_actuators() {
    Model& m = *m_;
    check_unique(s_.actuators, "actuator");
    for (int i = 0; i < m.size.nu; ++i) {
      const ActuatorSpec& a = s_.actuators[i];
      int j = find_joint(a.joint);
      if (j < 0) error(a.at, "joint", "joint '" + a.joint + "' not found");
      m.actuator_trntype[i] = 0;
      m.actuator_trnid[i] = j;
      m.actuator_gaintype[i] = a.gaintype;
      m.actuator_biastype[i] = a.biastype;
      bool cl = resolve_limited(a.ctrllimited, a.ctrlrange, a.at, "ctrlrange");
      if (cl && !(a.ctrlrange[0] < a.ctrlrange[1]))
        error(a.at, "ctrlrange", "invalid control range (need ctrlrange[0] < ctrlrange[1])");
      bool fl = resolve_limited(a.forcelimited, a.forcerange, a.at, "forcerange");
      if (fl && !(a.forcerange[0] < a.forcerange[1]))
        error(a.at, "forcerange", "invalid force range (need forcerange[0] < forcerange[1])");
      m.actuator_ctrllimited[i] = cl;
      m.actuator_forcelimited[i] = fl;
      store(&m.actuator_gear[6 * i], a.gear, 6);
      store(&m.actuator_gainprm[10 * i], a.gainprm, 10);
      store(&m.actuator_biasprm[10 * i], a.biasprm, 10);
      store(&m.actuator_ctrlrange[2 * i], a.ctrlrange, 2);
      store(&m.actuator_forcerange[2 * i], a.forcerange, 2);
      m.actuator_names.push_back(a.name);
    }
  }

  void compile_tendons() {
    Model& m = *m_;
    check_unique(s_.tendons, "tendon");
    int wrap = 0;
    for (int i = 0; i < m.size.ntendon; ++i) {
      const TendonSpec& t = s_.tendons[i];
      m.tendon_adr[i] = wrap;
      m.tendon_num[i] = static_cast<int>(t.joints.size());
      double length0 = 0;
      for (const TendonJointSpec& tj : t.joints) {
        int j = find_joint(tj.joint);
        Where at{tj.line, "joint"};
        if (j < 0) error(at, "joint", "joint '" + tj.joint + "' not found");
        int type = m.jnt_type[j];
        if (type != kJntHinge && type != kJntSlide)
          error(at, "joint", "fixed tendons need hinge or slide joints");
        m.wrap_objid[wrap] = j;
        m.wrap_prm[wrap] = static_cast<float>(tj.coef);
        length0 += tj.coef * m.qpos_spring[m.jnt_qposadr[j]];
        ++wrap;
      }
      bool limited = resolve_limited(t.limited, t.range, t.at, "range");
      if (limited && !(t.range[0] < t.range[1]))
        error(t.at, "range", "range[0] must be smaller than range[1] for a limited tendon");
      m.tendon_limited[i] = limited;
      store(&m.tendon_range[2 * i], t.range, 2);
      m.tendon_margin[i] = static_cast<float>(t.margin);
      store(&m.tendon_solref_lim[2 * i], t.solref, 2);
      store(&m.tendon_solimp_lim[5 * i], t.solimp, 5);
      m.tendon_stiffness[i] = static_cast<float>(t.stiffness);
      m.tendon_damping[i] = static_cast<float>(t.damping);
      // springlength "-1 -1" (the default) means the tendon length at qpos_spring.
      double ls[2] = {t.springlength[0], t.springlength[1]};
      if (ls[0] == -1 && ls[1] == -1) ls[0] = ls[1] = length0;
      else if (ls[0] > ls[1]) error(t.at, "springlength", "springlength[0] > springlength[1]");
      store(&m.tendon_lengthspring[2 * i], ls, 2);
      m.tendon_names.push_back(t.name);
    }
  }

  void compile_contacts() {
    Model& m = *m_;
    for (int i = 0; i < m.size.npair; ++i) {
      const PairSpec& p = s_.pairs[i];
      int g1 = m.name2id("geom", p.geom1), g2 = m.name2id("geom", p.geom2);
      if (g1 < 0) error(p.at, "geom1", "geom '" + p.geom1 + "' not found");
      if (g2 < 0) error(p.at, "geom2", "geom '" + p.geom2 + "' not found");
      m.pair_geom1[i] = g1;
      m.pair_geom2[i] = g2;
      m.pair_condim[i] = p.condim;
      store(&m.pair_friction[5 * i], p.friction, 5);
      store(&m.pair_solref[2 * i], p.solref, 2);
      store(&m.pair_solimp[5 * i], p.solimp, 5);
      m.pair_margin[i] = static_cast<float>(p.margin);
      m.pair_gap[i] = static_cast<float>(p.gap);
    }
    for (int i = 0; i < m.size.nexclude; ++i) {
      const ExcludeSpec& x = s_.excludes[i];
      int b1 = m.name2id("body", x.body1), b2 = m.name2id("body", x.body2);
      if (b1 < 0) error(x.at, "body1", "body '" + x.body1 + "' not found");
      if (b2 < 0) error(x.at, "body2", "body '" + x.body2 + "' not found");
      m.exclude_body1[i] = b1;
      m.exclude_body2[i] = b2;
    }
  }
};

}  // namespace

std::shared_ptr<Model> compile_mjcf(const ModelSpec& spec) { return Compiler(spec).compile(); }

}  // namespace mjcf
}  // namespace lockstep
