// One recorded training run, start to end: claims the run in the store, loads its data, builds
// the trainer (continuing from the run's checkpoint when it has one) and records every batch and
// epoch as it trains. The command line's train, resume and sweep and the GUI's worker all use it.
#pragma once

#include "run_store.h"
#include "trainer.h"

#include <cstdint>
#include <memory>

namespace normlab {

class RunWriter;

// A recorded run samples its per-layer statistics every this many training batches, unless the
// caller's callbacks ask for another interval: under 3 % of the step time (docs/inside.md).
constexpr int kLayerStatsEvery = 400;

class RunSession
{
public:
    // Throws StoreError (the run is unknown, finished or being trained elsewhere), ConfigError (its
    // recorded config is invalid) or DataError (its data is missing or has changed since it began).
    // `data`, when given, is used instead of loading (a sweep loads each dataset once); it must be
    // what the run's config names.
    // With `parallel`, this is rank 0 of a data-parallel run (engine/session/rank_session.h): it
    // starts the other ranks' FollowerSessions and records the run for all of them.
    RunSession(RunStore &store, std::int64_t id, std::shared_ptr<const DatasetPair> data = {},
               DataParallel parallel = {});
    ~RunSession();
    RunSession(const RunSession &) = delete;
    RunSession &operator=(const RunSession &) = delete;

    std::int64_t id() const { return m_id; }
    const ExperimentConfig &config() const { return m_trainer->config(); }
    const DatasetPair &data() const { return *m_data; }
    std::shared_ptr<const DatasetPair> sharedData() const { return m_data; }
    double loadSeconds() const { return m_loadSeconds; }
    // Epochs already done when this session began (0 for a fresh start).
    int resumedFrom() const { return m_resumedFrom; }
    Trainer &trainer() { return *m_trainer; }

    // Trains to the end (or until stopped), recording as it goes, and records the final status.
    // LibTorch's errors, here and in the constructor, come out as ComputeError.
    // The result's epochs include those recorded before a resume.
    RunResult run(const TrainerCallbacks &callbacks = {});

private:
    // Records the run as failed if the store still can; never throws over the error at hand.
    void recordFailure(const std::string &message) noexcept;

    RunStore &m_store;
    std::int64_t m_id;
    std::unique_ptr<RunWriter> m_writer;
    std::shared_ptr<const DatasetPair> m_data;
    std::unique_ptr<Trainer> m_trainer;
    double m_loadSeconds = 0;
    int m_resumedFrom = 0;
};

// The store's status for how a training run ended.
RunState toRunState(RunStatus status);

} // namespace normlab
