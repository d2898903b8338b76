#include "engine/model.h"

#include <stdexcept>

namespace lockstep {

ModelView Model::view() const {
  ModelView v;
  v.size = size;
  v.opt = opt;
#define LS_X(type, name, count, comment) v.name = name.data();
  LS_MODEL_ARRAYS(LS_X)
#undef LS_X
  return v;
}

void Model::allocate() {
  const Sizes& s = size;
  const int nq = s.nq, nv = s.nv, nu = s.nu, nbody = s.nbody, njnt = s.njnt, ngeom = s.ngeom,
            nsite = s.nsite, ntendon = s.ntendon, nwrap = s.nwrap, npair = s.npair,
            nexclude = s.nexclude, ncollision = s.ncollision, ncon_max = s.ncon_max, nM = s.nM;
#define LS_X(type, name, count, comment) name.assign(static_cast<size_t>(count), type{});
  LS_MODEL_ARRAYS(LS_X)
#undef LS_X
  (void)nq, (void)nv, (void)nu, (void)nbody, (void)njnt, (void)ngeom, (void)nsite,
      (void)ntendon, (void)nwrap, (void)npair, (void)nexclude,
      (void)ncollision, (void)ncon_max, (void)nM;
}

int Model::name2id(const std::string& kind, const std::string& name) const {
  const std::vector<std::string>* names = nullptr;
  if (kind == "body") names = &body_names;
  else if (kind == "joint") names = &jnt_names;
  else if (kind == "geom") names = &geom_names;
  else if (kind == "site") names = &site_names;
  else if (kind == "actuator") names = &actuator_names;
  else if (kind == "tendon") names = &tendon_names;
  else throw std::invalid_argument("name2id: unknown object kind '" + kind +
                                   "' (expected body, joint, geom, site, actuator or tendon)");
  if (name.empty()) return -1;
  for (size_t i = 0; i < names->size(); ++i)
    if ((*names)[i] == name) return static_cast<int>(i);
  return -1;
}

}  // namespace lockstep
