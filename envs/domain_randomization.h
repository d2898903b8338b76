// Domain randomisation: the per-world physics parameters (engine/state.h param_*) drawn
// uniformly at every episode reset of an env, from its own counter-based stream keyed by
// (seed, env, episode), so the draws do not depend on num_envs, the backend or the task's reset
// noise. Parameters without a range keep whatever value they hold (model default, or what the
// user wrote into sim.params).
//
//   | key           | drawn                    | meaning                                         |
//   | gravity       | per component x, y, z    | gravity [m/s^2]                                 |
//   | mass_scale    | per body (1..nbody-1)    | factor on the body's mass and inertia           |
//   | friction      | once per world           | factor on every contact friction coefficient    |
//   | actuator_gain | per actuator             | factor on the actuator's force                  |
//   | damping       | per dof                  | factor on the model's dof damping               |
#pragma once

#include "engine/forward.h"
#include "envs/rng.h"

namespace lockstep {

// Tag of the domain-randomisation substream (EnvRng::substream).
constexpr uint64_t kDomainRandomizationStream = 0x64726E64ull;

struct ParamRange {
  int enabled = 0;
  float low[3] = {0, 0, 0};   // gravity uses 3 components; the factors use low[0], high[0]
  float high[3] = {0, 0, 0};
};

struct DomainRandomization {
  ParamRange gravity, mass_scale, friction, actuator_gain, damping;

  // (key, range, components) for every parameter (host only).
  template <class F>
  void params(F&& f) {
    f("gravity", gravity, 3);
    f("mass_scale", mass_scale, 1);
    f("friction", friction, 1);
    f("actuator_gain", actuator_gain, 1);
    f("damping", damping, 1);
  }
};

// Draws the enabled parameters of world d. `enabled` is the same in every world (an env
// option), so these branches are uniform.
LS_HD void randomize_params(const ModelView& m, const Data& d, const DomainRandomization& r,
                            EnvRng rng) {
  auto draw = [&](const ParamRange& p, int k) { return rng.uniform(p.low[k], p.high[k]); };
  if (r.gravity.enabled)
    for (int k = 0; k < 3; ++k) d.param_gravity()[k] = draw(r.gravity, k);
  if (r.mass_scale.enabled)
    for (int b = 1; b < m.size.nbody; ++b) d.param_mass_scale()[b] = draw(r.mass_scale, 0);
  if (r.friction.enabled) d.param_friction()[0] = draw(r.friction, 0);
  if (r.actuator_gain.enabled)
    for (int a = 0; a < m.size.nu; ++a) d.param_actuator_gain()[a] = draw(r.actuator_gain, 0);
  if (r.damping.enabled)
    for (int i = 0; i < m.size.nv; ++i) d.param_damping()[i] = m.dof_damping[i] * draw(r.damping, 0);
}

}  // namespace lockstep
