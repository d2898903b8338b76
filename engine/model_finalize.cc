#include "engine/model_finalize.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/collision_pairs.h"
#include "engine/constraint.h"
#include "engine/set_const.h"

namespace lockstep {

void compile_constraint_rows(Model& m) {
  int r = 0;
  m.jnt_efcadr.assign(m.size.njnt, -1);
  for (int j = 0; j < m.size.njnt; ++j) {
    const int type = m.jnt_type[j];
    if (m.jnt_limited[j] && (type == kJntHinge || type == kJntSlide)) {
      m.jnt_efcadr[j] = r;
      r += 2;
    }
  }
  m.tendon_efcadr.assign(m.size.ntendon, -1);
  for (int t = 0; t < m.size.ntendon; ++t) {
    if (m.tendon_limited[t]) {
      m.tendon_efcadr[t] = r;
      r += 2;
    }
  }
  m.slot_efcadr.assign(m.size.ncon_max, 0);
  const ModelView v = m.view();
  for (int s = 0; s < m.size.ncon_max; ++s) {
    m.slot_efcadr[s] = r;
    r += contact_rows(v, m.collision_condim[m.slot_collisionid[s]]);
  }
  m.size.nefc_max = r;
  m.size.nefc_dense = uses_pgs(m.opt) ? std::min(r, kPgsDenseRows) : 0;
  m.size.nefc_scratch = r * (uses_pgs(m.opt) ? m.size.nv + 3 : 3);
}

void compile_dof_sparsity(Model& m) {
  const int nv = m.size.nv;
  m.LD_rownnz.assign(nv, 0);
  m.LD_rowadr.assign(nv, 0);
  m.LD_colind.clear();
  for (int i = 0; i < nv; ++i) {
    m.LD_rowadr[i] = static_cast<int>(m.LD_colind.size());
    const size_t end = m.LD_colind.size();
    for (int j = i; j >= 0; j = m.dof_parentid[j]) m.LD_colind.push_back(j);
    std::reverse(m.LD_colind.begin() + end, m.LD_colind.end());
    m.LD_rownnz[i] = static_cast<int>(m.LD_colind.size() - end);
  }
  m.size.nM = static_cast<int>(m.LD_colind.size());
}

void compile_body_levels(Model& m) {
  const int nbody = m.size.nbody;
  std::vector<int> depth(nbody, 0);
  for (int b = 1; b < nbody; ++b) depth[b] = depth[m.body_parentid[b]] + 1;  // parent id < b
  m.size.nlevel = nbody > 1 ? *std::max_element(depth.begin(), depth.end()) : 0;
  m.body_bylevel.resize(nbody);
  for (int b = 0; b < nbody; ++b) m.body_bylevel[b] = b;
  std::stable_sort(m.body_bylevel.begin(), m.body_bylevel.end(), [&](int a, int b) {
    if (depth[a] != depth[b]) return depth[a] < depth[b];
    return m.body_parentid[a] < m.body_parentid[b];
  });
  m.body_leveladr.assign(nbody, nbody);
  m.body_childadr.assign(nbody, -1);
  m.body_childnum.assign(nbody, 0);
  for (int t = nbody - 1; t >= 0; --t) {
    const int b = m.body_bylevel[t];
    m.body_leveladr[depth[b]] = t;
    if (b == 0) continue;
    m.body_childadr[m.body_parentid[b]] = t;
    ++m.body_childnum[m.body_parentid[b]];
  }
  // Depth-first: each body's parent is the body before it or one of that body's ancestors.
  for (int b = 2; b < nbody; ++b) {
    int a = b - 1;
    while (a > 0 && a != m.body_parentid[b]) a = m.body_parentid[a];
    if (a != m.body_parentid[b])
      throw std::logic_error("bodies are not in depth-first order at body " + std::to_string(b));
  }
  m.body_subtreeend.resize(nbody);
  for (int b = 0; b < nbody; ++b) m.body_subtreeend[b] = b + 1;
  for (int b = nbody - 1; b > 0; --b) {
    int& end = m.body_subtreeend[m.body_parentid[b]];
    end = std::max(end, m.body_subtreeend[b]);
  }
}

void finalize_model(Model& m) {
  compile_body_levels(m);
  compile_dof_sparsity(m);
  compile_collision_pairs(m);
  compile_constraint_rows(m);
  set_const(m);
}

}  // namespace lockstep
