#include "progress_printer.h"

#include "durations.h"
#include "metrics_json.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <unistd.h>

namespace normlab::cli {

ProgressPrinter::ProgressPrinter(Mode mode, int epochs, std::FILE *out, std::FILE *bar)
    : m_mode(mode),
      m_epochs(epochs),
      m_out(out),
      m_bar(bar),
      m_barEnabled(bar && ::isatty(::fileno(bar)))
{
}

void ProgressPrinter::printHeader(const std::string &text)
{
    if (m_mode == Mode::Table) {
        std::fputs(text.c_str(), m_out);
        std::fflush(m_out);
    }
}

void ProgressPrinter::printStart(std::int64_t runId, const std::string &store, int resumedFrom)
{
    if (m_mode != Mode::Json)
        return;
    const nlohmann::json j = {{"event", "start"},
                              {"run", runId},
                              {"store", store},
                              {"resumed_from_epoch", resumedFrom}};
    std::fprintf(m_out, "%s\n", j.dump().c_str());
    std::fflush(m_out);
}

void ProgressPrinter::clearBar()
{
    if (m_barVisible) {
        std::fputs("\r\033[K", m_bar);
        m_barVisible = false;
    }
}

void ProgressPrinter::onBatch(const BatchProgress &p)
{
    if (m_mode == Mode::Json) {
        std::fprintf(m_out, "%s\n", toJson(p).dump().c_str());
        std::fflush(m_out);
        return;
    }
    if (!m_barEnabled)
        return;
    constexpr int kWidth = 24;
    const int filled = p.batches ? p.batch * kWidth / p.batches : 0;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    const double eta = p.batch ? p.epochSeconds * (p.batches - p.batch) / p.batch : 0.0;
    std::fprintf(m_bar, "\r\033[Kepoch %d/%d [%s] %d/%d  loss %.4f  acc %.2f%%  %.0f img/s  ETA %s",
                 p.epoch, m_epochs, bar.c_str(), p.batch, p.batches, p.runningLoss,
                 p.runningAccuracy, p.imagesPerSecond, formatDuration(eta).c_str());
    std::fflush(m_bar);
    m_barVisible = true;
}

void ProgressPrinter::onEpoch(const EpochMetrics &m)
{
    if (m_mode == Mode::Json) {
        std::fprintf(m_out, "%s\n", toJson(m, false).dump().c_str());
        std::fflush(m_out);
        return;
    }
    clearBar();
    if (!m_tableHeaderPrinted) {
        std::fprintf(m_out, "%5s %10s %9s %10s %9s %9s %8s %7s %7s\n", "epoch", "train_loss",
                     "train_acc", "test_loss", "test_acc", "lr", "time", "img/s", "eval/s");
        m_tableHeaderPrinted = true;
    }
    std::fprintf(m_out, "%5d %10.4f %8.2f%% %10.4f %8.2f%% %9.6f %8s %7.0f %7.0f%s\n", m.epoch,
                 m.trainLoss, m.trainAccuracy, m.testLoss, m.testAccuracy, m.lr,
                 formatDuration(m.seconds).c_str(), m.trainImagesPerSecond, m.evalImagesPerSecond,
                 m.best ? "  *" : "");
    std::fflush(m_out);
}

void ProgressPrinter::printResult(const RunResult &result)
{
    clearBar();
    double bestAcc = 0;
    int bestAccEpoch = 0;
    for (const EpochMetrics &m : result.epochs) {
        if (m.testAccuracy > bestAcc) {
            bestAcc = m.testAccuracy;
            bestAccEpoch = m.epoch;
        }
    }
    if (m_mode == Mode::Json) {
        nlohmann::json j = {{"event", "end"},
                            {"status", toString(result.status)},
                            {"message", result.message},
                            {"epochs", result.epochs.size()},
                            {"best_test_accuracy", bestAcc},
                            {"best_test_accuracy_epoch", bestAccEpoch},
                            {"lowest_test_loss_epoch", result.bestEpoch}};
        if (!result.epochs.empty())
            j["last_test_accuracy"] = result.epochs.back().testAccuracy;
        std::fprintf(m_out, "%s\n", j.dump().c_str());
        std::fflush(m_out);
        return;
    }
    if (!result.message.empty())
        std::fprintf(m_out, "%s: %s\n", toString(result.status).c_str(), result.message.c_str());
    if (!result.epochs.empty()) {
        std::fprintf(m_out,
                     "%s after %zu epoch%s: last test accuracy %.2f%%, best %.2f%% (epoch %d), "
                     "lowest test loss at epoch %d\n",
                     toString(result.status).c_str(), result.epochs.size(),
                     result.epochs.size() == 1 ? "" : "s", result.epochs.back().testAccuracy,
                     bestAcc, bestAccEpoch, result.bestEpoch);
    }
    std::fflush(m_out);
}

} // namespace normlab::cli
