// The store's reads: runs (with what their epochs add up to), epochs, mistakes, batch losses.
#include "run_store.h"

#include "errors.h"
#include "run_store_detail.h"
#include "sqlite_db.h"

#include <nlohmann/json.hpp>

namespace normlab {

namespace {

constexpr const char *kRunColumns = R"sql(
    r.id, r.name, r.status, r.message, r.created_at, r.started_at, r.ended_at, r.config, r.seed,
    r.version, r.git_commit, r.dataset_kind, r.dataset_path, r.dataset_fingerprint, r.class_names,
    r.param_count, r.device, r.note, r.sweep, r.artifact_dir, r.pid,
    (SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM tags WHERE run_id = r.id ORDER BY tag)),
    (SELECT COUNT(*) FROM epochs WHERE run_id = r.id),
    (SELECT epoch FROM epochs WHERE run_id = r.id ORDER BY test_acc DESC, epoch LIMIT 1),
    (SELECT MAX(test_acc) FROM epochs WHERE run_id = r.id),
    (SELECT test_acc FROM epochs WHERE run_id = r.id ORDER BY epoch DESC LIMIT 1),
    (SELECT TOTAL(seconds) FROM epochs WHERE run_id = r.id),
    (SELECT MAX(epoch) FROM epochs WHERE run_id = r.id AND best != 0),)sql";

// The columns schema 5 added, where the store has them: the migration tests write into stores of
// every older version.
std::string runColumns(int schemaVersion)
{
    return std::string(kRunColumns) +
           (schemaVersion >= 5 ? " r.parallel, r.origin FROM runs r" : " '', '' FROM runs r");
}

// The confusion matrix as stored: a JSON list of counts (anything else reads as 0).
std::vector<int> parseConfusion(const std::string &text)
{
    std::vector<int> matrix;
    const auto values = nlohmann::json::parse(text, nullptr, false);
    if (values.is_array())
        for (const auto &v : values)
            matrix.push_back(v.is_number_integer() ? v.get<int>() : 0);
    return matrix;
}

std::vector<std::string> splitTags(const std::string &joined)
{
    std::vector<std::string> tags;
    std::size_t start = 0;
    while (start < joined.size()) {
        const std::size_t end = joined.find(detail::kTagSeparator, start);
        tags.push_back(
                joined.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return tags;
}

RunRecord readRun(const SqliteStatement &q)
{
    RunRecord r;
    r.id = q.int64(0);
    r.name = q.text(1);
    r.state = runStateFromString(q.text(2)).value_or(RunState::Failed);
    r.message = q.text(3);
    r.createdAt = q.real(4);
    r.startedAt = q.isNull(5) ? 0 : q.real(5);
    r.endedAt = q.isNull(6) ? 0 : q.real(6);
    r.configJson = q.text(7);
    r.seed = static_cast<std::uint64_t>(q.int64(8));
    r.version = q.text(9);
    r.gitCommit = q.text(10);
    r.datasetKind = q.text(11);
    r.datasetPath = q.text(12);
    r.datasetFingerprint = q.text(13);
    const auto names = nlohmann::json::parse(q.text(14), nullptr, false);
    if (names.is_array())
        for (const auto &n : names)
            if (n.is_string())
                r.classNames.push_back(n.get<std::string>());
    r.parameterCount = q.int64(15);
    r.device = q.text(16);
    r.note = q.text(17);
    r.sweep = q.text(18);
    r.artifactDir = q.text(19);
    r.pid = q.int64(20);
    r.tags = splitTags(q.text(21));
    r.epochsDone = q.integer(22);
    r.bestEpoch = q.isNull(23) ? 0 : q.integer(23);
    r.bestTestAccuracy = q.isNull(24) ? 0 : q.real(24);
    r.lastTestAccuracy = q.isNull(25) ? 0 : q.real(25);
    r.trainingSeconds = q.real(26);
    r.bestCheckpointEpoch = q.isNull(27) ? 0 : q.integer(27);
    r.parallel = q.text(28);
    r.origin = q.text(29);
    return r;
}

} // namespace

RunRecord RunStore::run(std::int64_t id) const
{
    SqliteStatement q(*m_db, "SELECT " + runColumns(schemaVersion()) + " WHERE r.id = ?1");
    q.bind(1, id);
    if (!q.step())
        throw StoreError("no run " + std::to_string(id) + " in the store " + m_dir);
    return readRun(q);
}

std::vector<RunRecord> RunStore::runs(const RunFilter &filter) const
{
    std::string sql = "SELECT " + runColumns(schemaVersion()) + " WHERE 1";
    if (filter.state)
        sql += " AND r.status = ?1";
    if (!filter.tag.empty())
        sql += " AND EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.tag = ?2)";
    if (!filter.text.empty())
        sql += " AND (instr(lower(r.name), lower(?3)) OR instr(lower(r.note), lower(?3))"
               " OR instr(lower(r.config), lower(?3))"
               " OR EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id AND instr(lower(t.tag), "
               "lower(?3))))";
    if (!filter.sweep.empty())
        sql += " AND r.sweep = ?4";
    sql += " ORDER BY r.id";
    SqliteStatement q(*m_db, sql);
    if (filter.state)
        q.bind(1, toString(*filter.state));
    if (!filter.tag.empty())
        q.bind(2, filter.tag);
    if (!filter.text.empty())
        q.bind(3, filter.text);
    if (!filter.sweep.empty())
        q.bind(4, filter.sweep);
    std::vector<RunRecord> result;
    while (q.step())
        result.push_back(readRun(q));
    return result;
}

std::vector<EpochMetrics> RunStore::epochs(std::int64_t id, int afterEpoch, bool details) const
{
    SqliteStatement q(*m_db, R"sql(
        SELECT epoch, train_loss, train_acc, test_loss, test_acc, lr, seconds, train_ips, eval_ips,
               cpu_seconds, rss_bytes, wall_time, best, confusion
        FROM epochs WHERE run_id = ?1 AND epoch > ?2 ORDER BY epoch)sql");
    q.bind(1, id).bind(2, afterEpoch);
    std::vector<EpochMetrics> result;
    while (q.step()) {
        EpochMetrics m;
        m.epoch = q.integer(0);
        m.trainLoss = q.real(1);
        m.trainAccuracy = q.real(2);
        m.testLoss = q.real(3);
        m.testAccuracy = q.real(4);
        m.lr = q.real(5);
        m.seconds = q.real(6);
        m.trainImagesPerSecond = q.real(7);
        m.evalImagesPerSecond = q.real(8);
        m.processCpuSeconds = q.real(9);
        m.residentBytes = q.int64(10);
        m.wallTime = q.real(11);
        m.best = q.integer(12) != 0;
        if (details)
            m.confusion = parseConfusion(q.text(13));
        result.push_back(std::move(m));
    }
    if (details)
        for (EpochMetrics &m : result)
            m.misclassified = misclassified(id, m.epoch);
    return result;
}

std::vector<Misclassified> RunStore::misclassified(std::int64_t id, int epoch) const
{
    SqliteStatement q(*m_db, R"sql(
        SELECT image_index, true_label, predicted, confidence FROM mistakes
        WHERE run_id = ?1 AND epoch = ?2 ORDER BY image_index)sql");
    q.bind(1, id).bind(2, epoch);
    std::vector<Misclassified> result;
    while (q.step())
        result.push_back({q.integer(0), q.integer(1), q.integer(2), static_cast<float>(q.real(3))});
    return result;
}

std::vector<int> RunStore::confusion(std::int64_t id, int epoch) const
{
    SqliteStatement q(*m_db, "SELECT confusion FROM epochs WHERE run_id = ?1 AND epoch = ?2");
    q.bind(1, id).bind(2, epoch);
    return q.step() ? parseConfusion(q.text(0)) : std::vector<int> {};
}

std::vector<BatchPoint> RunStore::batches(std::int64_t id, std::int64_t afterStep) const
{
    SqliteStatement q(*m_db, R"sql(
        SELECT step, epoch, wall_time, loss FROM batches WHERE run_id = ?1 AND step > ?2 ORDER BY step)sql");
    q.bind(1, id).bind(2, afterStep);
    std::vector<BatchPoint> result;
    while (q.step())
        result.push_back({q.int64(0), q.integer(1), q.real(2), q.real(3)});
    return result;
}

std::vector<std::int64_t> RunStore::queued(const std::string &sweep) const
{
    SqliteStatement q(
            *m_db,
            "SELECT id FROM runs WHERE status = 'queued' AND (?1 = '' OR sweep = ?1) ORDER BY id");
    q.bind(1, sweep);
    std::vector<std::int64_t> ids;
    while (q.step())
        ids.push_back(q.int64(0));
    return ids;
}

} // namespace normlab
