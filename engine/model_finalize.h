// Last stage of model compilation: everything derived from the complete Model.
#pragma once

#include "engine/model.h"

namespace lockstep {

// Assigns constraint row slots: 2 per limited hinge/slide joint and limited tendon, then the
// rows of every contact slot (engine/constraint.h); sets size.nefc_max.
void compile_constraint_rows(Model& m);

// The tree sparsity of qM's lower triangle and of its factor qLD (fill-in stays on ancestors),
// from dof_parentid: LD_rownnz, LD_rowadr, LD_colind and size.nM. Rows as MuJoCo's M_rownnz,
// M_rowadr, M_colind, except that MuJoCo also drops entries it can prove zero (two orthogonal
// slides of one body); nM is MuJoCo's. Physics loops over a dof's ancestors read it, where
// walking dof_parentid makes each load wait for the one before.
void compile_dof_sparsity(Model& m);

// The body tree by depth, for stages that take a depth's bodies at once (engine/lanes.h):
// size.nlevel, body_bylevel, body_leveladr, body_childadr, body_childnum; and each subtree's
// range of ids, body_subtreeend. Throws std::logic_error if the bodies are not depth-first.
void compile_body_levels(Model& m);

// qM's tree sparsity, candidate collision pairs, constraint rows, then set_const (inverse
// weights, meaninertia).
// The MJCF compiler calls this once the Model's arrays are filled.
void finalize_model(Model& m);

}  // namespace lockstep
