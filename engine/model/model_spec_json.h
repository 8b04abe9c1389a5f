// A ModelSpec as JSON: what the PyTorch references (tests/reference/normlab_net.py) build their
// network from, so that both sides train the very same layers.
#pragma once

#include "model_spec.h"

#include <nlohmann/json.hpp>

namespace normlab {

// {"layers": [{"name", "kind", "in", "out", "kernel", "stride", "padding", "dilation", "groups",
// "residual", "residual_span", "hidden"}...], "norm", "groups", "affine", "dropout", "num_classes",
// "input_size"}
nlohmann::json toJson(const ModelSpec &spec);

} // namespace normlab
