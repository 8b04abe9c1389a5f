// Runs that differ only by seed, and their per-epoch statistics: what the charts' "Group seeds"
// bands show and what `normlab-cli runs compare` summarises. Runs with the same config *and* the
// same seed are repeats of one experiment, not seeds: a group keeps one of them per seed (the one
// that got furthest, the newest of those) and names the rest.
#pragma once

#include "run_store.h"
#include "statistics.h"

#include <cstdint>
#include <string>
#include <vector>

namespace normlab {

struct SeriesStats
{
    std::vector<double> mean, std;
};

struct SeedGroup
{
    std::string key; // the shared config without seed and name
    std::vector<RunRecord> members; // one run per seed, in id order
    std::vector<RunRecord> repeats; // left out: another member has their seed
    std::vector<double> epochs; // each epoch any member reached
    // Per epoch, over the members that reached it.
    SeriesStats testLoss, testAccuracy, trainLoss, trainAccuracy;
    int seedCount() const { return static_cast<int>(members.size()); }
    // The first member's name without its seed ("s8-bn norm=batch seed=1" -> "s8-bn norm=batch").
    std::string name() const;
};

struct SeedGrouping
{
    std::vector<SeedGroup> groups; // two or more seeds each
    // Same config and seed only: nothing to average, so shown run by run.
    std::vector<std::vector<RunRecord>> repeatsOnly;
};

// What runs of one experiment share: the recorded config without its seed and name, as compact
// JSON; empty when the config is not a JSON object.
std::string experimentKey(const std::string &configJson);

// Groups `runs` whose configs are equal once seed and name are left out. Runs deleted meanwhile
// are left out; a store whose epochs cannot be read throws StoreError.
SeedGrouping groupBySeed(const RunStore &store, const std::vector<std::int64_t> &runs);

// A run's name without its seed: "s8 GroupNorm, seed 2" -> "s8 GroupNorm".
std::string nameWithoutSeed(const std::string &runName);

} // namespace normlab
