// Image datasets held in memory as uint8, the form every loader produces and the batch pipeline
// consumes. CIFAR-10's training set is 153.6 MB this way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace normlab {

struct DataConfig;

struct Dataset
{
    static constexpr int kHeight = 32;
    static constexpr int kWidth = 32;
    static constexpr int kChannels = 3;
    static constexpr std::size_t kImageBytes = kHeight * kWidth * kChannels;

    std::vector<std::string> classNames;
    std::vector<std::uint8_t> pixels; // N images, each H x W x C, RGB
    std::vector<std::uint8_t> labels;

    std::size_t size() const { return labels.size(); }
    const std::uint8_t *image(std::size_t i) const { return pixels.data() + i * kImageBytes; }
    std::uint8_t *image(std::size_t i) { return pixels.data() + i * kImageBytes; }
    int numClasses() const { return static_cast<int>(classNames.size()); }

    // A fixed pseudo-random subset of `count` images (the same for every run), classes mixed.
    Dataset subset(std::size_t count) const;
};

struct DatasetPair
{
    Dataset train;
    Dataset test;
    std::string kind; // synthetic | cifar-binary | image-folder
    std::string path; // empty for synthetic
    std::string fingerprint; // content hash, so runs on different data are never compared blindly
};

// Loads what `config.source` names: "synthetic", "cifar10" (the user's data directory) or a
// folder holding either the official binary files or {train,test}/<class>/ image folders.
// Throws DataError naming the file and the problem.
DatasetPair loadDatasets(const DataConfig &config, std::uint64_t syntheticSeed = 1);

// Checks, without loading, that `path` is a folder with the official binary files (or the folder
// they were unpacked into) or image folders; throws DataError naming it and what is wrong.
void checkDataFolder(const std::string &path);

// What a data folder holds, counted without decoding an image: for the user to see that the folder
// chosen is the one meant.
struct DataFolderSummary
{
    std::string layout; // "CIFAR-10 binary files" or "image folders"
    std::size_t trainImages = 0, testImages = 0, classes = 0;
    // "image folders: 50,000 training and 10,000 test images in 10 classes"
    std::string text() const;
};
// Checks `path` as checkDataFolder does (throwing the same DataError), then counts.
DataFolderSummary describeDataFolder(const std::string &path);

std::string fingerprintOf(const Dataset &train, const Dataset &test);

} // namespace normlab
