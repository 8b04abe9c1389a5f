// What the trainer does with the other ranks of a data-parallel run besides the step itself
// (docs/distributed.md): rank 0's state to every rank at the start, per-epoch dropout seeds of
// each rank's own, and sums of every rank's numbers. Pulls in <torch/torch.h> through net.h.
#pragma once

#include "checkpoint.h"
#include "collectives.h"
#include "dataset.h"
#include "metrics.h"

#include <cstdint>
#include <vector>

namespace normlab {

// Every rank takes rank 0's whole state (weights, buffers, optimizer, scheduler, weight
// average and `meta`) through a checkpoint's bytes, so that a resumed run needs the checkpoint
// on rank 0's host only. Returns whether this rank's state was replaced (every rank but 0).
bool takeRootState(Collectives &ranks, Net &model, torch::optim::Optimizer &optimizer,
                   LrScheduler &scheduler, WeightAverage *average, CheckpointMeta &meta);

// The seed of a rank's LibTorch generator for an epoch: each rank its own dropout masks, the
// same again when a resumed run redoes the epoch.
std::uint64_t rankEpochSeed(std::uint64_t seed, int epoch, int rank);

// In place: the sums over every rank.
void sumOverRanks(Collectives &ranks, std::vector<double> &values);

// One rank's evaluation of its slice of `test` made the whole set's: the loss sum, the counts,
// the confusion matrix and the misclassified images (in test-set order, as one process lists
// them) summed over the ranks, in one all-reduce.
void sumEvaluation(Collectives &ranks, const Dataset &test, EpochMetrics &m, double &lossSum,
                   std::int64_t &correct, std::int64_t &seen);

} // namespace normlab
