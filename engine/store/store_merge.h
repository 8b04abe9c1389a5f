// Runs of other stores merged into one (`normlab-cli store merge`): each task of a sweep on a
// cluster records into a store of its own on the shared folder (SQLite must not be shared over
// NFS), and the person's store takes their runs in, as often as they like while the sweep goes
// on, so that the GUI shows its progress.
#pragma once

#include "run_store.h"

#include <string>

namespace normlab {

struct MergeSummary
{
    int imported = 0; // new here
    int updated = 0; // merged before, changed since (more epochs, another status): replaced
    int unchanged = 0;
    int training = 0; // being trained now: merged when they stop
    int queued = 0; // not started: nothing to merge yet
};

// Every started run of the store in `sourceDir` that is not training now (finished, failed,
// stopped, interrupted: resumable from here), with its epochs, mistakes, batch losses, layer
// statistics, learning-rate tests, tags and checkpoints. A run merged before keeps its id here
// and is replaced only when it changed. Throws StoreError naming the source (missing, corrupt,
// of another schema version, the store itself).
MergeSummary mergeStore(RunStore &into, const std::string &sourceDir);

} // namespace normlab
