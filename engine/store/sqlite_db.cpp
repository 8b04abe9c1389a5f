#include "sqlite_db.h"

#include "errors.h"

#include <sqlite3.h>

namespace normlab {

namespace {

// How long a writer waits for another process's transaction before giving up. Epoch commits take
// milliseconds, so only a stuck or hostile process holds the lock this long.
constexpr int kBusyTimeoutMs = 10'000;

std::string explain(int code)
{
    switch (code & 0xff) {
    case SQLITE_NOTADB:
        return "not a NormLab store: the file is not an SQLite database";
    case SQLITE_CORRUPT:
        return "the database is corrupt";
    case SQLITE_READONLY:
        return "the store is read-only (check the folder's permissions or the disk)";
    case SQLITE_CANTOPEN:
        return "cannot open the database file (missing folder or no permission)";
    case SQLITE_FULL:
        return "the disk is full";
    case SQLITE_IOERR:
        return "an I/O error (disk full, removed or failing?)";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return "the store is busy: another process kept it locked for more than " +
               std::to_string(kBusyTimeoutMs / 1000) + " s";
    case SQLITE_PERM:
        return "permission denied";
    default:
        return sqlite3_errstr(code);
    }
}

} // namespace

SqliteDb::SqliteDb(const std::string &path, Mode mode) : m_path(path)
{
    const int flags = (mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY
                                              : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                      SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = path + ": " + explain(rc);
        sqlite3_close(m_db);
        m_db = nullptr;
        throw StoreError(message);
    }
    sqlite3_extended_result_codes(m_db, 1);
    sqlite3_busy_timeout(m_db, kBusyTimeoutMs);
}

SqliteDb::~SqliteDb()
{
    sqlite3_close_v2(m_db);
}

void SqliteDb::fail(int code, std::string_view what) const
{
    std::string message = m_path + ": " + explain(code);
    const char *detail = m_db ? sqlite3_errmsg(m_db) : nullptr;
    if (detail && explain(code) != detail && std::string_view(detail) != "not an error")
        message += " (" + std::string(detail) + ")";
    if (!what.empty())
        message += ", while " + std::string(what);
    throw StoreError(message);
}

void SqliteDb::exec(std::string_view sql, std::string_view what)
{
    char *error = nullptr;
    const std::string copy(sql);
    const int rc = sqlite3_exec(m_db, copy.c_str(), nullptr, nullptr, &error);
    sqlite3_free(error);
    if (rc != SQLITE_OK)
        fail(rc, what.empty() ? "running " + copy.substr(0, copy.find_first_of("(\n"))
                              : std::string(what));
}

std::int64_t SqliteDb::lastInsertId() const
{
    return sqlite3_last_insert_rowid(m_db);
}

std::int64_t SqliteDb::totalChanges() const
{
    return sqlite3_total_changes(m_db);
}

int SqliteDb::changes() const
{
    return sqlite3_changes(m_db);
}

SqliteStatement::SqliteStatement(SqliteDb &db, std::string_view sql) : m_db(db)
{
    const int rc = sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                      &m_stmt, nullptr);
    if (rc != SQLITE_OK)
        m_db.fail(rc, "preparing a query");
}

SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_stmt);
}

SqliteStatement &SqliteStatement::bind(int index, std::int64_t value)
{
    if (const int rc = sqlite3_bind_int64(m_stmt, index, value); rc != SQLITE_OK)
        m_db.fail(rc, "binding a value");
    return *this;
}

SqliteStatement &SqliteStatement::bind(int index, double value)
{
    if (const int rc = sqlite3_bind_double(m_stmt, index, value); rc != SQLITE_OK)
        m_db.fail(rc, "binding a value");
    return *this;
}

SqliteStatement &SqliteStatement::bind(int index, std::string_view text)
{
    if (const int rc = sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()),
                                         SQLITE_TRANSIENT);
        rc != SQLITE_OK)
        m_db.fail(rc, "binding a value");
    return *this;
}

SqliteStatement &SqliteStatement::bindBlob(int index, const void *data, std::size_t size)
{
    if (const int rc = sqlite3_bind_blob64(m_stmt, index, data, size, SQLITE_TRANSIENT);
        rc != SQLITE_OK)
        m_db.fail(rc, "binding a value");
    return *this;
}

SqliteStatement &SqliteStatement::bindNull(int index)
{
    if (const int rc = sqlite3_bind_null(m_stmt, index); rc != SQLITE_OK)
        m_db.fail(rc, "binding a value");
    return *this;
}

bool SqliteStatement::step()
{
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    sqlite3_reset(m_stmt);
    m_db.fail(rc, "running a query");
}

void SqliteStatement::exec()
{
    while (step()) { }
    reset();
}

void SqliteStatement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool SqliteStatement::isNull(int column) const
{
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

std::int64_t SqliteStatement::int64(int column) const
{
    return sqlite3_column_int64(m_stmt, column);
}

double SqliteStatement::real(int column) const
{
    return sqlite3_column_double(m_stmt, column);
}

std::string SqliteStatement::text(int column) const
{
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)))
             : std::string();
}

std::vector<std::uint8_t> SqliteStatement::blob(int column) const
{
    const auto *p = static_cast<const std::uint8_t *>(sqlite3_column_blob(m_stmt, column));
    const int n = sqlite3_column_bytes(m_stmt, column);
    return p ? std::vector<std::uint8_t>(p, p + n) : std::vector<std::uint8_t>();
}

SqliteTransaction::SqliteTransaction(SqliteDb &db) : m_db(db)
{
    m_db.exec("BEGIN IMMEDIATE", "starting to write");
}

SqliteTransaction::~SqliteTransaction()
{
    if (!m_done) {
        try {
            m_db.exec("ROLLBACK");
        } catch (...) {
            // A failed rollback leaves the journal for SQLite to roll back on the next open.
        }
    }
}

void SqliteTransaction::commit()
{
    m_db.exec("COMMIT", "saving");
    m_done = true;
}

} // namespace normlab
