// A thin RAII layer over the SQLite C API: one connection, prepared statements, transactions.
// Every failure becomes a StoreError that names the database file and says what SQLite said, so
// callers never check return codes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace normlab {

class SqliteDb;

class SqliteStatement
{
public:
    SqliteStatement(SqliteDb &db, std::string_view sql);
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;

    // Parameters are 1-based, as in SQL's ?1, ?2, ...
    SqliteStatement &bind(int index, std::int64_t value);
    SqliteStatement &bind(int index, int value)
    {
        return bind(index, static_cast<std::int64_t>(value));
    }
    SqliteStatement &bind(int index, double value);
    SqliteStatement &bind(int index, std::string_view text);
    SqliteStatement &bind(int index, const char *text)
    {
        return bind(index, std::string_view(text));
    }
    SqliteStatement &bind(int index, const std::string &text)
    {
        return bind(index, std::string_view(text));
    }
    SqliteStatement &bindBlob(int index, const void *data, std::size_t size);
    SqliteStatement &bindNull(int index);

    // True while there is a row to read.
    bool step();
    // Runs a statement that returns no rows.
    void exec();
    void reset();

    bool isNull(int column) const;
    std::int64_t int64(int column) const;
    int integer(int column) const { return static_cast<int>(int64(column)); }
    double real(int column) const;
    std::string text(int column) const;
    std::vector<std::uint8_t> blob(int column) const;

private:
    SqliteDb &m_db;
    sqlite3_stmt *m_stmt = nullptr;
};

class SqliteDb
{
public:
    enum class Mode { ReadWrite, ReadOnly };
    SqliteDb(const std::string &path, Mode mode);
    ~SqliteDb();
    SqliteDb(const SqliteDb &) = delete;
    SqliteDb &operator=(const SqliteDb &) = delete;

    // A failure says "while <what>", or names the statement when `what` is empty.
    void exec(std::string_view sql, std::string_view what = {});
    std::int64_t lastInsertId() const;
    int changes() const;
    // Rows changed by this connection since it opened.
    std::int64_t totalChanges() const;
    const std::string &path() const { return m_path; }
    sqlite3 *handle() const { return m_db; }

    // Throws StoreError describing `code` (an SQLite result code) while doing `what`.
    [[noreturn]] void fail(int code, std::string_view what) const;

private:
    sqlite3 *m_db = nullptr;
    std::string m_path;
};

// BEGIN IMMEDIATE on construction, ROLLBACK unless commit() was called. IMMEDIATE takes the write
// lock at once, so two writers queue on the busy timeout instead of deadlocking on an upgrade.
class SqliteTransaction
{
public:
    explicit SqliteTransaction(SqliteDb &db);
    ~SqliteTransaction();
    SqliteTransaction(const SqliteTransaction &) = delete;
    SqliteTransaction &operator=(const SqliteTransaction &) = delete;
    void commit();

private:
    SqliteDb &m_db;
    bool m_done = false;
};

} // namespace normlab
