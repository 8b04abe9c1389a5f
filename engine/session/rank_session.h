// The ranks of a data-parallel run other than rank 0 (docs/distributed.md), and what every rank
// says to the others as the run starts. Rank 0 is an ordinary RunSession given the DataParallel:
// it records the run; the others record nothing. They take the config from rank 0, load the same
// data from their own disk (the same path on every host), check that it is the same data, and
// then train in step with rank 0 until it stops.
#pragma once

#include "trainer.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace normlab {

// What rank 0 tells the others as a run starts: what to train, or why it cannot.
struct RankStart
{
    std::string configJson;
    std::string dataFingerprint;
    bool syncBatchNorm = false;
    std::string error; // set: rank 0 could not start the run, and this is why
    bool finished = false; // the run had already finished: nothing to train
};

// What a follower learns when rank 0's run had already finished (a requeued cluster task).
class NothingToTrain : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// Rank 0 sends, the others receive (a collective: every rank calls one of them once).
void sendRankStart(Collectives &ranks, const RankStart &start);
RankStart receiveRankStart(Collectives &ranks);

// Every rank's host name, in rank order (a collective).
std::vector<std::string> exchangeHostnames(Collectives &ranks);

// Whether every rank got its trainer built (a collective): each says whether it did.
bool allRanksReady(Collectives &ranks, bool ready);
// allRanksReady(false) that never throws: the error at hand is what the person should see.
void reportNotReady(Collectives &ranks) noexcept;

// RunRecord::parallel for these ranks.
std::string describeRanks(const Collectives &ranks, const std::vector<std::string> &hosts,
                          int localBatch, bool syncBatchNorm);

class FollowerSession
{
public:
    // Waits for rank 0's start, loads the data and builds the trainer. Throws NothingToTrain when
    // the run had finished already, InputError when rank 0 could not start, DataError when this
    // rank's data differs from rank 0's, DistributedError (engine/distributed) when a rank is lost.
    explicit FollowerSession(DataParallel parallel);
    ~FollowerSession();
    FollowerSession(const FollowerSession &) = delete;
    FollowerSession &operator=(const FollowerSession &) = delete;

    const ExperimentConfig &config() const { return m_trainer->config(); }
    const DatasetPair &data() const { return *m_data; }
    Trainer &trainer() { return *m_trainer; }

    // Trains in step with the other ranks until rank 0's run ends (or stops). LibTorch's errors
    // come out as ComputeError.
    RunResult run(const TrainerCallbacks &callbacks = {});

private:
    std::unique_ptr<const DatasetPair> m_data;
    std::unique_ptr<Trainer> m_trainer;
};

} // namespace normlab
