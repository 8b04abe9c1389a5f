#include "image_folder.h"

#include "image_decode.h"

#include "errors.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

namespace fs = std::filesystem;

namespace normlab {

namespace {

bool isImageFile(const fs::path &p)
{
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

std::vector<std::string> sortedSubfolders(const fs::path &dir)
{
    std::vector<std::string> names;
    for (const auto &entry : fs::directory_iterator(dir)) {
        if (entry.is_directory() && entry.path().filename().string().front() != '.')
            names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

void decodeInto(const std::string &path, std::uint8_t *dst)
{
    const cv::Mat bgr = decodeImageFile(path);
    if (bgr.rows != Dataset::kHeight || bgr.cols != Dataset::kWidth) {
        throw DataError(path + ": image is " + std::to_string(bgr.cols) + "x" + std::to_string(bgr.rows)
                        + ", expected 32x32");
    }
    cv::Mat rgb(Dataset::kHeight, Dataset::kWidth, CV_8UC3, dst);
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
}

} // namespace

ImageFolderCount countImageFolderSplit(const std::string &dirText)
{
    const fs::path dir(dirText);
    ImageFolderCount count;
    std::error_code error;
    for (const std::string &name : sortedSubfolders(dir)) {
        ++count.classes;
        for (const auto &entry : fs::directory_iterator(dir / name, error))
            if (entry.is_regular_file() && isImageFile(entry.path()))
                ++count.images;
    }
    return count;
}

bool looksLikeImageFolder(const std::string &root)
{
    return fs::is_directory(fs::path(root) / "train") && fs::is_directory(fs::path(root) / "test");
}

Dataset loadImageFolderSplit(const std::string &dirText, const std::vector<std::string> &expected,
                             int threads)
{
    const fs::path dir(dirText);
    if (!fs::is_directory(dir))
        throw DataError(dir.string() + ": missing folder");
    Dataset out;
    out.classNames = sortedSubfolders(dir);
    if (out.classNames.empty())
        throw DataError(dir.string() + ": no class folders inside");
    if (out.classNames.size() > 256)
        throw DataError(dir.string() + ": " + std::to_string(out.classNames.size())
                        + " class folders, at most 256 are supported");
    if (!expected.empty() && out.classNames != expected)
        throw DataError(dir.string() + ": class folders differ from the training set's");

    std::vector<std::string> files;
    for (std::size_t c = 0; c < out.classNames.size(); ++c) {
        const fs::path classDir = dir / out.classNames[c];
        std::vector<std::string> classFiles;
        for (const auto &entry : fs::directory_iterator(classDir)) {
            if (entry.is_regular_file() && isImageFile(entry.path()))
                classFiles.push_back(entry.path().string());
        }
        if (classFiles.empty())
            throw DataError(classDir.string() + ": empty class folder (no .png, .jpg, .jpeg or .bmp)");
        std::sort(classFiles.begin(), classFiles.end());
        files.insert(files.end(), classFiles.begin(), classFiles.end());
        out.labels.insert(out.labels.end(), classFiles.size(), static_cast<std::uint8_t>(c));
    }
    out.pixels.resize(files.size() * Dataset::kImageBytes);

    const int workers = std::max(1, threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency()));
    std::atomic<std::size_t> next{0};
    std::exception_ptr firstError;
    std::mutex errorMutex;
    auto work = [&] {
        for (std::size_t i = next++; i < files.size(); i = next++) {
            try {
                decodeInto(files[i], out.image(i));
            } catch (...) {
                std::lock_guard lock(errorMutex);
                if (!firstError)
                    firstError = std::current_exception();
                next = files.size();
            }
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < workers; ++t)
        pool.emplace_back(work);
    work();
    for (std::thread &t : pool)
        t.join();
    if (firstError)
        std::rethrow_exception(firstError);
    return out;
}

DatasetPair loadImageFolder(const std::string &root, int threads)
{
    DatasetPair pair;
    pair.kind = "image-folder";
    pair.path = root;
    pair.train = loadImageFolderSplit((fs::path(root) / "train").string(), {}, threads);
    pair.test = loadImageFolderSplit((fs::path(root) / "test").string(), pair.train.classNames, threads);
    return pair;
}

} // namespace normlab
