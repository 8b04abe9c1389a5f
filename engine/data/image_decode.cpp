#include "image_decode.h"

#include "errors.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <vector>

namespace normlab {

namespace {

constexpr std::array<unsigned char, 8> kPngSignature {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
constexpr std::size_t kJpegTail = 64; // some writers pad after the end marker

bool startsWith(const std::vector<unsigned char> &bytes, const unsigned char *prefix,
                std::size_t size)
{
    return bytes.size() >= size && std::equal(prefix, prefix + size, bytes.begin());
}

// The chunk that ends every PNG: "IEND" and its CRC are the file's last 8 bytes.
bool pngComplete(const std::vector<unsigned char> &bytes)
{
    static const char kEnd[] = "IEND";
    return bytes.size() >= 12 && std::equal(kEnd, kEnd + 4, bytes.end() - 8);
}

// JPEG's end-of-image marker, FF D9, near the end.
bool jpegComplete(const std::vector<unsigned char> &bytes)
{
    const std::size_t from = bytes.size() > kJpegTail ? bytes.size() - kJpegTail : 0;
    for (std::size_t i = bytes.size(); i-- > from + 1;)
        if (bytes[i - 1] == 0xff && bytes[i] == 0xd9)
            return true;
    return false;
}

} // namespace

cv::Mat decodeImageFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw DataError(path + ": cannot be read");
    const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                           std::istreambuf_iterator<char>());
    if (in.bad())
        throw DataError(path + ": cannot be read");
    if (startsWith(bytes, kPngSignature.data(), kPngSignature.size()) && !pngComplete(bytes))
        throw DataError(path + ": truncated PNG (it does not end with its IEND chunk)");
    static const unsigned char kJpegStart[] = {0xff, 0xd8, 0xff};
    if (startsWith(bytes, kJpegStart, sizeof kJpegStart) && !jpegComplete(bytes))
        throw DataError(path + ": truncated JPEG (no end-of-image marker)");
    // OpenCV picks a decoder by content and has many (JPEG 2000, TIFF, WebP, OpenEXR, ...): only
    // the three formats NormLab reads reach it, which keeps the others' bugs and log lines out.
    static const unsigned char kBmpStart[] = {'B', 'M'};
    if (!startsWith(bytes, kPngSignature.data(), kPngSignature.size()) &&
        !startsWith(bytes, kJpegStart, sizeof kJpegStart) &&
        !startsWith(bytes, kBmpStart, sizeof kBmpStart))
        throw DataError(path + ": not a PNG, JPEG or BMP image");
    cv::Mat bgr;
    try {
        bgr = cv::imdecode(bytes, cv::IMREAD_COLOR);
    } catch (const cv::Exception &e) {
        // A header that claims more pixels than OpenCV will allocate (found by fuzz_image_file:
        // 262 bytes of JPEG asking for gigapixels) throws instead of returning nothing.
        const bool tooLarge = e.err.find("MAX_IMAGE_PIXELS") != std::string::npos;
        throw DataError(path + ": cannot decode the image (" +
                        (tooLarge ? std::string("its header claims more pixels than can be decoded")
                                  : e.err) +
                        ")");
    }
    if (bgr.empty())
        throw DataError(path + ": cannot decode the image (unreadable, damaged or not an image)");
    return bgr;
}

} // namespace normlab
