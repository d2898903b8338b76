// MJCF loader and model compiler: MuJoCo XML -> Model, with MuJoCo's meaning for every
// attribute it accepts. Anything it does not support that would change the physics is refused.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "engine/model.h"

namespace lockstep {

// Error in an MJCF file. what() reads "FILE:LINE: <element> attribute 'attr': problem"
// (attribute part omitted where the problem is the element itself).
class MjcfError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Loads and compiles an MJCF file. Throws MjcfError.
std::shared_ptr<Model> load_mjcf(const std::string& path);
// Same, from XML text; `name` is used as the file name in error messages.
std::shared_ptr<Model> load_mjcf_string(const std::string& xml,
                                        const std::string& name = "<string>");

}  // namespace lockstep
