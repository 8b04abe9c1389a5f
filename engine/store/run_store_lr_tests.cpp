// Learning-rate range tests in the store: their curve is one JSON list of [lr, loss, smoothed]
// triples, read back leniently (a damaged entry reads as no points, never as a crash).

#include "run_store.h"

#include "process_stats.h"
#include "sqlite_db.h"

#include <nlohmann/json.hpp>

namespace normlab {

namespace {

std::string pointsJson(const std::vector<LrRangePoint> &points)
{
    nlohmann::json list = nlohmann::json::array();
    for (const LrRangePoint &p : points)
        list.push_back({p.lr, p.loss, p.smoothedLoss});
    return list.dump();
}

std::vector<LrRangePoint> parsePoints(const std::string &text)
{
    std::vector<LrRangePoint> points;
    const nlohmann::json list = nlohmann::json::parse(text, nullptr, false);
    if (!list.is_array())
        return points;
    for (const nlohmann::json &p : list) {
        if (!p.is_array() || p.size() != 3 || !p[0].is_number() || !p[1].is_number() ||
            !p[2].is_number())
            return {};
        points.push_back({p[0].get<double>(), p[1].get<double>(), p[2].get<double>()});
    }
    return points;
}

} // namespace

std::int64_t RunStore::addLrTest(const LrTestRecord &test)
{
    if (test.runId != 0)
        requireRun(test.runId);
    SqliteStatement insert(*m_db, R"sql(
        INSERT INTO lr_tests (run_id, created_at, config, start_lr, end_lr, iterations, points,
                              diverged, suggested_lr, rule)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10))sql");
    if (test.runId != 0)
        insert.bind(1, test.runId);
    else
        insert.bindNull(1);
    insert.bind(2, test.createdAt > 0 ? test.createdAt : unixTime())
            .bind(3, test.configJson)
            .bind(4, test.startLr)
            .bind(5, test.endLr)
            .bind(6, test.iterations)
            .bind(7, pointsJson(test.points))
            .bind(8, test.diverged ? 1 : 0);
    if (test.suggestedLr > 0)
        insert.bind(9, test.suggestedLr);
    else
        insert.bindNull(9);
    insert.bind(10, test.rule).exec();
    return m_db->lastInsertId();
}

std::vector<LrTestRecord> RunStore::lrTests(std::int64_t runId) const
{
    SqliteStatement q(*m_db, runId != 0 ? R"sql(
        SELECT id, run_id, created_at, config, start_lr, end_lr, iterations, points, diverged,
               suggested_lr, rule FROM lr_tests WHERE run_id = ?1 ORDER BY id)sql"
                                        : R"sql(
        SELECT id, run_id, created_at, config, start_lr, end_lr, iterations, points, diverged,
               suggested_lr, rule FROM lr_tests WHERE run_id IS NULL ORDER BY id)sql");
    if (runId != 0)
        q.bind(1, runId);
    std::vector<LrTestRecord> tests;
    while (q.step()) {
        LrTestRecord t;
        t.id = q.int64(0);
        t.runId = q.isNull(1) ? 0 : q.int64(1);
        t.createdAt = q.real(2);
        t.configJson = q.text(3);
        t.startLr = q.real(4);
        t.endLr = q.real(5);
        t.iterations = q.integer(6);
        t.points = parsePoints(q.text(7));
        t.diverged = q.integer(8) != 0;
        t.suggestedLr = q.isNull(9) ? 0 : q.real(9);
        t.rule = q.text(10);
        tests.push_back(std::move(t));
    }
    return tests;
}

} // namespace normlab
