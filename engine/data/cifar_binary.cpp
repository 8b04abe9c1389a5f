#include "cifar_binary.h"

#include "errors.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace normlab {

namespace {

constexpr std::size_t kRecordBytes = 1 + Dataset::kImageBytes;
constexpr int kPlane = Dataset::kHeight * Dataset::kWidth;
constexpr int kClasses = 10;
const char *const kTrainFiles[] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                   "data_batch_4.bin", "data_batch_5.bin"};
constexpr const char *kTestFile = "test_batch.bin";
const std::vector<std::string> kDefaultNames = {"airplane", "automobile", "bird", "cat", "deer",
                                                "dog", "frog", "horse", "ship", "truck"};

fs::path resolveDir(const std::string &dir)
{
    const fs::path nested = fs::path(dir) / "cifar-10-batches-bin";
    if (!fs::exists(fs::path(dir) / kTrainFiles[0]) && fs::exists(nested / kTrainFiles[0]))
        return nested;
    return dir;
}

std::vector<std::string> readClassNames(const fs::path &dir)
{
    std::ifstream in(dir / "batches.meta.txt");
    if (!in)
        return kDefaultNames;
    std::vector<std::string> names;
    std::string line;
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.pop_back();
        if (!line.empty())
            names.push_back(line);
    }
    if (names.size() != kClasses)
        throw DataError((dir / "batches.meta.txt").string() + ": expected 10 class names, found "
                        + std::to_string(names.size()));
    return names;
}

} // namespace

std::size_t cifarBinaryImages(const std::string &dir, bool train)
{
    const fs::path d = resolveDir(dir);
    std::size_t images = 0;
    std::error_code error;
    auto count = [&](const char *file) {
        const auto bytes = fs::file_size(d / file, error);
        if (!error)
            images += static_cast<std::size_t>(bytes) / kRecordBytes;
    };
    if (train)
        for (const char *file : kTrainFiles)
            count(file);
    else
        count(kTestFile);
    return images;
}

bool looksLikeCifarBinary(const std::string &dir)
{
    const fs::path d = resolveDir(dir);
    return fs::exists(d / kTrainFiles[0]) || fs::exists(d / kTestFile);
}

void readCifarBinaryFile(const std::string &path, Dataset &out)
{
    std::error_code error;
    if (fs::is_directory(path, error))
        throw DataError(path + ": is a folder, not a CIFAR-10 .bin file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw DataError(path + ": missing or unreadable");
    in.seekg(0, std::ios::end);
    const std::streamoff end = in.tellg();
    if (end < 0) // not a seekable file (a pipe, a device)
        throw DataError(path + ": not a regular file that can be read");
    const auto bytes = static_cast<std::size_t>(end);
    in.seekg(0);
    if (bytes == 0 || bytes % kRecordBytes != 0) {
        std::ostringstream msg;
        msg << path << ": " << bytes << " bytes is not a whole number of " << kRecordBytes
            << "-byte records (truncated or not a CIFAR-10 .bin file)";
        throw DataError(msg.str());
    }
    std::vector<std::uint8_t> raw(bytes);
    in.read(reinterpret_cast<char *>(raw.data()), static_cast<std::streamsize>(bytes));
    if (!in)
        throw DataError(path + ": read error");

    const std::size_t records = bytes / kRecordBytes;
    const std::size_t first = out.size();
    out.labels.resize(first + records);
    out.pixels.resize((first + records) * Dataset::kImageBytes);
    for (std::size_t r = 0; r < records; ++r) {
        const std::uint8_t *rec = raw.data() + r * kRecordBytes;
        if (rec[0] >= kClasses) {
            throw DataError(path + ": record " + std::to_string(r) + " has label "
                            + std::to_string(rec[0]) + ", allowed 0 to 9");
        }
        out.labels[first + r] = rec[0];
        // planar R, G, B -> interleaved RGB
        std::uint8_t *dst = out.image(first + r);
        const std::uint8_t *planes = rec + 1;
        for (int p = 0; p < kPlane; ++p) {
            dst[3 * p + 0] = planes[p];
            dst[3 * p + 1] = planes[kPlane + p];
            dst[3 * p + 2] = planes[2 * kPlane + p];
        }
    }
}

DatasetPair loadCifarBinary(const std::string &dirText)
{
    const fs::path dir = resolveDir(dirText);
    DatasetPair pair;
    pair.kind = "cifar-binary";
    pair.path = dir.string();
    const std::vector<std::string> names = readClassNames(dir);
    pair.train.classNames = names;
    pair.test.classNames = names;
    for (const char *file : kTrainFiles)
        readCifarBinaryFile((dir / file).string(), pair.train);
    readCifarBinaryFile((dir / kTestFile).string(), pair.test);
    return pair;
}

} // namespace normlab
