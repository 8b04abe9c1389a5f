// The store's schema: the migrations that build it, and the checks that a database is NormLab's
// and of a version this build can read, made each time a store is opened.
#include "run_store.h"

#include "errors.h"
#include "run_store_detail.h"
#include "sqlite_db.h"

#include <array>

namespace normlab {

namespace {

// 'NLAB': marks the database as NormLab's, so a foreign SQLite file is refused instead of altered.
constexpr std::int64_t kApplicationId = 0x4E4C4142;

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
        // 3: learning-rate range tests, of a run or of a config alone.
        R"sql(
    CREATE TABLE lr_tests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER REFERENCES runs(id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        config TEXT NOT NULL,
        start_lr REAL NOT NULL,
        end_lr REAL NOT NULL,
        iterations INTEGER NOT NULL,
        points TEXT NOT NULL,
        diverged INTEGER NOT NULL,
        suggested_lr REAL,
        rule TEXT NOT NULL
    );
    CREATE INDEX lr_tests_by_run ON lr_tests(run_id);
    )sql",
        // 4: per-layer statistics (a JSON object of name -> value per sample and block; step -1
        // is the epoch's probe batch) and each block's output histogram per epoch.
        R"sql(
    CREATE TABLE layer_stats (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        step INTEGER NOT NULL,
        layer INTEGER NOT NULL,
        name TEXT NOT NULL,
        stats TEXT NOT NULL,
        PRIMARY KEY (run_id, epoch, step, layer)
    ) WITHOUT ROWID;
    CREATE TABLE layer_histograms (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        layer INTEGER NOT NULL,
        lo REAL NOT NULL,
        hi REAL NOT NULL,
        counts TEXT NOT NULL,
        PRIMARY KEY (run_id, epoch, layer)
    ) WITHOUT ROWID;
    )sql",
        // 5: how a data-parallel run was spread over processes (JSON; empty: one process), and
        // where a run merged from another store came from (that store's folder # its id there).
        R"sql(
    ALTER TABLE runs ADD COLUMN parallel TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN origin TEXT NOT NULL DEFAULT '';
    CREATE INDEX runs_by_origin ON runs(origin);
    )sql",
};

} // namespace

std::int64_t detail::readPragma(SqliteDb &db, const char *name)
{
    SqliteStatement q(db, std::string("PRAGMA ") + name);
    return q.step() ? q.int64(0) : 0;
}

void RunStore::checkAndMigrate()
{
    const std::int64_t appId =
            detail::readPragma(*m_db, "application_id"); // fails on a file that is not SQLite
    const std::int64_t version = detail::readPragma(*m_db, "user_version");
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
    if (m_options.readOnly) {
        if (version < kSchemaVersion)
            throw StoreError(databasePath() + ": schema " + std::to_string(version) +
                             " needs upgrading; open it once without read-only");
        m_db->exec("PRAGMA foreign_keys = ON");
        return;
    }
    // WAL lets readers (the GUI, a second normlab-cli) see a run's epochs while it trains, and
    // FULL makes each committed epoch survive a power loss, at one fsync per commit.
    try {
        m_db->exec("PRAGMA journal_mode = WAL");
        m_db->exec("PRAGMA synchronous = FULL");
        m_db->exec("PRAGMA foreign_keys = ON");
        migrate(m_options.schemaVersion);
    } catch (const StoreError &e) {
        throw StoreError(std::string("the store cannot be set up or upgraded: ") + e.what());
    }
}

int RunStore::schemaVersion() const
{
    return static_cast<int>(detail::readPragma(*m_db, "user_version"));
}

void RunStore::migrate(int target)
{
    for (;;) {
        SqliteTransaction tx(*m_db);
        const int current = static_cast<int>(detail::readPragma(*m_db, "user_version"));
        if (current >= target)
            return; // the transaction rolls back: nothing was written
        if (current == 0)
            m_db->exec("PRAGMA application_id = " + std::to_string(kApplicationId));
        m_db->exec(kMigrations[static_cast<std::size_t>(current)]);
        m_db->exec("PRAGMA user_version = " + std::to_string(current + 1));
        tx.commit();
    }
}

} // namespace normlab
