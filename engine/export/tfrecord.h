// TFRecord framing, the container of TensorBoard event files: each record is its length (uint64,
// little-endian), the masked CRC-32C of the length, the bytes, and the masked CRC-32C of the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace normlab {

// CRC-32C (Castagnoli), as TFRecord uses it.
std::uint32_t crc32c(const void *data, std::size_t size);
// TFRecord stores CRCs rotated and offset so that a CRC of data that itself holds CRCs stays
// useful.
std::uint32_t maskedCrc32c(const void *data, std::size_t size);

class TfRecordWriter
{
public:
    // Writes to a temporary file beside `path`; close() puts it in place. Throws InputError.
    explicit TfRecordWriter(std::string path);
    ~TfRecordWriter();
    TfRecordWriter(const TfRecordWriter &) = delete;
    TfRecordWriter &operator=(const TfRecordWriter &) = delete;

    void write(std::string_view record);
    void close();

private:
    std::string m_path;
    std::string m_tmpPath;
    std::FILE *m_file = nullptr;
};

// Reads every record, checking both CRCs of each; throws InputError naming the file and record.
std::vector<std::string> readTfRecords(const std::string &path);

} // namespace normlab
