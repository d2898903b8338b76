// Lockstep: shared definitions for host and device code.
#pragma once

#include <cstdint>

// Physics functions are written once and compiled for the host (CPU backend) and, under nvcc,
// for the device (CUDA backend). They act on one world and carry no #ifdef of their own.
#if defined(__CUDACC__)
#define LS_HD __host__ __device__ inline
#else
#define LS_HD inline
#endif

// Fully unrolls the loop that follows under nvcc (a small array indexed by its counter then
// stays in registers); nothing on the host.
#if defined(__CUDACC__)
#define LS_UNROLL _Pragma("unroll")
#else
#define LS_UNROLL
#endif

// Inlined into every caller, whatever the compiler's size heuristics say. For the on-chip step's
// world functions: inlined, its state accesses are known to be shared-memory ones.
#define LS_ALWAYS_INLINE __attribute__((always_inline))

// Invariants; compiled out in release builds (NDEBUG).
#if !defined(NDEBUG) && !defined(__CUDA_ARCH__)
#include <cassert>
#define LS_ASSERT(cond) assert(cond)
#else
#define LS_ASSERT(cond) ((void)0)
#endif

namespace lockstep {

// Index of the lowest set bit of x ≠ 0.
LS_HD int lowest_bit(unsigned x) {
#if defined(__CUDA_ARCH__)
  return __ffs(static_cast<int>(x)) - 1;
#else
  return __builtin_ctz(x);
#endif
}

// Enumerations use MuJoCo's numeric values, so model arrays compare one-to-one with mjModel's.
enum JointType : int { kJntFree = 0, kJntBall = 1, kJntSlide = 2, kJntHinge = 3 };
enum GeomType : int {
  kGeomPlane = 0, kGeomHfield = 1, kGeomSphere = 2, kGeomCapsule = 3,
  kGeomEllipsoid = 4, kGeomCylinder = 5, kGeomBox = 6, kGeomMesh = 7
};
enum Integrator : int { kIntEuler = 0, kIntRK4 = 1 };
enum SolverType : int { kSolverPGS = 0, kSolverCG = 1, kSolverNewton = 2 };
enum ConeType : int { kConePyramidal = 0, kConeElliptic = 1 };
enum GainType : int { kGainFixed = 0 };
enum BiasType : int { kBiasNone = 0, kBiasAffine = 1 };

// Bits of Option::disableflags (subset of MuJoCo's <flag>; bit values are Lockstep's own).
enum DisableBit : int {
  kDsblConstraint = 1 << 0,
  kDsblLimit = 1 << 1,
  kDsblContact = 1 << 2,
  kDsblPassive = 1 << 3,   // both spring and damper
  kDsblGravity = 1 << 4,
  kDsblClampCtrl = 1 << 5,
  kDsblActuation = 1 << 6,
  kDsblEulerDamp = 1 << 7,
  kDsblFilterParent = 1 << 8,
  kDsblSpring = 1 << 9,
  kDsblDamper = 1 << 10,
  kDsblFrictionLoss = 1 << 11,
  kDsblEquality = 1 << 12,
  kDsblWarmstart = 1 << 13,
  kDsblRefsafe = 1 << 14,
};

// Per-joint counts of position and velocity coordinates.
LS_HD int jnt_nq(int type) { return type == kJntFree ? 7 : type == kJntBall ? 4 : 1; }
LS_HD int jnt_nv(int type) { return type == kJntFree ? 6 : type == kJntBall ? 3 : 1; }

}  // namespace lockstep
