#include "run_report.h"

#include "config_json.h"
#include "durations.h"
#include "errors.h"
#include "model_spec.h"
#include "norm_comparison.h"
#include "recorded_config.h"
#include "report_chart.h"
#include "report_conclusion.h"
#include "run_summary.h"
#include "test_images.h"
#include "trained_model.h"
#include "version.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

namespace normlab {

namespace {

std::string runLabel(const RunRecord &r)
{
    return "#" + std::to_string(r.id) + " " + r.name;
}

std::string today()
{
    const std::time_t now = std::time(nullptr);
    std::tm local {};
    localtime_r(&now, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &local);
    return text;
}

void addModels(ReportDocument &doc, const std::vector<ReportRun> &runs,
               const std::vector<ReportGroup> &groups)
{
    doc.heading("Models");
    std::set<std::string> shown; // groups that differ only in the recipe share a model
    for (const ReportGroup &g : groups) {
        const ReportRun &run = runs[g.runs.front()];
        ExperimentConfig config;
        try {
            config = recordedConfig(run.record);
        } catch (const std::exception &e) {
            doc.heading(g.label, 3);
            doc.paragraph(std::string("The model cannot be rebuilt from the recorded config: ") +
                          e.what());
            continue;
        }
        const int classes = std::max<int>(1, static_cast<int>(run.record.classNames.size()));
        if (!shown.insert(toJson(config).at("model").dump() + std::to_string(classes)).second)
            continue;
        const ModelSummary summary = summarize(buildModelSpec(config.model, classes));
        doc.heading(g.label + ": " + run.summary.arch + ", " + formatCount(summary.totalParams) +
                            " parameters",
                    3);
        // One row per block (C1: Conv2d -> ReLU -> BatchNorm2d -> Dropout), not per layer: the
        // torchsummary listing is four times as long and says no more.
        ReportTable table;
        table.header = {"Block", "Layers", "Output shape", "Parameters"};
        table.numeric = {false, false, true, true};
        std::string block;
        std::int64_t params = 0;
        for (const SummaryRow &row : summary.rows) {
            const std::string name = row.layer.substr(0, row.layer.find('.'));
            const std::string shape = std::to_string(row.channels) + " x " +
                                      std::to_string(row.height) + " x " +
                                      std::to_string(row.width);
            if (!table.rows.empty() && name == block) {
                table.rows.back()[1] += " \u2192 " + row.type;
                table.rows.back()[2] = shape;
                params += row.params;
                table.rows.back()[3] = formatCount(params);
                continue;
            }
            block = name;
            params = row.params;
            table.rows.push_back({name, row.type, shape, formatCount(params)});
        }
        doc.table(std::move(table));
        doc.paragraph("Total: " + formatCount(summary.totalParams) + " parameters, " +
                      formatFixed(static_cast<double>(summary.totalMacs) / 1e6, 1) +
                      " million multiply-accumulates and " +
                      formatFixed(summary.activationMegabytes, 2) +
                      " MB of activations per image (float32, forward).");
    }
}

void addResults(ReportDocument &doc, const std::vector<ReportRun> &runs,
                const std::vector<ReportGroup> &groups)
{
    doc.heading("Results");
    doc.paragraph("Test accuracy: best over the epochs (and the epoch it came at) and at the last "
                  "epoch trained. Time is the sum of the epochs' training and evaluation.");
    ReportTable table;
    table.header = {"Run",  "Name",  "Normalization", "Seed",     "Parameters",
                    "Best test acc. (%)", "At epoch", "Last test acc. (%)", "Epochs", "Time"};
    table.numeric = {true, false, false, true, true, true, true, true, true, true};
    double best = -1, last = -1;
    for (const ReportRun &r : runs)
        if (r.record.epochsDone > 0) {
            best = std::max(best, r.record.bestTestAccuracy);
            last = std::max(last, r.record.lastTestAccuracy);
        }
    for (const ReportRun &r : runs) {
        const bool any = r.record.epochsDone > 0;
        table.rows.push_back(
                {std::to_string(r.record.id), r.record.name, normTitle(r.summary.norm),
                 std::to_string(r.record.seed), formatCount(r.record.parameterCount),
                 any ? formatFixed(r.record.bestTestAccuracy, 2) : "-",
                 any ? std::to_string(r.record.bestEpoch) : "-",
                 any ? formatFixed(r.record.lastTestAccuracy, 2) : "-",
                 std::to_string(r.record.epochsDone) + "/" + std::to_string(r.plannedEpochs),
                 formatDuration(r.record.trainingSeconds)});
        std::vector<bool> strong(table.header.size(), false);
        strong[5] = any && r.record.bestTestAccuracy == best;
        strong[7] = any && r.record.lastTestAccuracy == last;
        table.strong.push_back(std::move(strong));
    }
    doc.table(std::move(table));

    const bool seeds = std::any_of(groups.begin(), groups.end(),
                                   [](const ReportGroup &g) { return g.runs.size() > 1; });
    if (!seeds)
        return;
    doc.paragraph("Runs of the same experiment with different seeds, as mean ± sample standard "
                  "deviation:");
    ReportTable summary;
    summary.header = {"Experiment", "Runs", "Best test acc. (%)", "Last test acc. (%)"};
    summary.numeric = {false, true, true, true};
    for (const ReportGroup &g : groups)
        summary.rows.push_back({g.label, std::to_string(g.runs.size()),
                                g.bestAccuracy.empty() ? "-" : formatMeanStd(g.bestAccuracy, 2),
                                g.lastAccuracy.empty() ? "-" : formatMeanStd(g.lastAccuracy, 2)});
    doc.table(std::move(summary));
}

void addCurves(ReportDocument &doc, const std::vector<ReportRun> &runs,
               const std::vector<ReportGroup> &groups)
{
    doc.heading("Loss and accuracy");
    ChartPanel loss {"Loss", "epoch", "cross-entropy loss", {}};
    ChartPanel accuracy {"Accuracy", "epoch", "accuracy (%)", {}};
    std::vector<LegendEntry> legend;
    // One colour per experiment: its seeds drawn alike show their spread, not a rainbow.
    const bool seeds = groups.size() < runs.size();
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const ChartColour colour = chartColour(g);
        std::string ids;
        for (const std::size_t i : groups[g].runs) {
            ChartSeries trainLoss {{}, {}, colour, true}, testLoss {{}, {}, colour, false};
            ChartSeries trainAcc {{}, {}, colour, true}, testAcc {{}, {}, colour, false};
            for (const EpochMetrics &m : runs[i].epochs) {
                for (ChartSeries *s : {&trainLoss, &testLoss, &trainAcc, &testAcc})
                    s->x.push_back(m.epoch);
                trainLoss.y.push_back(m.trainLoss);
                testLoss.y.push_back(m.testLoss);
                trainAcc.y.push_back(m.trainAccuracy);
                testAcc.y.push_back(m.testAccuracy);
            }
            loss.series.push_back(std::move(trainLoss));
            loss.series.push_back(std::move(testLoss));
            accuracy.series.push_back(std::move(trainAcc));
            accuracy.series.push_back(std::move(testAcc));
            ids += (ids.empty() ? "#" : ", #") + std::to_string(runs[i].record.id);
            if (!seeds)
                legend.push_back({runLabel(runs[i].record), colour, false});
        }
        if (seeds)
            legend.push_back({groups[g].label + " (" + ids + ")", colour, false});
    }
    const ChartColour grey {0.35, 0.35, 0.38};
    legend.push_back({"test", grey, false});
    legend.push_back({"train", grey, true});
    ReportFigure figure {"curves",
                         "Training (dashed) and test (solid) loss and accuracy per epoch, every "
                         "run overlaid" + std::string(seeds ? ", one colour per experiment." : "."),
                         renderLineCharts({loss, accuracy}, legend), 0};
    figure.displayWidth = figure.png.width / kChartPixelRatio;
    doc.figures({std::move(figure)});
}

void addClassAccuracy(ReportDocument &doc, const RunStore &store,
                      const std::vector<ReportRun> &runs, const std::vector<ReportGroup> &groups)
{
    const std::vector<std::string> &classes = runs.front().record.classNames;
    if (classes.empty())
        return;
    doc.heading("Test accuracy per class");
    doc.paragraph("At each run's last epoch, in percent" +
                  std::string(groups.size() < runs.size() ? ", averaged over seeds" : "") +
                  "; the best of each row in bold.");
    std::vector<std::vector<std::vector<double>>> columns(groups.size());
    for (std::size_t g = 0; g < groups.size(); ++g)
        for (const std::size_t i : groups[g].runs)
            if (runs[i].record.classNames == classes) {
                std::vector<double> values = classAccuracies(store, runs[i].record);
                if (!values.empty())
                    columns[g].push_back(std::move(values));
            }
    const ClassTable cells = classTable(classes.size(), columns);
    ReportTable table;
    table.header.push_back("Class");
    table.numeric.push_back(false);
    for (const ReportGroup &g : groups) {
        table.header.push_back(g.label);
        table.numeric.push_back(true);
    }
    for (std::size_t row = 0; row < cells.cells.size(); ++row) {
        std::vector<std::string> line {row < classes.size() ? classes[row] : "all classes"};
        std::vector<bool> strong {false};
        for (std::size_t c = 0; c < groups.size(); ++c) {
            const ClassTable::Cell &cell = cells.cells[row][c];
            line.push_back(cell.values.empty() ? "-" : formatMeanStd(cell.values, 1));
            strong.push_back(cells.bestColumn[row] == static_cast<int>(c));
        }
        table.rows.push_back(std::move(line));
        table.strong.push_back(std::move(strong));
    }
    doc.table(std::move(table));
}

void addConfusion(ReportDocument &doc, const RunStore &store, const std::vector<ReportRun> &runs)
{
    std::vector<ReportFigure> figures;
    for (const ReportRun &r : runs) {
        if (r.record.epochsDone == 0)
            continue;
        ReportFigure f;
        f.name = "confusion-run" + std::to_string(r.record.id);
        f.png = renderConfusionMatrix(store.confusion(r.record.id, r.record.epochsDone),
                                      r.record.classNames, runLabel(r.record));
        f.caption = runLabel(r.record) + ", epoch " + std::to_string(r.record.epochsDone) + ".";
        f.displayWidth = f.png.width / kChartPixelRatio;
        if (!f.png.bytes.empty())
            figures.push_back(std::move(f));
    }
    if (figures.empty())
        return;
    doc.heading("Confusion matrices");
    doc.paragraph("Test images at each run's last epoch: rows are the true classes, columns the "
                  "predicted ones; blue is right, red wrong, darker is more of the row.");
    doc.figures(std::move(figures));
}

void addMistakes(ReportDocument &doc, const RunStore &store, const std::vector<ReportRun> &runs,
                 const ReportOptions &options, std::vector<std::string> &warnings)
{
    if (options.mistakesPerRun <= 0)
        return;
    doc.heading("Misclassified test images");
    doc.paragraph("The most confident mistakes at each run's last epoch, labelled true>predicted" +
                  std::string(options.gradCam
                                      ? "; the heat map (Grad-CAM, for the predicted class, at "
                                        "the last conv block before the pool) shows where the "
                                        "net looked."
                                      : "."));
    TestImages testImages;
    for (const ReportRun &r : runs) {
        if (r.record.epochsDone == 0)
            continue;
        std::vector<Misclassified> mistakes = store.misclassified(r.record.id, r.record.epochsDone);
        const std::size_t total = mistakes.size();
        std::stable_sort(mistakes.begin(), mistakes.end(),
                         [](const Misclassified &a, const Misclassified &b) {
                             return a.confidence > b.confidence;
                         });
        if (mistakes.size() > static_cast<std::size_t>(options.mistakesPerRun))
            mistakes.resize(static_cast<std::size_t>(options.mistakesPerRun));
        if (mistakes.empty())
            continue;
        std::vector<std::string> missing;
        const Dataset *test = testImages.forRun(r.record, missing);
        if (!test) {
            warnings.insert(warnings.end(), missing.begin(), missing.end());
            doc.paragraph(runLabel(r.record) + ": " + missing.front());
            continue;
        }
        std::vector<std::vector<float>> heat;
        std::string cam;
        if (options.gradCam) {
            try {
                TrainedModel model(store, r.record.id, TrainedModel::Checkpoint::Last);
                if (model.epoch() != r.record.epochsDone)
                    throw InputError("its last checkpoint is of epoch " +
                                     std::to_string(model.epoch()));
                std::vector<std::vector<std::uint8_t>> images;
                for (const Misclassified &m : mistakes) {
                    if (m.index < 0 || static_cast<std::size_t>(m.index) >= test->size())
                        throw DataError("test image " + std::to_string(m.index) +
                                        " is outside the test set");
                    const std::uint8_t *p = test->image(static_cast<std::size_t>(m.index));
                    images.emplace_back(p, p + Dataset::kImageBytes);
                }
                for (TrainedModel::Cam &c : model.gradCam(images, model.defaultCamLayer()))
                    heat.push_back(std::move(c.heat));
                cam = ", Grad-CAM at " + model.defaultCamLayer();
            } catch (const std::exception &e) {
                warnings.push_back(runLabel(r.record) + ": Grad-CAM left out: " + e.what());
                heat.clear();
            }
        }
        ReportFigure f;
        f.name = "mistakes-run" + std::to_string(r.record.id);
        try {
            f.png = misclassifiedGridPng(*test, mistakes, r.record.classNames,
                                         options.mistakesPerRun, heat, options.gradCamOpacity);
        } catch (const std::exception &e) {
            warnings.push_back(runLabel(r.record) + ": mistakes left out: " + e.what());
            continue;
        }
        f.caption = runLabel(r.record) + ": the " + std::to_string(mistakes.size()) +
                    " most confident of " + formatCount(static_cast<std::int64_t>(total)) +
                    " mistakes at epoch " + std::to_string(r.record.epochsDone) + cam + ".";
        doc.figures({std::move(f)});
    }
}

void addConfigs(ReportDocument &doc, const std::vector<ReportRun> &runs)
{
    doc.heading("Configurations");
    doc.paragraph("Each run's recorded config: `normlab-cli train --config FILE` with it repeats "
                  "the run.");
    for (const ReportRun &r : runs) {
        doc.heading(runLabel(r.record) + " (seed " + std::to_string(r.record.seed) + ")", 3);
        const nlohmann::json config = nlohmann::json::parse(r.record.configJson, nullptr, false);
        doc.code(config.is_discarded() ? r.record.configJson : config.dump(2));
    }
}

} // namespace

ReportResult buildRunReport(const RunStore &store, const ReportOptions &options)
{
    if (options.runs.empty())
        throw InputError("a report needs at least one run");
    std::vector<ReportRun> runs;
    for (const std::int64_t id : options.runs) {
        ReportRun r;
        r.record = store.run(id);
        r.epochs = store.epochs(id);
        r.summary = summarizeConfig(r.record.configJson);
        r.plannedEpochs = r.summary.epochs;
        runs.push_back(std::move(r));
    }
    const std::vector<ReportGroup> groups = groupReportRuns(runs);

    ReportResult result;
    ReportDocument &doc = result.document;
    if (!options.title.empty()) {
        doc.title = options.title;
    } else {
        std::vector<std::string> labels;
        for (const ReportGroup &g : groups)
            labels.push_back(g.label);
        doc.title = "NormLab report: ";
        for (std::size_t i = 0; i < labels.size(); ++i)
            doc.title += (i ? (i + 1 == labels.size() ? " and " : ", ") : "") + labels[i];
    }
    const RunRecord &first = runs.front().record;
    doc.paragraph(std::to_string(runs.size()) + (runs.size() == 1 ? " run" : " runs") +
                  " from the run store " + store.dir() + ", written " + today() + " by NormLab " +
                  version() + ". Data: " + first.datasetKind + " " + first.datasetPath + " (" +
                  std::to_string(first.classNames.size()) + " classes).");
    doc.heading("Conclusion");
    doc.paragraph(reportConclusion(groups, runs));
    addModels(doc, runs, groups);
    addResults(doc, runs, groups);
    addCurves(doc, runs, groups);
    addClassAccuracy(doc, store, runs, groups);
    addConfusion(doc, store, runs);
    addMistakes(doc, store, runs, options, result.warnings);
    addConfigs(doc, runs);
    return result;
}

} // namespace normlab
