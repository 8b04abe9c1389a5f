// What each conv block does to the signal, and how training moves its weights: the statistics a
// person comparing BatchNorm, GroupNorm, LayerNorm and no normalization looks at layer by layer.
// The trainer samples them every few batches and on a fixed probe batch at each epoch's end
// (docs/inside.md). Pulls in <torch/torch.h> through net.h.
#pragma once

#include "layer_stats_types.h"
#include "net.h"

#include <memory>
#include <vector>

namespace normlab {

// Watches one net for one step: attach, run the forward (and the step), read the rows. Only
// reads: the model, its gradients and the random state are as they would be without it.
class LayerStatsProbe
{
public:
    // `histogramBins` > 0 keeps each block's output to make a histogram of; `maxImages` > 0 reads
    // only the batch's first so many images (an evaluation batch of 500 cost 0.6 s in full).
    explicit LayerStatsProbe(Net &net, int histogramBins = 0, int maxImages = 0);
    ~LayerStatsProbe(); // detaches from the net
    LayerStatsProbe(const LayerStatsProbe &) = delete;
    LayerStatsProbe &operator=(const LayerStatsProbe &) = delete;

    // Around the optimizer step, for the update-to-weight ratio: the weights before it, then the
    // gradients and the weights after it.
    void beforeStep();
    void afterStep();

    // One row per conv block seen in the forward pass; NaN where a statistic does not apply.
    std::vector<LayerStatsRow> rows() const;
    std::vector<LayerHistogram> histograms() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace normlab
