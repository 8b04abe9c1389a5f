#include "collectives.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdint>

namespace normlab {

std::string broadcastBytes(Collectives &ranks, const std::string &bytes)
{
    at::Tensor length = at::full({1}, static_cast<std::int64_t>(bytes.size()), at::kLong);
    ranks.broadcastFromRoot({length});
    const std::int64_t n = length.item<std::int64_t>();
    at::Tensor data = at::empty({n}, at::kByte);
    if (ranks.rank() == 0)
        std::copy(bytes.begin(), bytes.end(),
                  reinterpret_cast<char *>(data.data_ptr<std::uint8_t>()));
    if (n > 0)
        ranks.broadcastFromRoot({data});
    const auto *p = reinterpret_cast<const char *>(data.data_ptr<std::uint8_t>());
    return std::string(p, p + n);
}

} // namespace normlab
