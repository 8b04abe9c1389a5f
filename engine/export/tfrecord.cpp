#include "tfrecord.h"

#include "errors.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace normlab {

namespace {

constexpr std::uint32_t kCastagnoliReversed = 0x82F63B78u;
constexpr std::uint32_t kMaskDelta = 0xa282ead8u;

constexpr std::array<std::uint32_t, 256> makeTable()
{
    std::array<std::uint32_t, 256> table {};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit)
            c = (c & 1u) ? (c >> 1) ^ kCastagnoliReversed : c >> 1;
        table[i] = c;
    }
    return table;
}

constexpr std::array<std::uint32_t, 256> kTable = makeTable();

void putLittleEndian(unsigned char *out, std::uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; ++i)
        out[i] = static_cast<unsigned char>(value >> (8 * i));
}

std::uint64_t getLittleEndian(const unsigned char *in, int bytes)
{
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i)
        value |= static_cast<std::uint64_t>(in[i]) << (8 * i);
    return value;
}

} // namespace

std::uint32_t crc32c(const void *data, std::size_t size)
{
    const auto *p = static_cast<const unsigned char *>(data);
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < size; ++i)
        crc = kTable[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

std::uint32_t maskedCrc32c(const void *data, std::size_t size)
{
    const std::uint32_t crc = crc32c(data, size);
    return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

TfRecordWriter::TfRecordWriter(std::string path) : m_path(std::move(path))
{
    m_tmpPath = m_path + ".tmp-" + std::to_string(::getpid());
    m_file = std::fopen(m_tmpPath.c_str(), "wb");
    if (!m_file)
        throw InputError(m_tmpPath + ": cannot write: " + std::strerror(errno));
}

TfRecordWriter::~TfRecordWriter()
{
    if (m_file) {
        std::fclose(m_file);
        std::remove(m_tmpPath.c_str());
    }
}

void TfRecordWriter::write(std::string_view record)
{
    unsigned char header[12];
    putLittleEndian(header, record.size(), 8);
    putLittleEndian(header + 8, maskedCrc32c(header, 8), 4);
    unsigned char footer[4];
    putLittleEndian(footer, maskedCrc32c(record.data(), record.size()), 4);
    if (std::fwrite(header, 1, sizeof header, m_file) != sizeof header ||
        std::fwrite(record.data(), 1, record.size(), m_file) != record.size() ||
        std::fwrite(footer, 1, sizeof footer, m_file) != sizeof footer)
        throw InputError(m_tmpPath + ": write failed: " + std::strerror(errno));
}

void TfRecordWriter::close()
{
    const bool ok = std::fflush(m_file) == 0 && ::fsync(::fileno(m_file)) == 0;
    std::fclose(m_file);
    m_file = nullptr;
    if (!ok) {
        std::remove(m_tmpPath.c_str());
        throw InputError(m_tmpPath + ": write failed: " + std::strerror(errno));
    }
    std::error_code ec;
    std::filesystem::rename(m_tmpPath, m_path, ec);
    if (ec)
        throw InputError(m_path + ": cannot put the file in place: " + ec.message());
}

std::vector<std::string> readTfRecords(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path + ": cannot open");
    in.seekg(0, std::ios::end);
    const auto fileSize = static_cast<std::uint64_t>(in.tellg());
    in.seekg(0);
    std::vector<std::string> records;
    for (;;) {
        unsigned char header[12];
        in.read(reinterpret_cast<char *>(header), sizeof header);
        if (in.gcount() == 0)
            return records;
        const std::string where = path + ": record " + std::to_string(records.size());
        if (in.gcount() != sizeof header)
            throw InputError(where + ": truncated header");
        if (getLittleEndian(header + 8, 4) != maskedCrc32c(header, 8))
            throw InputError(where + ": length CRC mismatch");
        const std::uint64_t length = getLittleEndian(header, 8);
        if (length > fileSize)
            throw InputError(where + ": length " + std::to_string(length) + " exceeds the file");
        std::string data(length, '\0');
        in.read(data.data(), static_cast<std::streamsize>(length));
        unsigned char footer[4];
        in.read(reinterpret_cast<char *>(footer), sizeof footer);
        if (!in)
            throw InputError(where + ": truncated");
        if (getLittleEndian(footer, 4) != maskedCrc32c(data.data(), data.size()))
            throw InputError(where + ": data CRC mismatch");
        records.push_back(std::move(data));
    }
}

} // namespace normlab
