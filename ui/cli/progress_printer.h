// The command line's view of a training run: a progress bar with ETA on a terminal, one table row
// per epoch like the reference notebooks print, or JSON lines for scripts.
#pragma once

#include "trainer.h"

#include <cstdint>
#include <cstdio>
#include <string>

namespace normlab::cli {

class ProgressPrinter
{
public:
    enum class Mode { Table, Json };
    ProgressPrinter(Mode mode, int epochs, std::FILE *out = stdout, std::FILE *bar = stderr);

    void printHeader(const std::string &text);
    // JSON mode: one {"event": "start"} line naming the run, so scripts can find it in the store.
    void printStart(std::int64_t runId, const std::string &store, int resumedFrom);
    void onBatch(const BatchProgress &progress);
    void onEpoch(const EpochMetrics &metrics);
    void printResult(const RunResult &result);

private:
    void clearBar();

    Mode m_mode;
    int m_epochs;
    std::FILE *m_out;
    std::FILE *m_bar;
    bool m_barVisible = false;
    bool m_barEnabled;
    bool m_tableHeaderPrinted = false;
};

} // namespace normlab::cli
