// Small fixed-size float math for physics code: 3-vectors, quaternions (w, x, y, z), row-major
// 3x3 matrices and 6-D spatial vectors [rotation; translation], all LS_HD and register friendly.
#pragma once

#include <cmath>

#include "engine/defs.h"

namespace lockstep {

struct Vec3 { float x, y, z; };
struct Quat { float w, x, y, z; };
struct Mat3 { float m[9]; };      // row-major
struct Vec6 { Vec3 ang, lin; };   // spatial vector, MuJoCo order [rot; lin]

LS_HD Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
LS_HD Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
LS_HD Vec3 operator-(Vec3 a) { return {-a.x, -a.y, -a.z}; }
LS_HD Vec3 operator*(float s, Vec3 a) { return {s * a.x, s * a.y, s * a.z}; }
LS_HD Vec3 operator*(Vec3 a, float s) { return {s * a.x, s * a.y, s * a.z}; }
LS_HD Vec3& operator+=(Vec3& a, Vec3 b) { a = a + b; return a; }
LS_HD Vec3& operator-=(Vec3& a, Vec3 b) { a = a - b; return a; }
LS_HD float dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
LS_HD Vec3 cross(Vec3 a, Vec3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
LS_HD float norm(Vec3 a) { return sqrtf(dot(a, a)); }
LS_HD Vec3 normalize(Vec3 a) {
  float n = norm(a);
  return n > 1e-15f ? (1.0f / n) * a : Vec3{1, 0, 0};
}

// False for NaN and ±inf; written without isfinite so it survives fast-math on host and device.
LS_HD bool is_finite(float x) { return fabsf(x) <= 3.402823466e+38f; }

LS_HD float clampf(float x, float lo, float hi) { return fminf(fmaxf(x, lo), hi); }

LS_HD Vec6 operator+(Vec6 a, Vec6 b) { return {a.ang + b.ang, a.lin + b.lin}; }
LS_HD Vec6 operator-(Vec6 a, Vec6 b) { return {a.ang - b.ang, a.lin - b.lin}; }
LS_HD Vec6 operator*(float s, Vec6 a) { return {s * a.ang, s * a.lin}; }
LS_HD Vec6& operator+=(Vec6& a, Vec6 b) { a = a + b; return a; }
LS_HD float dot(Vec6 a, Vec6 b) { return dot(a.ang, b.ang) + dot(a.lin, b.lin); }

// Motion cross product v ×ₘ u (velocity acting on a motion vector).
LS_HD Vec6 cross_motion(Vec6 v, Vec6 u) {
  return {cross(v.ang, u.ang), cross(v.ang, u.lin) + cross(v.lin, u.ang)};
}
// Force cross product v ×* f (velocity acting on a force vector).
LS_HD Vec6 cross_force(Vec6 v, Vec6 f) {
  return {cross(v.ang, f.ang) + cross(v.lin, f.lin), cross(v.ang, f.lin)};
}

LS_HD Vec3 mul(const Mat3& a, Vec3 v) {
  return {a.m[0] * v.x + a.m[1] * v.y + a.m[2] * v.z,
          a.m[3] * v.x + a.m[4] * v.y + a.m[5] * v.z,
          a.m[6] * v.x + a.m[7] * v.y + a.m[8] * v.z};
}
LS_HD Vec3 mul_transpose(const Mat3& a, Vec3 v) {
  return {a.m[0] * v.x + a.m[3] * v.y + a.m[6] * v.z,
          a.m[1] * v.x + a.m[4] * v.y + a.m[7] * v.z,
          a.m[2] * v.x + a.m[5] * v.y + a.m[8] * v.z};
}
LS_HD Vec3 column(const Mat3& a, int j) { return {a.m[j], a.m[3 + j], a.m[6 + j]}; }
LS_HD Mat3 mul(const Mat3& a, const Mat3& b) {
  Mat3 r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      r.m[3 * i + j] = a.m[3 * i] * b.m[j] + a.m[3 * i + 1] * b.m[3 + j] + a.m[3 * i + 2] * b.m[6 + j];
  return r;
}

LS_HD Quat quat_mul(Quat a, Quat b) {
  return {a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
          a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
          a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
          a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w};
}
LS_HD Quat quat_conj(Quat q) { return {q.w, -q.x, -q.y, -q.z}; }
LS_HD Quat quat_normalize(Quat q) {
  float n = sqrtf(q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z);
  if (n < 1e-15f) return {1, 0, 0, 0};
  float s = 1.0f / n;
  return {s * q.w, s * q.x, s * q.y, s * q.z};
}
// Rotation matrix of a unit quaternion.
LS_HD Mat3 quat_to_mat(Quat q) {
  float ww = q.w * q.w, xx = q.x * q.x, yy = q.y * q.y, zz = q.z * q.z;
  float wx = q.w * q.x, wy = q.w * q.y, wz = q.w * q.z;
  float xy = q.x * q.y, xz = q.x * q.z, yz = q.y * q.z;
  return {{ww + xx - yy - zz, 2 * (xy - wz), 2 * (xz + wy),
           2 * (xy + wz), ww - xx + yy - zz, 2 * (yz - wx),
           2 * (xz - wy), 2 * (yz + wx), ww - xx - yy + zz}};
}
LS_HD Vec3 quat_rotate(Quat q, Vec3 v) { return mul(quat_to_mat(q), v); }
// Quaternion of a rotation by `angle` [rad] about unit `axis`.
LS_HD Quat axis_angle_quat(Vec3 axis, float angle) {
  float s = sinf(0.5f * angle);
  return {cosf(0.5f * angle), s * axis.x, s * axis.y, s * axis.z};
}
// Integrate a quaternion by local angular velocity `omega` [rad/s] over `h` [s]: q ⊗ exp(h·ω/2).
// As in MuJoCo, q is normalised first and the product is not renormalised.
LS_HD Quat quat_integrate(Quat q, Vec3 omega, float h) {
  float w = norm(omega);
  Quat dq = w > 1e-15f ? axis_angle_quat((1.0f / w) * omega, h * w) : Quat{1, 0, 0, 0};
  return quat_mul(quat_normalize(q), dq);
}
// Local rotation vector (axis·angle) taking q1 to q2: q2 = q1 ⊗ exp(v/2).
LS_HD Vec3 quat_sub(Quat q2, Quat q1) {
  Quat d = quat_mul(quat_conj(q1), q2);
  if (d.w < 0) d = {-d.w, -d.x, -d.y, -d.z};
  Vec3 v{d.x, d.y, d.z};
  float s = norm(v);
  if (s < 1e-15f) return {0, 0, 0};
  float angle = 2.0f * atan2f(s, d.w);
  return (angle / s) * v;
}

}  // namespace lockstep
