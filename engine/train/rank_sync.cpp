#include "rank_sync.h"

#include "errors.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace normlab {

namespace {

std::string readBytes(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in)
        throw InputError(path.string() + ": cannot read it back");
    return bytes.str();
}

} // namespace

bool takeRootState(Collectives &ranks, Net &model, torch::optim::Optimizer &optimizer,
                   LrScheduler &scheduler, WeightAverage *average, CheckpointMeta &meta)
{
    namespace fs = std::filesystem;
    const fs::path file =
            fs::temp_directory_path() / ("normlab-rank" + std::to_string(ranks.rank()) + "-" +
                                         std::to_string(::getpid()) + ".pt");
    std::string bytes;
    if (ranks.rank() == 0) {
        saveCheckpoint(file.string(), model, optimizer, scheduler, meta, average);
        bytes = readBytes(file);
        fs::remove(file);
    }
    bytes = broadcastBytes(ranks, bytes);
    if (ranks.rank() == 0)
        return false;
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out.flush())
            throw InputError(file.string() + ": cannot write rank 0's state there");
    }
    try {
        meta = loadCheckpoint(file.string(), model, optimizer, scheduler, average);
    } catch (...) {
        std::error_code ignored;
        fs::remove(file, ignored);
        throw;
    }
    fs::remove(file);
    return true;
}

std::uint64_t rankEpochSeed(std::uint64_t seed, int epoch, int rank)
{
    std::uint64_t x = seed * 0x9E3779B97F4A7C15ULL +
                      static_cast<std::uint64_t>(epoch) * 0xBF58476D1CE4E5B9ULL +
                      static_cast<std::uint64_t>(rank) * 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x;
}

void sumOverRanks(Collectives &ranks, std::vector<double> &values)
{
    at::Tensor t =
            at::from_blob(values.data(), {static_cast<std::int64_t>(values.size())}, at::kDouble);
    ranks.allReduceSum({t});
}

void sumEvaluation(Collectives &ranks, const Dataset &test, EpochMetrics &m, double &lossSum,
                   std::int64_t &correct, std::int64_t &seen)
{
    // The misclassified images as a dense (predicted + 1, confidence) per test image, so that
    // the sum puts each in its place.
    const std::size_t cells = m.confusion.size();
    const std::size_t images = test.size();
    std::vector<double> sums(3 + cells + 2 * images, 0.0);
    sums[0] = lossSum;
    sums[1] = static_cast<double>(correct);
    sums[2] = static_cast<double>(seen);
    for (std::size_t i = 0; i < cells; ++i)
        sums[3 + i] = static_cast<double>(m.confusion[i]);
    for (const Misclassified &wrong : m.misclassified) {
        const auto at = 3 + cells + 2 * static_cast<std::size_t>(wrong.index);
        sums[at] = wrong.predicted + 1;
        sums[at + 1] = wrong.confidence;
    }
    sumOverRanks(ranks, sums);
    lossSum = sums[0];
    correct = static_cast<std::int64_t>(sums[1]);
    seen = static_cast<std::int64_t>(sums[2]);
    for (std::size_t i = 0; i < cells; ++i)
        m.confusion[i] = static_cast<int>(sums[3 + i]);
    m.misclassified.clear();
    for (std::size_t i = 0; i < images; ++i) {
        const double predicted = sums[3 + cells + 2 * i];
        if (predicted > 0)
            m.misclassified.push_back({static_cast<int>(i), static_cast<int>(test.labels[i]),
                                       static_cast<int>(predicted) - 1,
                                       static_cast<float>(sums[3 + cells + 2 * i + 1])});
    }
}

} // namespace normlab
