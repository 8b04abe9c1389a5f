// TensorBoard: a folder per run with one event file (scalars per epoch and per batch, a
// misclassified grid per epoch, the per-layer statistics as scalars per layer and the blocks'
// output histograms, the hparams session), and in the top folder the hparams experiment
// that lists every config key and the metrics, as TensorBoard's hparams plugin expects.
#include "errors.h"
#include "mistake_grid.h"
#include "process_stats.h"
#include "proto/tensorboard.pb.h"
#include "run_export_detail.h"
#include "run_summary.h"
#include "tfrecord.h"

#include <google/protobuf/struct.pb.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <unistd.h>

namespace fs = std::filesystem;
namespace tb = normlab::tensorboard;

namespace normlab::detail {

namespace {

constexpr const char *kHparamsPlugin = "hparams";
constexpr const char *kExperimentTag = "_hparams_/experiment";
constexpr const char *kSessionStartTag = "_hparams_/session_start_info";
constexpr const char *kSessionEndTag = "_hparams_/session_end_info";

// Scalar tags, grouped the way TensorBoard folds them into sections.
const std::map<std::string, std::string> kScalarTags = {
        {"train_loss", "loss/train"},
        {"test_loss", "loss/test"},
        {"train_accuracy", "accuracy/train"},
        {"test_accuracy", "accuracy/test"},
        {"lr", "schedule/lr"},
        {"epoch_seconds", "speed/epoch_seconds"},
        {"train_images_per_second", "speed/train_images_per_second"},
        {"eval_images_per_second", "speed/eval_images_per_second"},
        {"process_cpu_seconds", "process/cpu_seconds"},
        {"process_rss_bytes", "process/rss_bytes"},
};
constexpr const char *kBestAccuracyTag = "best/test_accuracy";
constexpr const char *kBestLossTag = "best/test_loss";

std::string eventFileName(double wallTime)
{
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    return "events.out.tfevents." + std::to_string(static_cast<long long>(wallTime)) + "." + host +
           ".normlab";
}

class EventFile
{
public:
    EventFile(const std::string &path, double wallTime) : m_writer(path)
    {
        tb::Event e;
        e.set_wall_time(wallTime);
        e.set_file_version("brain.Event:2");
        write(e);
    }

    void write(const tb::Event &event) { m_writer.write(event.SerializeAsString()); }

    void scalar(double wallTime, std::int64_t step, const std::string &tag, double value)
    {
        tb::Event e;
        e.set_wall_time(wallTime);
        e.set_step(step);
        tb::Summary::Value *v = e.mutable_summary()->add_value();
        v->set_tag(tag);
        v->set_simple_value(static_cast<float>(value));
        write(e);
    }

    void image(double wallTime, std::int64_t step, const std::string &tag, const PngImage &png)
    {
        tb::Event e;
        e.set_wall_time(wallTime);
        e.set_step(step);
        tb::Summary::Value *v = e.mutable_summary()->add_value();
        v->set_tag(tag);
        tb::Summary::Image *image = v->mutable_image();
        image->set_width(png.width);
        image->set_height(png.height);
        image->set_colorspace(3);
        image->set_encoded_image_string(png.bytes.data(), png.bytes.size());
        write(e);
    }

    // The counts of a recorded histogram; its sums are estimated from the bins' centres.
    void histogram(double wallTime, std::int64_t step, const std::string &tag,
                   const LayerHistogram &h)
    {
        tb::Event e;
        e.set_wall_time(wallTime);
        e.set_step(step);
        tb::Summary::Value *v = e.mutable_summary()->add_value();
        v->set_tag(tag);
        tb::HistogramProto *histo = v->mutable_histo();
        const double width =
                h.counts.empty() ? 0 : (h.hi - h.lo) / static_cast<double>(h.counts.size());
        double num = 0, sum = 0, squares = 0;
        for (std::size_t b = 0; b < h.counts.size(); ++b) {
            const double centre = h.lo + width * (static_cast<double>(b) + 0.5);
            const auto count = static_cast<double>(h.counts[b]);
            num += count;
            sum += count * centre;
            squares += count * centre * centre;
            histo->add_bucket_limit(
                    b + 1 == h.counts.size() ? h.hi : h.lo + width * static_cast<double>(b + 1));
            histo->add_bucket(count);
        }
        histo->set_min(h.lo);
        histo->set_max(h.hi);
        histo->set_num(num);
        histo->set_sum(sum);
        histo->set_sum_squares(squares);
        write(e);
    }

    void hparams(double wallTime, const std::string &tag, const tb::HParamsPluginData &data)
    {
        tb::Event e;
        e.set_wall_time(wallTime);
        tb::Summary::Value *v = e.mutable_summary()->add_value();
        v->set_tag(tag);
        tb::SummaryMetadata::PluginData *plugin = v->mutable_metadata()->mutable_plugin_data();
        plugin->set_plugin_name(kHparamsPlugin);
        plugin->set_content(data.SerializeAsString());
        // The plugin reads only the metadata; TensorBoard still wants a value, so a scalar 0.
        tb::TensorProto *tensor = v->mutable_tensor();
        tensor->set_dtype(tb::DT_FLOAT);
        tensor->mutable_tensor_shape();
        tensor->add_float_val(0.0f);
        write(e);
    }

    void close() { m_writer.close(); }

private:
    TfRecordWriter m_writer;
};

google::protobuf::Value protoValue(const nlohmann::json &j)
{
    google::protobuf::Value v;
    if (j.is_boolean())
        v.set_bool_value(j.get<bool>());
    else if (j.is_number())
        v.set_number_value(j.get<double>());
    else if (j.is_string())
        v.set_string_value(j.get<std::string>());
    else
        v.set_string_value(j.dump()); // lists such as normalize.mean
    return v;
}

tb::HParamDataType typeOf(const nlohmann::json &j)
{
    if (j.is_boolean())
        return tb::DATA_TYPE_BOOL;
    if (j.is_number())
        return tb::DATA_TYPE_FLOAT64;
    return tb::DATA_TYPE_STRING;
}

tb::SessionStatus sessionStatus(RunState state)
{
    switch (state) {
    case RunState::Finished:
        return tb::STATUS_SUCCESS;
    case RunState::Failed:
    case RunState::Interrupted:
    case RunState::Stopped:
        return tb::STATUS_FAILURE;
    case RunState::Queued:
    case RunState::Running:
        return tb::STATUS_RUNNING;
    }
    return tb::STATUS_UNKNOWN;
}

void addMetric(tb::Experiment &experiment, const std::string &tag, const std::string &display,
               tb::DatasetType type)
{
    tb::MetricInfo *info = experiment.add_metric_infos();
    info->mutable_name()->set_tag(tag);
    info->set_display_name(display);
    info->set_dataset_type(type);
}

// "inside.output_std/03-conv4": a section per statistic (epoch probes; "inside_train." for the
// sampled training batches), a chart per layer in depth order.
std::string layerTag(const std::string &section, int layer, const std::string &name)
{
    char depth[16];
    std::snprintf(depth, sizeof depth, "%02d", layer);
    return section + "/" + depth + "-" + name;
}

void writeLayerStats(EventFile &file, const ExportedRun &run)
{
    std::map<int, std::string> names;
    for (const LayerStatsSample &sample : run.layerStats) {
        const bool probe = sample.step < 0;
        const double wallTime = wallTimeOfStep(run, sample.epoch, sample.step);
        for (const LayerStatsRow &row : sample.layers) {
            names.emplace(row.layer, row.name);
            for (int i = 0; i < kLayerStatCount; ++i) {
                const auto stat = static_cast<LayerStat>(i);
                if (std::isfinite(row[stat]))
                    file.scalar(wallTime, probe ? sample.epoch : sample.step,
                                layerTag((probe ? "inside." : "inside_train.") +
                                                 std::string(layerStatName(stat)),
                                         row.layer, row.name),
                                row[stat]);
            }
        }
    }
    for (const LayerHistogram &h : run.layerHistograms)
        file.histogram(wallTimeOfStep(run, h.epoch, -1), h.epoch,
                       layerTag("inside.output_histogram", h.layer, names[h.layer]), h);
}

} // namespace

void exportTensorBoard(const std::vector<ExportedRun> &runs, const ExportOptions &options,
                       ExportReport &report)
{
    const fs::path out(options.outDir);
    const double now = unixTime();
    TestImages images;
    // Every config key that any run has, with its type: the experiment's hparam columns.
    std::map<std::string, tb::HParamDataType> hparamTypes;

    for (const ExportedRun &run : runs) {
        const RunRecord &r = run.record;
        const fs::path dir = out / runSlug(r);
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec)
            throw InputError(dir.string() + ": cannot create the folder: " + ec.message());
        const double start = r.startedAt > 0 ? r.startedAt : r.createdAt;
        const std::string path = (dir / eventFileName(start)).string();
        EventFile file(path, start);

        tb::HParamsPluginData startData;
        tb::SessionStartInfo *session = startData.mutable_session_start_info();
        for (auto &[key, value] : configLeaves(r.configJson)) {
            if (key == "name")
                continue;
            (*session->mutable_hparams())[key] = protoValue(value);
            hparamTypes.emplace(key, typeOf(value));
        }
        (*session->mutable_hparams())["seed"] = protoValue(static_cast<double>(r.seed));
        session->set_group_name(r.name);
        session->set_start_time_secs(start);
        file.hparams(start, kSessionStartTag, startData);

        const Dataset *test = options.images ? images.forRun(r, report.warnings) : nullptr;
        double bestAccuracy = 0, lowestLoss = 0;
        for (const EpochMetrics &m : run.epochs) {
            for (const MetricColumn &c : metricColumns())
                file.scalar(m.wallTime, m.epoch, kScalarTags.at(c.name), c.value(m));
            bestAccuracy = std::max(bestAccuracy, m.testAccuracy);
            lowestLoss = lowestLoss == 0 ? m.testLoss : std::min(lowestLoss, m.testLoss);
            if (test && !m.misclassified.empty()) {
                file.image(m.wallTime, m.epoch, "misclassified",
                           misclassifiedGridPng(*test, m.misclassified, r.classNames));
            }
        }
        for (const BatchPoint &b : run.batches)
            file.scalar(b.wallTime, b.step, "loss/train_batch", b.loss);
        writeLayerStats(file, run);
        if (!run.epochs.empty()) {
            const EpochMetrics &last = run.epochs.back();
            file.scalar(last.wallTime, last.epoch, kBestAccuracyTag, bestAccuracy);
            file.scalar(last.wallTime, last.epoch, kBestLossTag, lowestLoss);
        }

        tb::HParamsPluginData endData;
        endData.mutable_session_end_info()->set_status(sessionStatus(r.state));
        const double end = r.endedAt > 0 ? r.endedAt : now;
        endData.mutable_session_end_info()->set_end_time_secs(end);
        file.hparams(end, kSessionEndTag, endData);
        file.close();
        report.files.push_back(path);
    }

    // The experiment lives in the top folder (TensorBoard's "empty run").
    tb::HParamsPluginData experimentData;
    tb::Experiment *experiment = experimentData.mutable_experiment();
    experiment->set_name(options.experiment);
    experiment->set_description("NormLab runs exported from the run store");
    experiment->set_time_created_secs(now);
    hparamTypes.emplace("seed", tb::DATA_TYPE_FLOAT64);
    for (const auto &[key, type] : hparamTypes) {
        tb::HParamInfo *info = experiment->add_hparam_infos();
        info->set_name(key);
        info->set_type(type);
    }
    addMetric(*experiment, kBestAccuracyTag, "best test accuracy (%)", tb::DATASET_VALIDATION);
    addMetric(*experiment, kBestLossTag, "lowest test loss", tb::DATASET_VALIDATION);
    addMetric(*experiment, "accuracy/test", "test accuracy (%)", tb::DATASET_VALIDATION);
    addMetric(*experiment, "loss/test", "test loss", tb::DATASET_VALIDATION);
    addMetric(*experiment, "accuracy/train", "train accuracy (%)", tb::DATASET_TRAINING);
    addMetric(*experiment, "loss/train", "train loss", tb::DATASET_TRAINING);
    // One experiment per folder: a new export replaces the last one's.
    for (const auto &entry : fs::directory_iterator(out)) {
        const std::string name = entry.path().filename().string();
        if (entry.is_regular_file() && name.rfind("events.out.tfevents.", 0) == 0 &&
            name.size() > 8 && name.compare(name.size() - 8, 8, ".normlab") == 0)
            fs::remove(entry.path());
    }
    const std::string path = (out / eventFileName(now)).string();
    EventFile file(path, now);
    file.hparams(now, kExperimentTag, experimentData);
    file.close();
    report.files.push_back(path);
}

} // namespace normlab::detail
