// LibTorch's own c10::Error as the engine's ComputeError, worded the same everywhere: the faces
// catch ComputeError and never include LibTorch (ARCHITECTURE.md, invariants).
#pragma once

#include "errors.h"

#include <c10/util/Exception.h>

#include <string>

namespace normlab {

inline ComputeError computeError(const c10::Error &e)
{
    return ComputeError(std::string("LibTorch error: ") + e.what_without_backtrace());
}

} // namespace normlab
