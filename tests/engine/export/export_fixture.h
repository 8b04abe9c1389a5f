// What the export suites share (test_export, test_export_layer_stats): two quick runs recorded
// with batch losses and per-layer statistics, and readers of what the exports wrote, written here
// independently of the engine's (TFRecord framing with its CRCs, CSV fields).
#pragma once

#include "proto/tensorboard.pb.h"
#include "run_store.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace normlab::test {

// Records a BatchNorm and a GroupNorm s8 run (synthetic, 2 epochs of 10 batches, every batch
// loss, layer statistics every 4th step), the first with a note; returns their ids.
std::vector<std::int64_t> recordExportRuns(RunStore &store);

std::vector<tensorboard::Event> readEvents(const QString &path);
QStringList eventFiles(const QString &dir);
// The event file of run `id` in a TensorBoard export's folder `out` (empty when not one).
QString runEventFile(const QString &out, std::int64_t id);

using TaggedStep = std::pair<std::string, std::int64_t>;
std::map<TaggedStep, float> scalarsOf(const std::vector<tensorboard::Event> &events);
std::map<TaggedStep, tensorboard::HistogramProto>
histogramsOf(const std::vector<tensorboard::Event> &events);

double parseDouble(const std::string &text);
std::vector<std::string> split(const std::string &line, char separator);
std::vector<std::string> lines(const QString &path);
std::string fileText(const QString &path);

} // namespace normlab::test
