#include "image_decode.h"

#include "errors.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
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

// The most pixels NormLab decodes from one file: a 12-megapixel photo to predict passes, where a
// few hundred bytes claiming 14,161 x 65,359 (found by fuzz_image_file, under OpenCV's own limit
// of 2^30) would have OpenCV allocate 2.8 GB before it finds the data missing.
constexpr std::uint64_t kMaxPixels = 8192ull * 8192ull;

std::uint32_t bigEndian(const std::vector<unsigned char> &b, std::size_t at, int bytes)
{
    std::uint32_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v = (v << 8) | b[at + i];
    return v;
}

std::uint32_t littleEndian(const std::vector<unsigned char> &b, std::size_t at, int bytes)
{
    std::uint32_t v = 0;
    for (int i = bytes; i-- > 0;)
        v = (v << 8) | b[at + i];
    return v;
}

// The pixel count the header claims (0 where it cannot be read: OpenCV then says what is wrong).
std::uint64_t claimedPixels(const std::vector<unsigned char> &b)
{
    if (b.size() >= 24 && b[0] == 0x89) // PNG: IHDR's width and height
        return std::uint64_t(bigEndian(b, 16, 4)) * bigEndian(b, 20, 4);
    if (b.size() >= 26 && b[0] == 'B') { // BMP: a 12-byte core header has 16-bit sizes
        if (littleEndian(b, 14, 4) == 12)
            return std::uint64_t(littleEndian(b, 18, 2)) * littleEndian(b, 20, 2);
        const auto height = static_cast<std::int32_t>(littleEndian(b, 22, 4)); // < 0: top-down
        const std::uint64_t rows = height < 0 ? 0ull - std::int64_t(height) : std::uint64_t(height);
        return std::uint64_t(littleEndian(b, 18, 4)) * rows;
    }
    // JPEG: the first start-of-frame segment (C0-CF but DHT C4, JPG C8, DAC CC) holds the size.
    // Read as libjpeg reads it: bytes between segments are skipped up to the next marker ("Corrupt
    // JPEG data: extraneous bytes before marker"), as are FF fill bytes and a stuffed FF 00.
    std::size_t at = 2;
    while (at + 4 <= b.size()) {
        const unsigned char marker = b[at + 1];
        if (b[at] != 0xff || marker == 0xff || marker == 0x00) {
            at += b[at] != 0xff || marker == 0xff ? 1 : 2;
            continue;
        }
        if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { // no length
            at += 2;
            continue;
        }
        if (marker == 0xda || marker == 0xd9) // scan data or the end: no frame header before
            return 0;
        const std::size_t length = bigEndian(b, at + 2, 2);
        if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc)
            return at + 9 <= b.size()
                           ? std::uint64_t(bigEndian(b, at + 5, 2)) * bigEndian(b, at + 7, 2)
                           : 0;
        at += 2 + length;
    }
    return 0;
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
    if (const std::uint64_t pixels = claimedPixels(bytes); pixels > kMaxPixels)
        throw DataError(path + ": cannot decode the image (its header claims " +
                        std::to_string(pixels) + " pixels, more than the " +
                        std::to_string(kMaxPixels) + " NormLab decodes)");
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
