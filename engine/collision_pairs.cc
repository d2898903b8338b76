#include "engine/collision_pairs.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/collision_primitive.h"

namespace lockstep {

namespace {

constexpr float kMinMu = 1e-5f;    // MuJoCo's mjMINMU: smallest friction coefficient
constexpr float kMinVal = 1e-15f;  // MuJoCo's mjMINVAL

const char* type_name(int t) {
  static const char* names[] = {"plane", "hfield", "sphere", "capsule",
                                "ellipsoid", "cylinder", "box", "mesh"};
  return t >= 0 && t < 8 ? names[t] : "unknown";
}

std::string geom_label(const Model& m, int g) {
  std::string s = "geom " + std::to_string(g);
  if (g < static_cast<int>(m.geom_names.size()) && !m.geom_names[g].empty())
    s += " '" + m.geom_names[g] + "'";
  return s + " (" + type_name(m.geom_type[g]) + ")";
}

struct Candidate {
  int body1, body2;  // signature: lower body id, higher
  int explicit_first;  // 0 for <pair>, 1 for automatic
  int order;           // pair id or running geom-pair counter
  int g1, g2, func, condim;
  float friction[5], solref[2], solimp[5], margin, gap;
};

// mj_contactParam for two geoms (automatic pairs).
void mix_params(const Model& m, int g1, int g2, Candidate& c) {
  const int p1 = m.geom_priority[g1], p2 = m.geom_priority[g2];
  float fri[3];
  if (p1 != p2) {
    const int g = p1 > p2 ? g1 : g2;
    c.condim = m.geom_condim[g];
    for (int k = 0; k < 3; ++k) fri[k] = m.geom_friction[3 * g + k];
    for (int k = 0; k < 2; ++k) c.solref[k] = m.geom_solref[2 * g + k];
    for (int k = 0; k < 5; ++k) c.solimp[k] = m.geom_solimp[5 * g + k];
  } else {
    c.condim = std::max(m.geom_condim[g1], m.geom_condim[g2]);
    for (int k = 0; k < 3; ++k)
      fri[k] = std::max(m.geom_friction[3 * g1 + k], m.geom_friction[3 * g2 + k]);
    const float s1 = m.geom_solmix[g1], s2 = m.geom_solmix[g2];
    float mix;
    if (s1 >= kMinVal && s2 >= kMinVal) mix = s1 / (s1 + s2);
    else if (s1 < kMinVal && s2 < kMinVal) mix = 0.5f;
    else if (s1 < kMinVal) mix = 0.0f;
    else mix = 1.0f;
    const float* r1 = &m.geom_solref[2 * g1];
    const float* r2 = &m.geom_solref[2 * g2];
    for (int k = 0; k < 2; ++k)
      c.solref[k] = (r1[0] > 0 && r2[0] > 0) ? mix * r1[k] + (1 - mix) * r2[k]
                                             : std::min(r1[k], r2[k]);
    for (int k = 0; k < 5; ++k)
      c.solimp[k] = mix * m.geom_solimp[5 * g1 + k] + (1 - mix) * m.geom_solimp[5 * g2 + k];
  }
  const float f5[5] = {fri[0], fri[0], fri[1], fri[2], fri[2]};
  for (int k = 0; k < 5; ++k) c.friction[k] = std::max(kMinMu, f5[k]);
  // mujoco <= 3.4: maxima (3.5.0 sums them; PHYSICS_NOTES §0)
  c.margin = std::max(m.geom_margin[g1], m.geom_margin[g2]);
  c.gap = std::max(m.geom_gap[g1], m.geom_gap[g2]);
}

}  // namespace

int collision_func_for_types(int t1, int t2) {
  if (t1 > t2) std::swap(t1, t2);
  switch (t1) {
    case kGeomPlane:
      switch (t2) {
        case kGeomPlane: return -2;
        case kGeomSphere: return kColPlaneSphere;
        case kGeomCapsule: return kColPlaneCapsule;
        case kGeomCylinder: return kColPlaneCylinder;
        case kGeomBox: return kColPlaneBox;
        default: return -1;
      }
    case kGeomSphere:
      switch (t2) {
        case kGeomSphere: return kColSphereSphere;
        case kGeomCapsule: return kColSphereCapsule;
        case kGeomBox: return kColSphereBox;
        default: return -1;
      }
    case kGeomCapsule:
      switch (t2) {
        case kGeomCapsule: return kColCapsuleCapsule;
        case kGeomBox: return kColCapsuleBox;
        default: return -1;
      }
    case kGeomBox:
      return t2 == kGeomBox ? kColBoxBox : -1;
    default:
      return -1;
  }
}

void compile_collision_pairs(Model& m) {
  const int ngeom = m.size.ngeom;
  std::vector<Candidate> cands;

  // geom pairs named by an explicit <pair> (unordered)
  std::set<std::pair<int, int>> explicit_set;
  for (int p = 0; p < m.size.npair; ++p) {
    const int a = m.pair_geom1[p], b = m.pair_geom2[p];
    explicit_set.insert({std::min(a, b), std::max(a, b)});
  }
  std::set<std::pair<int, int>> excluded;
  for (int e = 0; e < m.size.nexclude; ++e) {
    const int a = m.exclude_body1[e], b = m.exclude_body2[e];
    excluded.insert({std::min(a, b), std::max(a, b)});
  }

  auto finish = [&](Candidate& c, int ga, int gb, const char* what) -> bool {
    // order geom1/geom2 by type (ties keep the given order)
    if (m.geom_type[ga] > m.geom_type[gb]) std::swap(ga, gb);
    c.g1 = ga;
    c.g2 = gb;
    c.func = collision_func_for_types(m.geom_type[ga], m.geom_type[gb]);
    if (c.func == -2) return false;
    if (c.func == -1)
      throw std::invalid_argument(std::string("collision: no narrowphase routine for ") + what +
                                  " " + geom_label(m, ga) + " - " + geom_label(m, gb) +
                                  "; set contype/conaffinity to 0 or exclude the pair");
    return true;
  };

  // explicit pairs: no filters
  for (int p = 0; p < m.size.npair; ++p) {
    Candidate c{};
    const int ga = m.pair_geom1[p], gb = m.pair_geom2[p];
    const int b1 = m.geom_bodyid[ga], b2 = m.geom_bodyid[gb];
    c.body1 = std::min(b1, b2);
    c.body2 = std::max(b1, b2);
    c.explicit_first = 0;
    c.order = p;
    if (!finish(c, ga, gb, "<pair>")) continue;
    c.condim = m.pair_condim[p];
    for (int k = 0; k < 5; ++k) c.friction[k] = m.pair_friction[5 * p + k];
    for (int k = 0; k < 2; ++k) c.solref[k] = m.pair_solref[2 * p + k];
    for (int k = 0; k < 5; ++k) c.solimp[k] = m.pair_solimp[5 * p + k];
    c.margin = m.pair_margin[p];
    c.gap = m.pair_gap[p];
    cands.push_back(c);
  }

  // automatic pairs
  const bool filterparent = !(m.opt.disableflags & kDsblFilterParent);
  for (int ga = 0; ga < ngeom; ++ga) {
    for (int gb = ga + 1; gb < ngeom; ++gb) {
      int b1 = m.geom_bodyid[ga], b2 = m.geom_bodyid[gb];
      if (b1 == b2) continue;
      // body pair order (lower id first), geoms of the lower body first
      int x = ga, y = gb;
      if (b1 > b2) { std::swap(b1, b2); std::swap(x, y); }
      const int w1 = m.body_weldid[b1], w2 = m.body_weldid[b2];
      if (w1 == w2) continue;  // same weld group (includes two world-welded bodies)
      if (m.body_dofnum[w1] == 0 && m.body_dofnum[w2] == 0) continue;  // both dof-less
      const int wp1 = m.body_weldid[m.body_parentid[w1]];
      const int wp2 = m.body_weldid[m.body_parentid[w2]];
      if (filterparent && w1 != 0 && w2 != 0 && (w1 == wp2 || w2 == wp1)) continue;
      if (excluded.count({b1, b2})) continue;
      const bool compatible = (m.geom_contype[x] & m.geom_conaffinity[y]) ||
                              (m.geom_contype[y] & m.geom_conaffinity[x]);
      if (!compatible) continue;
      if (explicit_set.count({std::min(x, y), std::max(x, y)})) continue;
      Candidate c{};
      c.body1 = b1;
      c.body2 = b2;
      c.explicit_first = 1;
      if (!finish(c, x, y, "geom pair")) continue;
      mix_params(m, c.g1, c.g2, c);
      cands.push_back(c);
    }
  }
  // geom order within a body pair: geoms of body1 outer, body2 inner (MuJoCo's loop)
  for (Candidate& c : cands)
    if (c.explicit_first == 1) {
      const int x = m.geom_bodyid[c.g1] == c.body1 ? c.g1 : c.g2;
      const int y = x == c.g1 ? c.g2 : c.g1;
      c.order = x * ngeom + y;
    }
  std::stable_sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
    if (a.body1 != b.body1) return a.body1 < b.body1;
    if (a.body2 != b.body2) return a.body2 < b.body2;
    if (a.explicit_first != b.explicit_first) return a.explicit_first < b.explicit_first;
    return a.order < b.order;
  });

  const int n = static_cast<int>(cands.size());
  m.size.ncollision = n;
  m.collision_geom1.assign(n, 0);
  m.collision_geom2.assign(n, 0);
  m.collision_func.assign(n, 0);
  m.collision_condim.assign(n, 0);
  m.collision_friction.assign(5 * n, 0.0f);
  m.collision_solref.assign(2 * n, 0.0f);
  m.collision_solimp.assign(5 * n, 0.0f);
  m.collision_margin.assign(n, 0.0f);
  m.collision_gap.assign(n, 0.0f);
  m.collision_conadr.assign(n, 0);
  m.collision_connum.assign(n, 0);
  int adr = 0;
  for (int i = 0; i < n; ++i) {
    const Candidate& c = cands[i];
    m.collision_geom1[i] = c.g1;
    m.collision_geom2[i] = c.g2;
    m.collision_func[i] = c.func;
    m.collision_condim[i] = c.condim;
    for (int k = 0; k < 5; ++k) m.collision_friction[5 * i + k] = c.friction[k];
    for (int k = 0; k < 2; ++k) m.collision_solref[2 * i + k] = c.solref[k];
    for (int k = 0; k < 5; ++k) m.collision_solimp[5 * i + k] = c.solimp[k];
    m.collision_margin[i] = c.margin;
    m.collision_gap[i] = c.gap;
    m.collision_conadr[i] = adr;
    m.collision_connum[i] = collision_num_slots(c.func);
    adr += m.collision_connum[i];
  }
  m.size.ncon_max = adr;
  m.slot_collisionid.assign(adr, 0);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < m.collision_connum[i]; ++k)
      m.slot_collisionid[m.collision_conadr[i] + k] = i;
}

}  // namespace lockstep
