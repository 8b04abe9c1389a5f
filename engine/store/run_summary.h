// What a runs table shows of a run's recorded config, read leniently: a list must still show a
// run whose config a later NormLab would reject.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <utility>
#include <vector>

namespace normlab {

struct RunConfigSummary
{
    std::string preset; // "custom" when none
    std::string arch;
    std::string norm; // e.g. "group(4)", "layer", "layer(no affine)"
    std::string augment; // e.g. "ColorJitter+Rotate", "none"
    std::string data;
    int epochs = 0;
    // What the run changed in its preset's experiment, as "model.norm: batch -> group", in key
    // order; empty for a custom run or an unchanged preset. Where the data come from, the seed and
    // the machine settings (threads, device) are not changes of the experiment.
    std::vector<std::string> presetChanges;

    // The preset, marked when the run changed it: a run started from s8-bn with GroupNorm is not
    // an s8-bn run (the runs table said it was).
    std::string presetLabel() const;
};

RunConfigSummary summarizeConfig(const std::string &configJson);

// Every leaf of the config as ("model.norm", "batch"), ("augment[0].type", "ColorJitter"), ...,
// in key order, for diffs between runs.
std::vector<std::pair<std::string, std::string>> flattenConfig(const std::string &configJson);
// The same leaves with their JSON types kept (numbers stay numbers).
std::vector<std::pair<std::string, nlohmann::json>> configLeaves(const std::string &configJson);

// A data-parallel run's ranks (RunRecord::parallel) in words: "2 data-parallel ranks (gloo;
// node1, node2), batch 32 per rank, 64 global, synchronised BatchNorm"; empty for a single
// process or a record this NormLab cannot read.
std::string describeRanks(const std::string &parallelJson);
// Where a merged run came from (RunRecord::origin, "<store folder>#<id>"): "run 3 of
// /shared/sweep/tasks/0"; empty for a run trained in its own store.
std::string describeOrigin(const std::string &origin);

// One true class's row of a confusion matrix.
struct ClassResult
{
    int correct = 0;
    int images = 0;
    double accuracyPercent() const { return images ? 100.0 * correct / images : 0.0; }
};

// Per true class, from a row-major (true x predicted) confusion matrix; empty unless it is square.
std::vector<ClassResult> classResults(const std::vector<int> &confusion);

} // namespace normlab
