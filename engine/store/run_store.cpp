#include "run_store.h"

#include "errors.h"
#include "paths.h"
#include "process_stats.h"
#include "sqlite_db.h"
#include "version.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace normlab {

namespace {

// 'NLAB': marks the database as NormLab's, so a foreign SQLite file is refused instead of altered.
constexpr std::int64_t kApplicationId = 0x4E4C4142;
constexpr const char *kDatabaseName = "normlab.db";
constexpr char kTagSeparator = '\x1f';

// Each entry takes the schema from version i to i + 1. Never edit one that has shipped: add
// another.
constexpr std::array<const char *, RunStore::kSchemaVersion> kMigrations = {
        // 1: runs, tags, per-epoch metrics, misclassified test images.
        R"sql(
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        message TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        started_at REAL,
        ended_at REAL,
        config TEXT NOT NULL,
        seed INTEGER NOT NULL,
        version TEXT NOT NULL,
        git_commit TEXT NOT NULL,
        dataset_kind TEXT NOT NULL DEFAULT '',
        dataset_path TEXT NOT NULL DEFAULT '',
        dataset_fingerprint TEXT NOT NULL DEFAULT '',
        class_names TEXT NOT NULL DEFAULT '[]',
        param_count INTEGER NOT NULL DEFAULT 0,
        device TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        sweep TEXT NOT NULL DEFAULT '',
        artifact_dir TEXT NOT NULL DEFAULT '',
        pid INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE tags (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
    ) WITHOUT ROWID;
    CREATE TABLE epochs (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        train_loss REAL NOT NULL,
        train_acc REAL NOT NULL,
        test_loss REAL NOT NULL,
        test_acc REAL NOT NULL,
        lr REAL NOT NULL,
        seconds REAL NOT NULL,
        train_ips REAL NOT NULL,
        eval_ips REAL NOT NULL,
        cpu_seconds REAL NOT NULL,
        rss_bytes INTEGER NOT NULL,
        wall_time REAL NOT NULL,
        best INTEGER NOT NULL,
        confusion TEXT NOT NULL,
        PRIMARY KEY (run_id, epoch)
    ) WITHOUT ROWID;
    CREATE TABLE mistakes (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        image_index INTEGER NOT NULL,
        true_label INTEGER NOT NULL,
        predicted INTEGER NOT NULL,
        confidence REAL NOT NULL,
        PRIMARY KEY (run_id, epoch, image_index)
    ) WITHOUT ROWID;
    )sql",
        // 2: per-batch training loss, for curves drawn by step; faster listing by status and sweep.
        R"sql(
    CREATE TABLE batches (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        wall_time REAL NOT NULL,
        loss REAL NOT NULL,
        PRIMARY KEY (run_id, step)
    ) WITHOUT ROWID;
    CREATE INDEX runs_by_status ON runs(status);
    CREATE INDEX runs_by_sweep ON runs(sweep);
    )sql",
};

constexpr const char *kRunColumns = R"sql(
    r.id, r.name, r.status, r.message, r.created_at, r.started_at, r.ended_at, r.config, r.seed,
    r.version, r.git_commit, r.dataset_kind, r.dataset_path, r.dataset_fingerprint, r.class_names,
    r.param_count, r.device, r.note, r.sweep, r.artifact_dir, r.pid,
    (SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM tags WHERE run_id = r.id ORDER BY tag)),
    (SELECT COUNT(*) FROM epochs WHERE run_id = r.id),
    (SELECT epoch FROM epochs WHERE run_id = r.id ORDER BY test_acc DESC, epoch LIMIT 1),
    (SELECT MAX(test_acc) FROM epochs WHERE run_id = r.id),
    (SELECT test_acc FROM epochs WHERE run_id = r.id ORDER BY epoch DESC LIMIT 1),
    (SELECT TOTAL(seconds) FROM epochs WHERE run_id = r.id)
    FROM runs r)sql";

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
        const std::size_t end = joined.find(kTagSeparator, start);
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
    return r;
}

std::int64_t readPragma(SqliteDb &db, const char *name)
{
    SqliteStatement q(db, std::string("PRAGMA ") + name);
    return q.step() ? q.int64(0) : 0;
}

} // namespace

std::string toString(RunState state)
{
    switch (state) {
    case RunState::Queued:
        return "queued";
    case RunState::Running:
        return "running";
    case RunState::Finished:
        return "finished";
    case RunState::Failed:
        return "failed";
    case RunState::Stopped:
        return "stopped";
    case RunState::Interrupted:
        return "interrupted";
    }
    return "failed";
}

std::optional<RunState> runStateFromString(const std::string &text)
{
    for (RunState s : {RunState::Queued, RunState::Running, RunState::Finished, RunState::Failed,
                       RunState::Stopped, RunState::Interrupted})
        if (toString(s) == text)
            return s;
    return std::nullopt;
}

bool isRunLocked(const std::string &runDir)
{
    const std::string path = runDir + "/lock";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    // flock locks belong to an open file description, so this conflicts with a lock held through
    // another descriptor even in this same process.
    const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return locked;
}

std::string RunStore::defaultDir()
{
    if (const char *env = std::getenv("NORMLAB_STORE"); env && *env)
        return env;
    return userDataDir() + "/store";
}

RunStore::RunStore(std::string dir, Options options) : m_dir(std::move(dir)), m_options(options)
{
    if (m_dir.empty())
        throw StoreError("the store folder is empty: give a folder with --store or NORMLAB_STORE");
    std::error_code ec;
    if (fs::exists(m_dir, ec) && !fs::is_directory(m_dir, ec))
        throw StoreError(m_dir + ": not a folder (the store is a folder holding " + kDatabaseName +
                         ")");
    if (!options.readOnly) {
        fs::create_directories(m_dir, ec);
        if (ec)
            throw StoreError(m_dir + ": cannot create the store folder: " + ec.message());
    } else if (!fs::exists(databasePath())) {
        throw StoreError(m_dir + ": no NormLab store here (" + kDatabaseName + " is missing)");
    }

    m_db = std::make_unique<SqliteDb>(databasePath(), options.readOnly ? SqliteDb::Mode::ReadOnly
                                                                       : SqliteDb::Mode::ReadWrite);
    const std::int64_t appId =
            readPragma(*m_db, "application_id"); // fails on a file that is not SQLite
    const std::int64_t version = readPragma(*m_db, "user_version");
    if (appId != kApplicationId) {
        SqliteStatement tables(*m_db, "SELECT COUNT(*) FROM sqlite_master");
        tables.step();
        if (appId != 0 || tables.int64(0) > 0)
            throw StoreError(databasePath() +
                             ": not a NormLab store (an SQLite database of another program)");
    }
    if (version > kSchemaVersion)
        throw StoreError(databasePath() + ": written by a newer NormLab (schema " +
                         std::to_string(version) + ", this build reads up to " +
                         std::to_string(kSchemaVersion) + ")");
    if (options.readOnly) {
        if (version < kSchemaVersion)
            throw StoreError(databasePath() + ": schema " + std::to_string(version) +
                             " needs upgrading; open it once without read-only");
        m_db->exec("PRAGMA foreign_keys = ON");
        return;
    }
    // WAL lets readers (the GUI, a second normlab-cli) see a run's epochs while it trains, and
    // FULL makes each committed epoch survive a power loss, at one fsync per commit.
    m_db->exec("PRAGMA journal_mode = WAL");
    m_db->exec("PRAGMA synchronous = FULL");
    m_db->exec("PRAGMA foreign_keys = ON");
    migrate(options.schemaVersion);
    recoverDeadRuns();
}

RunStore::~RunStore() = default;

std::string RunStore::databasePath() const
{
    return (fs::path(m_dir) / kDatabaseName).string();
}

int RunStore::schemaVersion() const
{
    return static_cast<int>(readPragma(*m_db, "user_version"));
}

void RunStore::migrate(int target)
{
    for (;;) {
        SqliteTransaction tx(*m_db);
        const int current = static_cast<int>(readPragma(*m_db, "user_version"));
        if (current >= target)
            return; // the transaction rolls back: nothing was written
        if (current == 0)
            m_db->exec("PRAGMA application_id = " + std::to_string(kApplicationId));
        m_db->exec(kMigrations[static_cast<std::size_t>(current)]);
        m_db->exec("PRAGMA user_version = " + std::to_string(current + 1));
        tx.commit();
    }
}

void RunStore::recoverDeadRuns()
{
    std::vector<std::int64_t> running;
    {
        SqliteStatement q(*m_db, "SELECT id FROM runs WHERE status = 'running'");
        while (q.step())
            running.push_back(q.int64(0));
    }
    for (const std::int64_t id : running) {
        if (isRunLocked(runDir(id)))
            continue;
        SqliteTransaction tx(*m_db);
        SqliteStatement update(*m_db, R"sql(
            UPDATE runs SET status = 'interrupted',
                message = 'the process (pid ' || pid || ') ended without finishing the run',
                ended_at = COALESCE((SELECT MAX(wall_time) FROM epochs WHERE run_id = ?1), started_at, created_at)
            WHERE id = ?1 AND status = 'running')sql");
        update.bind(1, id).exec();
        tx.commit();
        m_recovered.push_back(id);
    }
}

void RunStore::requireRun(std::int64_t id) const
{
    SqliteStatement q(*m_db, "SELECT 1 FROM runs WHERE id = ?1");
    q.bind(1, id);
    if (!q.step())
        throw StoreError("no run " + std::to_string(id) + " in the store " + m_dir);
}

std::int64_t RunStore::createRun(const NewRun &run)
{
    SqliteTransaction tx(*m_db);
    SqliteStatement insert(*m_db, R"sql(
        INSERT INTO runs (name, status, created_at, config, seed, version, git_commit, sweep, artifact_dir)
        VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6, ?7, ?8))sql");
    insert.bind(1, run.name)
            .bind(2, unixTime())
            .bind(3, run.configJson)
            .bind(4, static_cast<std::int64_t>(run.seed))
            .bind(5, version())
            .bind(6, gitCommit())
            .bind(7, run.sweep)
            .bind(8, run.artifactDir)
            .exec();
    const std::int64_t id = m_db->lastInsertId();
    SqliteStatement tag(*m_db, "INSERT OR IGNORE INTO tags (run_id, tag) VALUES (?1, ?2)");
    for (const std::string &t : run.tags)
        tag.bind(1, id).bind(2, t).exec();
    tx.commit();
    return id;
}

RunRecord RunStore::run(std::int64_t id) const
{
    SqliteStatement q(*m_db, std::string("SELECT ") + kRunColumns + " WHERE r.id = ?1");
    q.bind(1, id);
    if (!q.step())
        throw StoreError("no run " + std::to_string(id) + " in the store " + m_dir);
    return readRun(q);
}

std::vector<RunRecord> RunStore::runs(const RunFilter &filter) const
{
    std::string sql = std::string("SELECT ") + kRunColumns + " WHERE 1";
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

void RunStore::addTags(std::int64_t id, const std::vector<std::string> &tags)
{
    SqliteTransaction tx(*m_db);
    requireRun(id);
    SqliteStatement insert(*m_db, "INSERT OR IGNORE INTO tags (run_id, tag) VALUES (?1, ?2)");
    for (const std::string &t : tags) {
        if (t.empty() || t.find(kTagSeparator) != std::string::npos)
            throw StoreError("tag \"" + t + "\": a tag must be non-empty text");
        insert.bind(1, id).bind(2, t).exec();
    }
    tx.commit();
}

void RunStore::removeTags(std::int64_t id, const std::vector<std::string> &tags)
{
    SqliteTransaction tx(*m_db);
    requireRun(id);
    SqliteStatement remove(*m_db, "DELETE FROM tags WHERE run_id = ?1 AND tag = ?2");
    for (const std::string &t : tags)
        remove.bind(1, id).bind(2, t).exec();
    tx.commit();
}

void RunStore::setNote(std::int64_t id, const std::string &note)
{
    SqliteTransaction tx(*m_db);
    requireRun(id);
    SqliteStatement update(*m_db, "UPDATE runs SET note = ?2 WHERE id = ?1");
    update.bind(1, id).bind(2, note).exec();
    tx.commit();
}

void RunStore::deleteRun(std::int64_t id)
{
    const RunRecord r = run(id);
    if (isRunLocked(runDir(id)))
        throw StoreError("run " + std::to_string(id) + " is training (process " +
                         std::to_string(r.pid) + "); stop it before deleting it");
    {
        SqliteTransaction tx(*m_db);
        SqliteStatement remove(*m_db, "DELETE FROM runs WHERE id = ?1");
        remove.bind(1, id).exec();
        tx.commit();
    }
    // The records are gone first: a crash now leaves only an orphaned folder, never a run
    // whose checkpoints are missing.
    std::error_code ec;
    fs::remove_all(runDir(id), ec);
    if (!r.artifactDir.empty())
        for (const char *name : {"last.pt", "best.pt"})
            fs::remove(fs::path(r.artifactDir) / name, ec);
}

std::string RunStore::runDir(std::int64_t id) const
{
    return (fs::path(m_dir) / "runs" / std::to_string(id)).string();
}

std::string RunStore::checkpointDir(std::int64_t id) const
{
    const RunRecord r = run(id);
    return r.artifactDir.empty() ? runDir(id) : r.artifactDir;
}

} // namespace normlab
