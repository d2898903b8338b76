// Model: the immutable, flat description of one system, shared by every world. Field names,
// shapes and meanings follow MuJoCo's mjModel. Compiled on the host (engine/mjcf.h) and viewed
// by physics code through ModelView, a trivially copyable struct of array handles that works on
// host and device alike.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/defs.h"

namespace lockstep {

// Physics options, MuJoCo's <option> (defaults as in MuJoCo).
struct Option {
  float timestep = 0.002f;                 // [s]
  float gravity[3] = {0, 0, -9.81f};       // [m/s^2]
  int integrator = kIntEuler;              // Integrator
  int solver = kSolverNewton;              // SolverType
  int cone = kConePyramidal;               // ConeType
  int iterations = 100;                    // constraint solver iterations
  int ls_iterations = 50;                  // line-search iterations (Newton/CG)
  float tolerance = 1e-8f;                 // solver early-exit tolerance
  float ls_tolerance = 0.01f;
  float impratio = 1.0f;                   // frictional-to-normal impedance ratio
  int disableflags = 0;                    // DisableBit mask
};

// PGS runs as PGS only with pyramidal cones; CG, and PGS with elliptic cones, run as Newton
// (engine/solver.h).
LS_HD bool uses_pgs(const Option& opt) {
  return opt.solver == kSolverPGS && opt.cone == kConePyramidal;
}

// Sizes, MuJoCo's names.
// Largest dense PGS block (Sizes::nefc_dense): 64² floats, 16 KB per world. A sweep over the
// block costs nactive² reads against ~4·nv·nactive row by row, so larger blocks rarely pay.
constexpr int kPgsDenseRows = 64;

struct Sizes {
  int nq = 0;        // generalized positions
  int nv = 0;        // degrees of freedom
  int nu = 0;        // actuators
  int na = 0;        // activations (no stateful actuators yet: always 0)
  int nbody = 0;     // bodies, including the world body 0
  int njnt = 0;      // joints
  int ngeom = 0;     // geoms
  int nsite = 0;     // sites
  int ntendon = 0;   // fixed tendons
  int nwrap = 0;     // tendon wrap entries (joints of fixed tendons)
  int npair = 0;     // explicit <contact><pair>
  int nexclude = 0;  // explicit <contact><exclude>
  int ncollision = 0;  // compiled candidate geom pairs (engine/collision_pairs.h)
  int ncon_max = 0;    // contact slots, sum of collision_connum
  int nefc_max = 0;    // constraint row slots: limits, then contacts (engine/constraint.h)
  int nM = 0;          // tree nonzeros of qM's lower triangle: Σ over dofs of (ancestors + 1)
  int nlevel = 0;      // depth of the body tree: bodies lie at depths 1 … nlevel, the world at 0
  // Rows of the PGS solver's dense block efc_AR: min(nefc_max, kPgsDenseRows) when the model
  // compiles with solver PGS and pyramidal cones, else 0 (worlds with more active rows run PGS
  // row by row).
  int nefc_dense = 0;
  // Floats of the solver's row scratch (efc_scratch): nefc_max·(nv + 3) when the model compiles
  // to PGS (M⁻¹Jᵀ rows, diag A, b, f), else 3·nefc_max (Newton: J·p, jar, 0). A Simulator
  // refuses a model whose solver was changed to PGS after compiling (engine/simulator.cc).
  int nefc_scratch = 0;
};

// Every Model array: X(type, name, count, comment). `count` is an expression in Sizes.
// Bodies are in depth-first order (parent id < child id; a subtree's ids are consecutive).
// Frames: *_pos [m], *_quat (w, x, y, z).
#define LS_MODEL_ARRAYS(X)                                                                      \
  X(int, body_parentid, nbody, "parent body id (world: 0)")                                     \
  X(int, body_rootid, nbody, "top-level ancestor below the world (world: 0)")                   \
  X(int, body_weldid, nbody, "id of the body this one is welded to (itself if it has joints)")  \
  X(int, body_jntnum, nbody, "number of joints")                                                \
  X(int, body_jntadr, nbody, "first joint id; -1 if none")                                      \
  X(int, body_dofnum, nbody, "number of dofs")                                                  \
  X(int, body_dofadr, nbody, "first dof id; -1 if none")                                        \
  X(int, body_geomnum, nbody, "number of geoms")                                                \
  X(int, body_geomadr, nbody, "first geom id; -1 if none")                                      \
  X(int, body_bylevel, nbody, "body ids by depth (the world first); in a depth by parent, then id") \
  X(int, body_leveladr, nbody, "entry l: first body_bylevel entry of depth l ≤ nlevel")       \
  X(int, body_childadr, nbody, "body_bylevel entry of the first child; -1 if none")            \
  X(int, body_childnum, nbody, "number of children (consecutive in body_bylevel)")             \
  X(int, body_subtreeend, nbody, "one past the subtree's last body: it is ids b … end - 1")      \
  X(float, body_pos, nbody * 3, "position in parent frame [m]")                                 \
  X(float, body_quat, nbody * 4, "orientation in parent frame (w, x, y, z)")                    \
  X(float, body_ipos, nbody * 3, "centre of mass in body frame [m]")                            \
  X(float, body_iquat, nbody * 4, "principal inertia frame in body frame (w, x, y, z)")         \
  X(float, body_mass, nbody, "mass [kg]")                                                       \
  X(float, body_subtreemass, nbody, "mass of the subtree rooted here [kg]")                     \
  X(float, body_inertia, nbody * 3, "principal moments of inertia, descending [kg m^2]")        \
  X(float, body_invweight0, nbody * 2, "mean inverse mass, inverse inertia at qpos0")           \
  X(int, jnt_type, njnt, "JointType")                                                           \
  X(int, jnt_qposadr, njnt, "first qpos address")                                               \
  X(int, jnt_dofadr, njnt, "first dof address")                                                 \
  X(int, jnt_bodyid, njnt, "body the joint belongs to")                                         \
  X(int, jnt_limited, njnt, "1 if the joint range is enforced")                                 \
  X(float, jnt_pos, njnt * 3, "anchor in body frame [m]")                                       \
  X(float, jnt_axis, njnt * 3, "unit axis in body frame (hinge, slide)")                        \
  X(float, jnt_stiffness, njnt, "spring stiffness [N/m or N m/rad]")                            \
  X(float, jnt_range, njnt * 2, "limits [m or rad]")                                            \
  X(float, jnt_margin, njnt, "limit activation margin [m or rad]")                              \
  X(float, jnt_solref, njnt * 2, "limit solref")                                                \
  X(float, jnt_solimp, njnt * 5, "limit solimp")                                                \
  X(int, dof_bodyid, nv, "body of the dof")                                                     \
  X(int, dof_jntid, nv, "joint of the dof")                                                     \
  X(int, dof_parentid, nv, "parent dof in the tree; -1 at the root")                            \
  X(float, dof_armature, nv, "armature inertia added to qM's diagonal [kg, kg m²]")             \
  X(float, dof_damping, nv, "viscous damping [N s/m or N m s/rad]")                             \
  X(float, dof_frictionloss, nv, "dry friction [N or N m]")                                     \
  X(float, dof_invweight0, nv, "diagonal of M^-1 at qpos0")                                     \
  X(int, LD_rownnz, nv, "tree nonzeros in row i of qM and qLD: dof i's ancestors, and i")       \
  X(int, LD_rowadr, nv, "first LD_colind entry of row i")                                       \
  X(int, LD_colind, nM, "column of each tree nonzero, ascending in a row (the diagonal last)")  \
  X(int, geom_type, ngeom, "GeomType")                                                          \
  X(int, geom_contype, ngeom, "contact type bitmask")                                           \
  X(int, geom_conaffinity, ngeom, "contact affinity bitmask")                                   \
  X(int, geom_condim, ngeom, "contact dimensionality 1, 3, 4 or 6")                             \
  X(int, geom_bodyid, ngeom, "body the geom belongs to")                                        \
  X(int, geom_priority, ngeom, "contact parameter priority")                                    \
  X(float, geom_size, ngeom * 3, "type-specific half sizes / radius [m]")                       \
  X(float, geom_pos, ngeom * 3, "position in body frame [m]")                                   \
  X(float, geom_quat, ngeom * 4, "orientation in body frame (w, x, y, z)")                      \
  X(float, geom_friction, ngeom * 3, "sliding, torsional, rolling friction")                    \
  X(float, geom_margin, ngeom, "contact detection margin [m]")                                  \
  X(float, geom_gap, ngeom, "contact gap [m]")                                                  \
  X(float, geom_solmix, ngeom, "solver parameter mixing weight")                                \
  X(float, geom_solref, ngeom * 2, "contact solref")                                            \
  X(float, geom_solimp, ngeom * 5, "contact solimp")                                            \
  X(float, geom_rbound, ngeom, "bounding sphere radius [m]; 0 for planes")                      \
  X(int, site_bodyid, nsite, "body the site belongs to")                                        \
  X(float, site_pos, nsite * 3, "position in body frame [m]")                                   \
  X(float, site_quat, nsite * 4, "orientation in body frame (w, x, y, z)")                      \
  X(int, actuator_trntype, nu, "0: joint, 1: tendon")                                           \
  X(int, actuator_trnid, nu, "joint or tendon id")                                              \
  X(int, actuator_gaintype, nu, "GainType")                                                     \
  X(int, actuator_biastype, nu, "BiasType")                                                     \
  X(int, actuator_ctrllimited, nu, "1 if ctrl is clamped to ctrlrange")                         \
  X(int, actuator_forcelimited, nu, "1 if force is clamped to forcerange")                      \
  X(float, actuator_gear, nu * 6, "transmission gear")                                          \
  X(float, actuator_gainprm, nu * 10, "gain parameters")                                        \
  X(float, actuator_biasprm, nu * 10, "bias parameters")                                        \
  X(float, actuator_ctrlrange, nu * 2, "control range (ctrl units)")                            \
  X(float, actuator_forcerange, nu * 2, "force range [N or N m]")                               \
  X(int, tendon_adr, ntendon, "first wrap entry")                                               \
  X(int, tendon_num, ntendon, "number of wrap entries")                                         \
  X(int, tendon_limited, ntendon, "1 if the tendon range is enforced")                          \
  X(float, tendon_range, ntendon * 2, "length limits [m or rad]")                               \
  X(float, tendon_margin, ntendon, "limit activation margin [m]")                               \
  X(float, tendon_solref_lim, ntendon * 2, "limit solref")                                      \
  X(float, tendon_solimp_lim, ntendon * 5, "limit solimp")                                      \
  X(float, tendon_stiffness, ntendon, "spring stiffness [N/m or N m/rad]")                      \
  X(float, tendon_damping, ntendon, "damping [N s/m or N m s/rad]")                             \
  X(float, tendon_lengthspring, ntendon * 2, "spring rest length range [m or rad]")             \
  X(float, tendon_invweight0, ntendon, "inverse weight at qpos0")                               \
  X(int, wrap_objid, nwrap, "joint id of a fixed-tendon entry")                                 \
  X(float, wrap_prm, nwrap, "coefficient of a fixed-tendon entry")                              \
  X(int, pair_geom1, npair, "first geom of an explicit pair")                                   \
  X(int, pair_geom2, npair, "second geom of an explicit pair")                                  \
  X(int, pair_condim, npair, "contact dimensionality")                                          \
  X(float, pair_friction, npair * 5, "tangent1, tangent2, spin, roll1, roll2")                  \
  X(float, pair_solref, npair * 2, "solref")                                                    \
  X(float, pair_solimp, npair * 5, "solimp")                                                    \
  X(float, pair_margin, npair, "margin [m]")                                                    \
  X(float, pair_gap, npair, "gap [m]")                                                          \
  X(int, exclude_body1, nexclude, "first body of an excluded body pair")                        \
  X(int, exclude_body2, nexclude, "second body of an excluded body pair")                       \
  X(float, qpos0, nq, "reference configuration [m, rad, quaternion]")                           \
  X(float, qpos_spring, nq, "spring rest configuration [m, rad, quaternion]")                   \
  X(int, collision_geom1, ncollision, "first geom of a candidate pair (lower geom_type)")        \
  X(int, collision_geom2, ncollision, "second geom; contact normals point from geom1 to 2")     \
  X(int, collision_func, ncollision, "narrowphase routine (CollisionFunc)")                      \
  X(int, collision_condim, ncollision, "mixed contact dimensionality")                          \
  X(float, collision_friction, ncollision * 5, "mixed tangent1, tangent2, spin, roll1, roll2")  \
  X(float, collision_solref, ncollision * 2, "mixed solref")                                    \
  X(float, collision_solimp, ncollision * 5, "mixed solimp")                                    \
  X(float, collision_margin, ncollision, "detection margin [m]")                                \
  X(float, collision_gap, ncollision, "gap [m]: includemargin = margin - gap")                  \
  X(int, collision_conadr, ncollision, "first contact slot")                                    \
  X(int, collision_connum, ncollision, "number of contact slots")                               \
  X(int, slot_collisionid, ncon_max, "candidate pair owning each contact slot")            \
  X(int, slot_efcadr, ncon_max, "first constraint row of each contact slot")                  \
  X(int, jnt_efcadr, njnt, "first of 2 limit rows (lower, upper); -1 if not limited")        \
  X(int, tendon_efcadr, ntendon, "first of 2 limit rows (lower, upper); -1 if not limited")  \
  X(float, stat_meaninertia, 1, "mean diagonal of qM at qpos0 [kg, kg m²]: solver tolerance scale")

// A Model array as physics code reads it. On the device every load takes the read-only data
// path (__ldg): the model does not change during a kernel, and the compiler may then move the
// load ahead of stores to the state, where a plain load must wait behind any store it cannot
// prove to be elsewhere.
template <class T>
struct ModelArray {
  const T* p = nullptr;
  ModelArray() = default;
  LS_HD ModelArray(const T* data) : p(data) {}  // NOLINT: converts like the pointer it wraps
  LS_HD T operator[](int i) const {
#ifdef __CUDA_ARCH__
    return __ldg(p + i);
#else
    return p[i];
#endif
  }
  LS_HD ModelArray operator+(int k) const { return ModelArray(p + k); }
  LS_HD const T* data() const { return p; }
};

// Read-only view of a Model's arrays, host or device; copied by value into kernels.
struct ModelView {
  Sizes size;
  Option opt;
#define LS_X(type, name, count, comment) ModelArray<type> name;
  LS_MODEL_ARRAYS(LS_X)
#undef LS_X
};

// Owning host-side model with names. Built by load_mjcf(); immutable afterwards.
class Model {
 public:
  Sizes size;
  Option opt;
#define LS_X(type, name, count, comment) std::vector<type> name;
  LS_MODEL_ARRAYS(LS_X)
#undef LS_X

  // Names per object kind ("" where unnamed), MuJoCo's order.
  std::vector<std::string> body_names, jnt_names, geom_names, site_names, actuator_names,
      tendon_names;
  std::map<std::string, std::vector<float>> numeric;  // <custom><numeric> data by name
  std::string model_name;

  ModelView view() const;
  // Resizes every array to its count under `size` (used by the compiler).
  void allocate();
  // Id of the named object of a kind ("body", "joint", "geom", "site", "actuator", "tendon"),
  // or -1 if there is none.
  int name2id(const std::string& kind, const std::string& name) const;
};

}  // namespace lockstep
