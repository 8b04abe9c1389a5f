// The run store: every training run, from the GUI or the command line, recorded in one SQLite
// database (WAL, so readers watch a run while it trains) with checkpoints as files beside it.
//
//   <dir>/normlab.db          runs, tags, epochs, misclassified images, batch losses
//   <dir>/runs/<id>/lock      held (flock) by the process training the run; the kernel drops it
//                             when that process dies, which is how a crash is told from a run
//   <dir>/runs/<id>/*.pt      checkpoints, unless the run was given its own folder
//
// One RunStore is one connection: use it from one thread at a time, one per thread.
#pragma once

#include "layer_stats_types.h"
#include "metrics.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace normlab {

class SqliteDb;

enum class RunState { Queued, Running, Finished, Failed, Stopped, Interrupted };
std::string toString(RunState state);
std::optional<RunState> runStateFromString(const std::string &text);

struct RunRecord
{
    std::int64_t id = 0;
    std::string name;
    RunState state = RunState::Queued;
    std::string message; // why it failed or stopped
    double createdAt = 0, startedAt = 0, endedAt = 0; // Unix seconds; 0 = not yet
    std::string configJson;
    std::uint64_t seed = 0;
    std::string version, gitCommit; // of the NormLab that created the run
    std::string datasetKind, datasetPath, datasetFingerprint;
    std::vector<std::string> classNames;
    std::int64_t parameterCount = 0;
    std::string device;
    std::vector<std::string> tags;
    std::string note;
    std::string sweep; // runs queued together by one sweep share this
    std::string artifactDir; // checkpoints; empty = the store's own runs/<id>
    std::int64_t pid = 0; // of the process that last trained it
    // A data-parallel run's ranks: JSON (world_size, hosts, backend, local_batch, global_batch,
    // sync_bn); empty for a single process.
    std::string parallel;
    // A run merged from another store (mergeStore): "<that store's folder>#<its id there>".
    std::string origin;

    // From the recorded epochs.
    int epochsDone = 0;
    int bestEpoch = 0; // highest test accuracy
    // Lowest test loss, the trainer's "best": the epoch best.pt holds (0: none recorded yet).
    int bestCheckpointEpoch = 0;
    double bestTestAccuracy = 0;
    double lastTestAccuracy = 0;
    double trainingSeconds = 0; // sum of the epochs' seconds
};

struct NewRun
{
    std::string name;
    std::string configJson;
    std::uint64_t seed = 0;
    std::vector<std::string> tags;
    std::string sweep;
    std::string artifactDir;
};

struct BatchPoint
{
    std::int64_t step = 0; // batches since the run began
    int epoch = 0;
    double wallTime = 0;
    double loss = 0; // that batch's loss
};

struct RunFilter
{
    std::optional<RunState> state;
    std::string tag;
    std::string text; // in the name, note, config or tags
    std::string sweep;
};

// A learning-rate range test as recorded: what it ran on, its curve and its suggestion.
struct LrTestRecord
{
    std::int64_t id = 0;
    std::int64_t runId = 0; // the run it belongs to; 0 for one made from a config alone
    double createdAt = 0;
    std::string configJson;
    double startLr = 0, endLr = 0;
    int iterations = 0;
    std::vector<LrRangePoint> points;
    bool diverged = false;
    double suggestedLr = 0; // 0: none
    std::string rule; // how the suggestion was chosen
};

class RunStore
{
public:
    static constexpr int kSchemaVersion = 5;

    struct Options
    {
        bool readOnly = false;
        // Tests create older schemas to check the migrations; everything else uses the latest.
        int schemaVersion = kSchemaVersion;
        // Refuses a folder that holds no store instead of making one there: commands that read
        // runs would otherwise turn a mistyped folder into an empty store and say "no runs".
        bool existing = false;
    };

    // $NORMLAB_STORE, else $XDG_DATA_HOME/normlab/store.
    static std::string defaultDir();

    // Opens or creates the store in `dir`, migrates its schema and marks runs whose process died
    // as interrupted. Throws StoreError for a corrupt, foreign or newer database, a folder that
    // cannot be written, a full disk.
    explicit RunStore(std::string dir, Options options);
    explicit RunStore(std::string dir) : RunStore(std::move(dir), Options {}) { }
    ~RunStore();
    RunStore(const RunStore &) = delete;
    RunStore &operator=(const RunStore &) = delete;

    const std::string &dir() const { return m_dir; }
    std::string databasePath() const;
    int schemaVersion() const;
    // Runs found dead on open (and marked interrupted).
    const std::vector<std::int64_t> &recovered() const { return m_recovered; }

    // A relative `data.source` in the config is recorded absolute, against this process's
    // working folder, so that the run reads the same data from anywhere later.
    std::int64_t createRun(const NewRun &run);
    // All of them or none (one transaction): a sweep is never left half-queued.
    std::vector<std::int64_t> createRuns(const std::vector<NewRun> &runs);

    // Throws StoreError "no run N in DIR".
    RunRecord run(std::int64_t id) const;
    std::vector<RunRecord> runs(const RunFilter &filter = {}) const;
    // Epochs after `afterEpoch`, in order. `details`: with confusion matrices and misclassified
    // images.
    std::vector<EpochMetrics> epochs(std::int64_t id, int afterEpoch = 0,
                                     bool details = false) const;
    std::vector<Misclassified> misclassified(std::int64_t id, int epoch) const;
    // classes x classes, row = true class; empty when the epoch is not recorded.
    std::vector<int> confusion(std::int64_t id, int epoch) const;
    std::vector<BatchPoint> batches(std::int64_t id, std::int64_t afterStep = -1) const;
    // The queued runs of a sweep (all queued runs when `sweep` is empty), oldest first.
    std::vector<std::int64_t> queued(const std::string &sweep = {}) const;

    void addTags(std::int64_t id, const std::vector<std::string> &tags);
    void removeTags(std::int64_t id, const std::vector<std::string> &tags);
    void setNote(std::int64_t id, const std::string &note);
    // Removes the run, its records and its checkpoints. Refuses a run that is training.
    void deleteRun(std::int64_t id);

    // Records a learning-rate range test; returns its id. Its runId, when not 0, must name a run.
    std::int64_t addLrTest(const LrTestRecord &test);
    // The tests of one run (0: those made from a config alone), oldest first.
    std::vector<LrTestRecord> lrTests(std::int64_t runId) const;

    // The per-layer statistics of a run, in the order recorded (`probesOnly`: only the epochs'
    // probe batches, step -1), and its output histograms by epoch and layer.
    std::vector<LayerStatsSample> layerStats(std::int64_t runId, bool probesOnly = false) const;
    std::vector<LayerHistogram> layerHistograms(std::int64_t runId) const;

    // The store's own folder for the run (its lock and, by default, its checkpoints).
    std::string runDir(std::int64_t id) const;
    std::string checkpointDir(std::int64_t id) const;

    // Changes whenever a run is added, removed, changes status or records an epoch, by this
    // connection or another process (a CLI run, a `store merge`); cheap enough to poll: the
    // runs' rows are read only when SQLite's data_version says another connection committed.
    std::string changeStamp() const;

    SqliteDb &db() const { return *m_db; }

private:
    std::int64_t insertRun(const NewRun &run);
    // Refuses a foreign or newer database (or, read-only, an older one) and brings the schema up
    // to the requested version.
    void checkAndMigrate();
    void migrate(int target);
    void recoverDeadRuns();
    void requireRun(std::int64_t id) const;

    std::string m_dir;
    Options m_options;
    std::unique_ptr<SqliteDb> m_db;
    std::vector<std::int64_t> m_recovered;
    mutable std::int64_t m_seenDataVersion = -1;
    mutable std::int64_t m_seenOwnChanges = -1;
    mutable std::string m_stamp;
};

// Whether a process holds the run's lock, i.e. is training it now.
bool isRunLocked(const std::string &runDir);

} // namespace normlab
