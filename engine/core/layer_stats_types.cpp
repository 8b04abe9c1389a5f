#include "layer_stats_types.h"

namespace normlab {

namespace {

struct Entry
{
    std::string_view name;
    std::string_view description;
};

constexpr std::array<Entry, kLayerStatCount> kEntries {{
        {"input_mean", "mean of the block's input"},
        {"input_std", "standard deviation of the block's input"},
        {"prenorm_mean", "mean after the convolution and ReLU, before the norm"},
        {"prenorm_std", "standard deviation after the convolution and ReLU, before the norm"},
        {"output_mean", "mean of the block's output"},
        {"output_std", "standard deviation of the block's output"},
        {"dead_relu", "fraction of ReLU outputs that are zero"},
        {"grad_norm", "norm of the convolution weight's gradient"},
        {"weight_norm", "norm of the convolution's weight"},
        {"update_ratio", "norm of the last update over the norm of the weight"},
        {"gamma_mean", "mean of the norm's scale"},
        {"gamma_std", "standard deviation of the norm's scale"},
        {"beta_mean", "mean of the norm's shift"},
        {"beta_std", "standard deviation of the norm's shift"},
        {"bn_mean_gap", "BatchNorm: |batch mean - running mean| / running std, mean over channels"},
        {"bn_var_ratio", "BatchNorm: batch variance / running variance, mean over channels"},
}};

} // namespace

std::string_view layerStatName(LayerStat stat)
{
    return kEntries[static_cast<std::size_t>(stat)].name;
}

std::string_view layerStatDescription(LayerStat stat)
{
    return kEntries[static_cast<std::size_t>(stat)].description;
}

std::optional<LayerStat> layerStatFromName(std::string_view name)
{
    for (int i = 0; i < kLayerStatCount; ++i)
        if (kEntries[static_cast<std::size_t>(i)].name == name)
            return static_cast<LayerStat>(i);
    return std::nullopt;
}

} // namespace normlab
