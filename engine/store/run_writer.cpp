#include "run_writer.h"

#include "errors.h"
#include "layer_stats_json.h"
#include "process_stats.h"
#include "sqlite_db.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <sys/file.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace normlab {

namespace {

// Live readers see new batch losses this often; rarer commits would make curves jump.
constexpr auto kBatchFlushInterval = std::chrono::seconds(1);

} // namespace

std::chrono::steady_clock::duration RunWriter::batchFlushInterval()
{
    static const std::chrono::steady_clock::duration interval = [] {
        const char *ms = std::getenv("NORMLAB_BATCH_COMMIT_MS");
        if (!ms || !*ms)
            return std::chrono::steady_clock::duration(kBatchFlushInterval);
        return std::chrono::steady_clock::duration(
                std::chrono::milliseconds(std::strtol(ms, nullptr, 10)));
    }();
    return interval;
}

namespace {

// Runs `write` in one transaction; a failure (a full disk, say) says what of which run was lost,
// since "the disk is full, while saving" alone does not tell a person what is missing.
void recordOrExplain(SqliteDb &db, std::int64_t id, const std::string &what,
                     const std::function<void()> &write)
{
    try {
        SqliteTransaction tx(db);
        write();
        tx.commit();
    } catch (const StoreError &e) {
        throw StoreError("run " + std::to_string(id) + ": " + what + " not recorded: " + e.what());
    }
}

} // namespace

RunWriter::RunWriter(RunStore &store, std::int64_t id) : m_store(store), m_id(id)
{
    const RunRecord record = store.run(id); // throws for an unknown id
    const std::string dir = store.runDir(id);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw StoreError(dir + ": cannot create the run's folder: " + ec.message());
    const std::string lockPath = dir + "/lock";
    m_lockFd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_lockFd < 0)
        throw StoreError(lockPath + ": cannot open the run's lock: " + std::strerror(errno));
    if (::flock(m_lockFd, LOCK_EX | LOCK_NB) != 0) {
        ::close(m_lockFd);
        throw StoreError("run " + std::to_string(id) +
                         " is being trained by another process (pid " + std::to_string(record.pid) +
                         ")");
    }
    try {
        bool finished = false;
        recordOrExplain(store.db(), id, "the start of its training", [&] {
            finished = store.run(id).state == RunState::Finished;
            if (finished)
                return;
            SqliteStatement update(store.db(), R"sql(
                UPDATE runs SET status = 'running', message = '', pid = ?2, ended_at = NULL,
                    started_at = COALESCE(started_at, ?3)
                WHERE id = ?1)sql");
            update.bind(1, id)
                    .bind(2, static_cast<std::int64_t>(::getpid()))
                    .bind(3, unixTime())
                    .exec();
        });
        if (finished)
            throw StoreError("run " + std::to_string(id) +
                             " has finished; there is nothing to resume");
    } catch (...) {
        ::close(m_lockFd);
        throw;
    }
    m_lastFlush = std::chrono::steady_clock::now();
}

RunWriter::~RunWriter()
{
    if (!m_finished) {
        try {
            finish(RunState::Failed, "the run ended without a final status");
        } catch (...) {
            // The lock goes with the descriptor below; the next open marks the run interrupted.
        }
    }
    if (m_lockFd >= 0)
        ::close(m_lockFd);
}

void RunWriter::started(const RunStartInfo &info)
{
    recordOrExplain(m_store.db(), m_id, "its start", [&] {
        SqliteStatement update(m_store.db(), R"sql(
        UPDATE runs SET dataset_kind = ?2, dataset_path = ?3, dataset_fingerprint = ?4, class_names = ?5,
            param_count = ?6, device = ?7, parallel = ?8
        WHERE id = ?1)sql");
        update.bind(1, m_id)
                .bind(2, info.datasetKind)
                .bind(3, info.datasetPath)
                .bind(4, info.datasetFingerprint)
                .bind(5, nlohmann::json(info.classNames).dump())
                .bind(6, info.parameterCount)
                .bind(7, info.device)
                .bind(8, info.parallel)
                .exec();
    });
}

void RunWriter::truncateAfter(int epoch)
{
    m_pending.clear();
    m_pendingStats.clear();
    m_pendingHistograms.clear();
    recordOrExplain(m_store.db(), m_id, "the removal of the epochs after " + std::to_string(epoch),
                    [&] {
                        for (const char *table :
                             {"epochs", "mistakes", "batches", "layer_stats", "layer_histograms"}) {
                            SqliteStatement remove(m_store.db(),
                                                   std::string("DELETE FROM ") + table +
                                                           " WHERE run_id = ?1 AND epoch > ?2");
                            remove.bind(1, m_id).bind(2, epoch).exec();
                        }
                    });
}

void RunWriter::addBatch(const BatchPoint &point)
{
    m_pending.push_back(point);
    if (std::chrono::steady_clock::now() - m_lastFlush >= batchFlushInterval())
        recordOrExplain(m_store.db(), m_id,
                        "the batch losses of epoch " + std::to_string(point.epoch),
                        [&] { flushBatches(); });
}

void RunWriter::addLayerStats(const LayerStatsSample &sample)
{
    m_pendingStats.push_back(sample);
}

void RunWriter::addLayerHistograms(const std::vector<LayerHistogram> &histograms)
{
    m_pendingHistograms.insert(m_pendingHistograms.end(), histograms.begin(), histograms.end());
}

void RunWriter::flushBatches()
{
    if (!m_pendingStats.empty()) {
        SqliteStatement insert(m_store.db(), R"sql(
            INSERT OR REPLACE INTO layer_stats (run_id, epoch, step, layer, name, stats)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6))sql");
        for (const LayerStatsSample &sample : m_pendingStats)
            for (const LayerStatsRow &row : sample.layers)
                insert.bind(1, m_id)
                        .bind(2, sample.epoch)
                        .bind(3, sample.step)
                        .bind(4, row.layer)
                        .bind(5, row.name)
                        .bind(6, layerStatsRowJson(row))
                        .exec();
        m_pendingStats.clear();
    }
    if (!m_pendingHistograms.empty()) {
        SqliteStatement insert(m_store.db(), R"sql(
            INSERT OR REPLACE INTO layer_histograms (run_id, epoch, layer, lo, hi, counts)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6))sql");
        for (const LayerHistogram &h : m_pendingHistograms)
            insert.bind(1, m_id)
                    .bind(2, h.epoch)
                    .bind(3, h.layer)
                    .bind(4, h.lo)
                    .bind(5, h.hi)
                    .bind(6, nlohmann::json(h.counts).dump())
                    .exec();
        m_pendingHistograms.clear();
    }
    if (m_pending.empty())
        return;
    SqliteStatement insert(m_store.db(), R"sql(
        INSERT OR REPLACE INTO batches (run_id, step, epoch, wall_time, loss) VALUES (?1, ?2, ?3, ?4, ?5))sql");
    for (const BatchPoint &p : m_pending)
        insert.bind(1, m_id)
                .bind(2, p.step)
                .bind(3, p.epoch)
                .bind(4, p.wallTime)
                .bind(5, p.loss)
                .exec();
    m_pending.clear();
    m_lastFlush = std::chrono::steady_clock::now();
}

void RunWriter::addEpoch(const EpochMetrics &m)
{
    recordOrExplain(m_store.db(), m_id, "epoch " + std::to_string(m.epoch), [&] {
        flushBatches();
        SqliteStatement insert(m_store.db(), R"sql(
        INSERT OR REPLACE INTO epochs (run_id, epoch, train_loss, train_acc, test_loss, test_acc, lr, seconds,
            train_ips, eval_ips, cpu_seconds, rss_bytes, wall_time, best, confusion)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15))sql");
        insert.bind(1, m_id)
                .bind(2, m.epoch)
                .bind(3, m.trainLoss)
                .bind(4, m.trainAccuracy)
                .bind(5, m.testLoss)
                .bind(6, m.testAccuracy)
                .bind(7, m.lr)
                .bind(8, m.seconds)
                .bind(9, m.trainImagesPerSecond)
                .bind(10, m.evalImagesPerSecond)
                .bind(11, m.processCpuSeconds)
                .bind(12, m.residentBytes)
                .bind(13, m.wallTime > 0 ? m.wallTime : unixTime())
                .bind(14, m.best ? 1 : 0)
                .bind(15, nlohmann::json(m.confusion).dump())
                .exec();
        SqliteStatement clear(m_store.db(),
                              "DELETE FROM mistakes WHERE run_id = ?1 AND epoch = ?2");
        clear.bind(1, m_id).bind(2, m.epoch).exec();
        SqliteStatement mistake(m_store.db(), R"sql(
        INSERT INTO mistakes (run_id, epoch, image_index, true_label, predicted, confidence)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6))sql");
        for (const Misclassified &x : m.misclassified)
            mistake.bind(1, m_id)
                    .bind(2, m.epoch)
                    .bind(3, x.index)
                    .bind(4, x.trueLabel)
                    .bind(5, x.predicted)
                    .bind(6, static_cast<double>(x.confidence))
                    .exec();
    });
}

void RunWriter::finish(RunState state, const std::string &message)
{
    m_finished = true; // even if the write below fails, do not try again from the destructor
    recordOrExplain(m_store.db(), m_id, "its end (" + toString(state) + ")", [&] {
        if (!m_pending.empty())
            flushBatches();
        SqliteStatement update(
                m_store.db(),
                "UPDATE runs SET status = ?2, message = ?3, ended_at = ?4 WHERE id = ?1");
        update.bind(1, m_id).bind(2, toString(state)).bind(3, message).bind(4, unixTime()).exec();
    });
    ::close(m_lockFd);
    m_lockFd = -1;
}

} // namespace normlab
