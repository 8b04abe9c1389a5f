#include "lr_find_command.h"

#include "cli_app.h"
#include "dataset.h"
#include "errors.h"
#include "interrupt_watcher.h"
#include "lr_range_test.h"
#include "lr_test_record.h"
#include "recorded_config.h"
#include "run_store.h"
#include "text_table.h"
#include "trainer.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>

namespace normlab::cli {

namespace {

constexpr int kTableRows = 25; // of the N points, evenly spaced, plus the suggested one

} // namespace

void LrFindCommand::addTo(CLI::App &app)
{
    m_command = app.add_subcommand(
            "lr-find", "Learning-rate range test (Leslie Smith, as torch-lr-finder runs it): "
                       "the loss as the learning rate grows, and a suggested maximum for OneCycle");
    m_config.addTo(*m_command);
    m_store.addTo(*m_command);
    m_command->add_option("--start", m_start, "First learning rate")->capture_default_str();
    m_command->add_option("--end", m_end, "Last learning rate")->capture_default_str();
    m_command->add_option("--iters", m_iterations, "Batches (the rate grows exponentially)")
            ->capture_default_str();
    m_command->add_option("--run", m_run,
                          "Test a recorded run's config and record the test with that run");
    m_command->add_flag("--json", m_json, "One JSON object instead of the table");
}

bool LrFindCommand::parsed() const
{
    return m_command && m_command->parsed();
}

int LrFindCommand::run() const
{
    LrRangeTestOptions options;
    options.startLr = m_start;
    options.endLr = m_end;
    options.iterations = m_iterations;
    validate(options);
    RunStore store(m_store.resolved(), m_run ? m_store.forReading() : RunStore::Options {});
    const ExperimentConfig config = m_run ? recordedConfig(store.run(m_run)) : m_config.build();
    Trainer::applyThreadCount(config.threads);
    const DatasetPair data = loadDatasets(config.data);
    if (!m_json)
        std::printf("lr range test: %s on %s %s (%zu training images), batch %d, %d batches from "
                    "%g to %g\n",
                    config.name.empty() ? "custom" : config.name.c_str(), data.kind.c_str(),
                    data.path.c_str(), data.train.size(), config.batchSize, m_iterations, m_start,
                    m_end);
    std::atomic<bool> stop {false};
    InterruptWatcher watcher([&] { stop = true; });
    const LrRangeResult result =
            lrRangeTest(config, data.train, options, {{}, [&] { return stop.load(); }});

    const std::int64_t id = recordLrTest(store, m_run, config, options, result);

    if (m_json) {
        nlohmann::json points = nlohmann::json::array();
        for (const LrRangePoint &p : result.points)
            points.push_back({{"lr", p.lr}, {"loss", p.loss}, {"smoothed_loss", p.smoothedLoss}});
        nlohmann::json out = {{"id", id},
                              {"run", m_run},
                              {"points", points},
                              {"diverged", result.diverged},
                              {"stopped", result.stopped},
                              {"rule", kLrSuggestionRule}};
        out["suggested_lr"] = result.suggestedLr ? nlohmann::json(*result.suggestedLr) : nullptr;
        std::printf("%s\n", out.dump().c_str());
        return result.stopped ? InterruptWatcher::exitCode() : Success;
    }
    TextTable table({"batch", "lr", "loss", "smoothed", ""}, "rrrrl");
    const int n = static_cast<int>(result.points.size());
    const int every = std::max(1, n / kTableRows);
    for (int i = 0; i < n; ++i) {
        if (i % every != 0 && i != n - 1 && i != result.suggestedIndex)
            continue;
        const LrRangePoint &p = result.points[i];
        table.addRow({std::to_string(i + 1), format("%.3g", p.lr), format("%.4f", p.loss),
                      format("%.4f", p.smoothedLoss),
                      i == result.suggestedIndex ? "<- suggested" : ""});
    }
    table.print();
    if (result.stopped)
        std::printf("stopped after %d batches (Ctrl-C)\n", n);
    else if (result.diverged)
        std::printf("stopped after %d batches: the smoothed loss passed %g times its best\n", n,
                    options.divergeFactor);
    if (result.suggestedLr) {
        std::printf("suggested maximum learning rate: %.3g\n  rule: %s\n", *result.suggestedLr,
                    kLrSuggestionRule);
        std::printf("  train with it: normlab-cli train %s --schedule onecycle --max-lr %.3g\n",
                    config.preset.empty() ? "--config FILE" : config.preset.c_str(),
                    *result.suggestedLr);
    } else {
        std::printf("no suggestion: too few batches before the loss diverged (try a lower --end "
                    "or more --iters)\n");
    }
    std::printf("recorded as lr test %lld%s in %s\n", static_cast<long long>(id),
                m_run ? (" of run " + std::to_string(m_run)).c_str() : "", store.dir().c_str());
    return result.stopped ? InterruptWatcher::exitCode() : Success;
}

} // namespace normlab::cli
