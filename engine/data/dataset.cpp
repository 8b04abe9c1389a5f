#include "dataset.h"

#include "cifar_binary.h"
#include "config.h"
#include "durations.h"
#include "errors.h"
#include "image_folder.h"
#include "paths.h"
#include "synthetic.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>

namespace normlab {

Dataset Dataset::subset(std::size_t count) const
{
    if (count == 0 || count >= size())
        return *this;
    // A fixed seed, not the run's: runs that differ only by seed must see the same images.
    std::vector<std::size_t> order(size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(0x5eed5eedULL);
    std::shuffle(order.begin(), order.end(), rng);
    order.resize(count);
    std::sort(order.begin(), order.end());

    Dataset out;
    out.classNames = classNames;
    out.pixels.resize(count * kImageBytes);
    out.labels.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::copy_n(image(order[i]), kImageBytes, out.image(i));
        out.labels[i] = labels[order[i]];
    }
    return out;
}

std::string fingerprintOf(const Dataset &train, const Dataset &test)
{
    // FNV-1a over labels and pixels: cheap (~0.2 s for CIFAR-10) and stable across platforms.
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto mix = [&h](const std::vector<std::uint8_t> &bytes) {
        for (std::uint8_t b : bytes) {
            h ^= b;
            h *= 0x100000001b3ULL;
        }
    };
    for (const Dataset *d : {&train, &test}) {
        mix(d->labels);
        mix(d->pixels);
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
    return text;
}

void checkDataFolder(const std::string &path)
{
    namespace fs = std::filesystem;
    if (!fs::exists(path))
        throw DataError(path + ": no such file or folder");
    if (!fs::is_directory(path))
        throw DataError(path + ": not a folder (expected the CIFAR-10 binary files or "
                               "train/ and test/ image folders)");
    if (!looksLikeCifarBinary(path) && !looksLikeImageFolder(path))
        throw DataError(path + ": neither the CIFAR-10 binary layout (data_batch_1.bin ... "
                               "test_batch.bin) nor image folders (train/<class>/, test/<class>/)");
}

std::string DataFolderSummary::text() const
{
    return layout + ": " + formatCount(static_cast<std::int64_t>(trainImages)) + " training and " +
           formatCount(static_cast<std::int64_t>(testImages))
            + " test images in " + std::to_string(classes) + " classes";
}

DataFolderSummary describeDataFolder(const std::string &path)
{
    checkDataFolder(path);
    DataFolderSummary s;
    if (looksLikeCifarBinary(path)) {
        s.layout = "CIFAR-10 binary files";
        s.trainImages = cifarBinaryImages(path, true);
        s.testImages = cifarBinaryImages(path, false);
        s.classes = 10;
        return s;
    }
    s.layout = "image folders";
    const ImageFolderCount train = countImageFolderSplit(path + "/train");
    const ImageFolderCount test = countImageFolderSplit(path + "/test");
    s.trainImages = train.images;
    s.testImages = test.images;
    s.classes = std::max(train.classes, test.classes);
    return s;
}

DatasetPair loadDatasets(const DataConfig &config, std::uint64_t syntheticSeed)
{
    namespace fs = std::filesystem;
    DatasetPair pair;
    if (config.source == "synthetic") {
        pair = makeSyntheticPair(config.syntheticTrain, config.syntheticTest, syntheticSeed);
    } else {
        const std::string path = config.source == "cifar10" ? cifar10Dir() : config.source;
        if (config.source == "cifar10" && !fs::exists(path))
            throw DataError(path + ": CIFAR-10 is not downloaded yet; run 'normlab-cli download' "
                                   "or give a folder with --data PATH");
        checkDataFolder(path);
        pair = looksLikeCifarBinary(path) ? loadCifarBinary(path) : loadImageFolder(path);
    }
    pair.train = pair.train.subset(static_cast<std::size_t>(config.trainLimit));
    pair.test = pair.test.subset(static_cast<std::size_t>(config.testLimit));
    pair.fingerprint = fingerprintOf(pair.train, pair.test);
    return pair;
}

} // namespace normlab
