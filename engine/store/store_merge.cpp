#include "store_merge.h"

#include "errors.h"
#include "sqlite_db.h"

#include <filesystem>
#include <optional>
#include <vector>

namespace fs = std::filesystem;

namespace normlab {

namespace {

// The tables that hang off a run by its run_id (lr_tests has an id of its own, left out).
constexpr const char *kRunTables[] = {"tags",        "epochs",           "mistakes", "batches",
                                      "layer_stats", "layer_histograms", "lr_tests"};

std::vector<std::string> columns(SqliteDb &db, const std::string &table)
{
    std::vector<std::string> names;
    SqliteStatement q(db, "PRAGMA main.table_info(" + table + ")");
    while (q.step())
        names.push_back(q.text(1));
    return names;
}

// What makes a merged run out of date: its status, message, end and epochs.
std::string versionOf(SqliteDb &db, const char *schema, std::int64_t id)
{
    SqliteStatement q(db, std::string("SELECT status || '|' || message || '|' || "
                                      "COALESCE(ended_at, '') || '|' || (SELECT COUNT(*) FROM ") +
                                  schema +
                                  ".epochs WHERE run_id = ?1) || '|' || (SELECT "
                                  "COUNT(*) FROM " +
                                  schema +
                                  ".batches WHERE run_id = ?1) "
                                  "FROM " +
                                  schema + ".runs WHERE id = ?1");
    q.bind(1, id);
    return q.step() ? q.text(0) : std::string();
}

// Copies a run's row and every row that hangs off it from src into main, as run `newId`.
void copyRun(SqliteDb &db, std::int64_t sourceId, std::int64_t newId, const std::string &origin,
             bool wasTraining)
{
    std::string runColumns, selected;
    for (const std::string &c : columns(db, "runs")) {
        runColumns += (runColumns.empty() ? "" : ", ") + c;
        std::string value = c;
        if (c == "id")
            value = "?1";
        else if (c == "origin")
            value = "?2";
        else if (c == "artifact_dir")
            value = "''"; // the checkpoints are copied into this store's own folder
        else if (c == "status" && wasTraining)
            value = "'interrupted'";
        selected += (selected.empty() ? "" : ", ") + value;
    }
    SqliteStatement run(db, "INSERT INTO main.runs (" + runColumns + ") SELECT " + selected +
                                    " FROM src.runs WHERE id = ?3");
    run.bind(1, newId).bind(2, origin).bind(3, sourceId).exec();
    for (const char *table : kRunTables) {
        std::string names, values;
        for (const std::string &c : columns(db, table)) {
            if (std::string(table) == "lr_tests" && c == "id")
                continue;
            names += (names.empty() ? "" : ", ") + c;
            values += (values.empty() ? "" : ", ") + (c == "run_id" ? std::string("?1") : c);
        }
        SqliteStatement rows(db, "INSERT INTO main." + std::string(table) + " (" + names +
                                         ") SELECT " + values + " FROM src." + table +
                                         " WHERE run_id = ?2");
        rows.bind(1, newId).bind(2, sourceId).exec();
    }
}

void copyCheckpoints(const fs::path &from, const fs::path &to)
{
    fs::create_directories(to);
    for (const char *name : {"last.pt", "best.pt"}) {
        const fs::path source = from / name;
        std::error_code error;
        if (!fs::exists(source, error))
            continue;
        const fs::path tmp = to / (std::string(name) + ".tmp");
        fs::copy_file(source, tmp, fs::copy_options::overwrite_existing, error);
        if (!error)
            fs::rename(tmp, to / name, error);
        if (error) {
            std::error_code ignored;
            fs::remove(tmp, ignored);
            throw StoreError((to / name).string() + ": cannot copy the checkpoint from " +
                             source.string() + ": " + error.message());
        }
    }
}

struct Detach
{
    SqliteDb &db;
    ~Detach()
    {
        try {
            db.exec("DETACH DATABASE src");
        } catch (...) {
        }
    }
};

} // namespace

MergeSummary mergeStore(RunStore &into, const std::string &sourceDir)
{
    std::error_code error;
    const fs::path canonical = fs::weakly_canonical(sourceDir, error);
    if (!fs::is_directory(sourceDir))
        throw StoreError("store merge: " + sourceDir + " is not a folder");
    if (canonical == fs::weakly_canonical(into.dir(), error))
        throw StoreError("store merge: " + sourceDir + " is the store being merged into");
    // Opening it checks that it is a NormLab store this build reads (not corrupt, not foreign,
    // not of another schema version) and changes nothing in it.
    const RunStore source(sourceDir, RunStore::Options {true, RunStore::kSchemaVersion});
    if (source.schemaVersion() != RunStore::kSchemaVersion)
        throw StoreError("store merge: " + sourceDir + " is a store of schema version " +
                         std::to_string(source.schemaVersion()) + "; this NormLab writes " +
                         std::to_string(RunStore::kSchemaVersion) +
                         ": open it once with this NormLab (normlab-cli runs list --store " +
                         sourceDir + ") to bring it up to date");

    SqliteDb &db = into.db();
    {
        SqliteStatement attach(db, "ATTACH DATABASE ?1 AS src");
        attach.bind(1, source.databasePath()).exec();
    }
    const Detach detach {db};
    MergeSummary summary;
    for (const RunRecord &r : source.runs()) {
        if (r.state == RunState::Queued) {
            ++summary.queued;
            continue;
        }
        const bool training = r.state == RunState::Running;
        if (training && isRunLocked(source.runDir(r.id))) {
            ++summary.training;
            continue;
        }
        const std::string origin = canonical.string() + "#" + std::to_string(r.id);
        std::optional<std::int64_t> existing;
        {
            SqliteStatement q(db, "SELECT id FROM main.runs WHERE origin = ?1");
            q.bind(1, origin);
            if (q.step())
                existing = q.int64(0);
        }
        const std::string version = versionOf(db, "src", r.id);
        if (existing && !training && versionOf(db, "main", *existing) == version) {
            ++summary.unchanged;
            continue;
        }
        if (existing && isRunLocked(into.runDir(*existing)))
            throw StoreError("store merge: run " + std::to_string(*existing) + " (merged from " +
                             origin + ") is training here; stop it before merging again");
        std::int64_t id = 0;
        {
            SqliteTransaction tx(db);
            if (existing) {
                SqliteStatement remove(db, "DELETE FROM main.runs WHERE id = ?1");
                remove.bind(1, *existing).exec();
                id = *existing;
            } else {
                SqliteStatement next(db, "SELECT COALESCE(MAX(seq), 0) + 1 FROM "
                                         "main.sqlite_sequence WHERE name = 'runs'");
                id = next.step() ? next.int64(0) : 1;
            }
            copyRun(db, r.id, id, origin, training);
            tx.commit();
        }
        copyCheckpoints(r.artifactDir.empty() ? fs::path(source.runDir(r.id))
                                              : fs::path(r.artifactDir),
                        into.runDir(id));
        ++(existing ? summary.updated : summary.imported);
    }
    return summary;
}

} // namespace normlab
