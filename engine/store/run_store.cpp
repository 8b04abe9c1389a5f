// Opening a store, creating runs and changing them (tags, notes, deletion). The schema and its
// checks are in run_store_schema.cpp, the reads in run_store_queries.cpp.
#include "run_store.h"

#include "config.h"
#include "errors.h"
#include "paths.h"
#include "process_stats.h"
#include "run_store_detail.h"
#include "sqlite_db.h"
#include "version.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace normlab {

namespace {

constexpr const char *kDatabaseName = "normlab.db";

// A data folder given relative to where the run was started means another folder, or none, to
// everything that reads the run later from elsewhere (resume, evaluate, the Mistakes tab).
std::string withAbsoluteDataSource(const std::string &configJson)
{
    nlohmann::json config = nlohmann::json::parse(configJson, nullptr, false);
    const auto source = "/data/source"_json_pointer;
    if (!config.is_object() || !config.contains(source) || !config.at(source).is_string())
        return configJson;
    const std::string given = config.at(source).get<std::string>();
    const std::string absolute = absoluteDataSource(given);
    if (absolute == given)
        return configJson;
    config[source] = absolute;
    return config.dump();
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
    if ((options.readOnly || options.existing) && !fs::exists(databasePath(), ec))
        throw StoreError(ec ? databasePath() + ": " + ec.message()
                            : m_dir + ": no NormLab store here (" + kDatabaseName +
                                         " is missing); check the folder, or train a run into it "
                                         "first");
    if (!options.readOnly) {
        fs::create_directories(m_dir, ec);
        if (ec)
            throw StoreError(m_dir + ": cannot create the store folder: " + ec.message());
    }

    m_db = std::make_unique<SqliteDb>(databasePath(), options.readOnly ? SqliteDb::Mode::ReadOnly
                                                                       : SqliteDb::Mode::ReadWrite);
    checkAndMigrate();
    if (!options.readOnly)
        recoverDeadRuns();
}

RunStore::~RunStore() = default;

std::string RunStore::databasePath() const
{
    return (fs::path(m_dir) / kDatabaseName).string();
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
    return createRuns({run}).front();
}

std::vector<std::int64_t> RunStore::createRuns(const std::vector<NewRun> &runs)
{
    try {
        SqliteTransaction tx(*m_db);
        std::vector<std::int64_t> ids;
        for (const NewRun &run : runs)
            ids.push_back(insertRun(run));
        tx.commit();
        return ids;
    } catch (const StoreError &e) {
        throw StoreError(std::string(runs.size() == 1 ? "the new run" : "the new runs") +
                         " not recorded: " + e.what());
    }
}

std::int64_t RunStore::insertRun(const NewRun &run)
{
    SqliteStatement insert(*m_db, R"sql(
        INSERT INTO runs (name, status, created_at, config, seed, version, git_commit, sweep, artifact_dir)
        VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6, ?7, ?8))sql");
    insert.bind(1, run.name)
            .bind(2, unixTime())
            .bind(3, withAbsoluteDataSource(run.configJson))
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
    return id;
}

void RunStore::addTags(std::int64_t id, const std::vector<std::string> &tags)
{
    SqliteTransaction tx(*m_db);
    requireRun(id);
    SqliteStatement insert(*m_db, "INSERT OR IGNORE INTO tags (run_id, tag) VALUES (?1, ?2)");
    for (const std::string &t : tags) {
        if (t.empty() || t.find(detail::kTagSeparator) != std::string::npos)
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

std::string RunStore::changeStamp() const
{
    // data_version moves only for other connections' commits: this connection's own writes
    // change the stamp through the query below, which then runs every time.
    const std::int64_t version = detail::readPragma(*m_db, "data_version");
    const std::int64_t ownChanges = m_db->totalChanges();
    if (version == m_seenDataVersion && ownChanges == m_seenOwnChanges && !m_stamp.empty())
        return m_stamp;
    SqliteStatement q(*m_db, R"sql(
        SELECT COUNT(*), COALESCE(MAX(id), 0), COALESCE(SUM(LENGTH(status) * id), 0),
               COALESCE(SUM(ended_at), 0), (SELECT COUNT(*) FROM epochs)
        FROM runs)sql");
    m_stamp.clear();
    if (q.step())
        for (int c = 0; c < 5; ++c)
            m_stamp += q.text(c) + "/";
    m_seenDataVersion = version;
    m_seenOwnChanges = ownChanges;
    return m_stamp;
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
