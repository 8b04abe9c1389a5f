// Where NormLab keeps its data, following the XDG base directory specification.
#pragma once

#include <string>

namespace normlab {

// $XDG_DATA_HOME/normlab, or ~/.local/share/normlab.
std::string userDataDir();

// Where `normlab-cli download` puts CIFAR-10 and where data source "cifar10" looks.
std::string cifar10Dir();

} // namespace normlab
