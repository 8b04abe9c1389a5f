#include "export_fixture.h"

#include "config_json.h"
#include "presets.h"
#include "run_session.h"
#include "test_support.h"
#include "tfrecord.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QTest>

#include <charconv>
#include <fstream>
#include <stdexcept>

namespace normlab::test {

namespace tb = normlab::tensorboard;

namespace {

std::uint64_t littleEndian(const std::string &bytes, std::size_t offset, int size)
{
    std::uint64_t v = 0;
    for (int i = 0; i < size; ++i)
        v |= static_cast<std::uint64_t>(
                     static_cast<unsigned char>(bytes[offset + static_cast<std::size_t>(i)]))
             << (8 * i);
    return v;
}

} // namespace

// TFRecord framing parsed here, independently of the engine's reader.
std::vector<tb::Event> readEvents(const QString &path)
{
    const std::string bytes = readAll(path).toStdString();
    std::vector<tb::Event> events;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        if (pos + 12 > bytes.size())
            throw std::runtime_error("truncated header");
        const std::uint64_t length = littleEndian(bytes, pos, 8);
        if (littleEndian(bytes, pos + 8, 4) != maskedCrc32c(bytes.data() + pos, 8))
            throw std::runtime_error("bad length CRC");
        const std::string data = bytes.substr(pos + 12, length);
        if (littleEndian(bytes, pos + 12 + length, 4) != maskedCrc32c(data.data(), data.size()))
            throw std::runtime_error("bad data CRC");
        tb::Event e;
        if (!e.ParseFromString(data))
            throw std::runtime_error("not an Event");
        events.push_back(e);
        pos += 12 + length + 4;
    }
    return events;
}

QStringList eventFiles(const QString &dir)
{
    QStringList files;
    for (const QString &name : QDir(dir).entryList({"events.out.tfevents.*"}, QDir::Files))
        files << dir + "/" + name;
    return files;
}

double parseDouble(const std::string &text)
{
    double v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size())
        throw std::runtime_error("not a number: " + text);
    return v;
}

std::vector<std::string> split(const std::string &line, char separator)
{
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = line.find(separator, start);
        parts.push_back(
                line.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos)
            return parts;
        start = end + 1;
    }
}

std::vector<std::string> lines(const QString &path)
{
    std::ifstream in(path.toStdString());
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

std::string fileText(const QString &path)
{
    return readAll(path).toStdString();
}

QString runEventFile(const QString &out, std::int64_t id)
{
    const QStringList dirs = QDir(out).entryList({QString::number(id) + "-*"}, QDir::Dirs);
    if (dirs.size() != 1)
        return {};
    const QStringList files = eventFiles(out + "/" + dirs.front());
    return files.size() == 1 ? files.front() : QString();
}

std::map<TaggedStep, float> scalarsOf(const std::vector<tb::Event> &events)
{
    std::map<TaggedStep, float> scalars;
    for (const tb::Event &e : events)
        for (const tb::Summary::Value &v : e.summary().value())
            if (v.has_simple_value())
                scalars[{v.tag(), e.step()}] = v.simple_value();
    return scalars;
}

std::map<TaggedStep, tb::HistogramProto> histogramsOf(const std::vector<tb::Event> &events)
{
    std::map<TaggedStep, tb::HistogramProto> histograms;
    for (const tb::Event &e : events)
        for (const tb::Summary::Value &v : e.summary().value())
            if (v.has_histo())
                histograms[{v.tag(), e.step()}] = v.histo();
    return histograms;
}

std::vector<std::int64_t> recordExportRuns(RunStore &store)
{
    std::vector<std::int64_t> ids;
    for (const NormKind norm : {NormKind::Batch, NormKind::Group}) {
        ExperimentConfig c = presetConfig("s8-bn");
        c.model.norm = norm;
        c.data.source = "synthetic";
        c.data.trainLimit = 320;
        c.data.testLimit = 200;
        c.epochs = 2;
        c.threads = 1;
        const std::int64_t id =
                store.createRun({norm == NormKind::Batch ? "bn, quick" : "gn \"quick\"",
                                 toJson(c).dump(),
                                 c.seed,
                                 {"export"},
                                 {},
                                 {}});
        RunSession session(store, id);
        TrainerCallbacks callbacks;
        callbacks.batchIntervalMs = 0; // every batch recorded
        callbacks.layerStatsEvery = 4; // layer statistics every 4th of the 20 steps
        if (session.run(callbacks).status != RunStatus::Finished)
            throw std::runtime_error("an export fixture's run did not finish");
        ids.push_back(id);
    }
    store.setNote(ids[0], "line one, with a comma");
    return ids;
}

} // namespace normlab::test
