// Model constants that need the dynamics (MuJoCo mj_setConst): inverse weights at qpos0.
#pragma once

#include "engine/model.h"

namespace lockstep {

// Fills dof_invweight0, body_invweight0 and tendon_invweight0 from the mass matrix at qpos0.
// Called by the model compiler after every other array is set.
void set_const(Model& m);

}  // namespace lockstep
