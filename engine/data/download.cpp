#include "download.h"

#include "errors.h"

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

namespace fs = std::filesystem;

namespace normlab {

DownloadSpec cifar10Archive()
{
    DownloadSpec spec {"https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", 170'052'171,
                       "c32a1d4ab5d03f1284b67883e8d87530"};
    // A mirror (a lab's own server, a machine without internet access) serves the same bytes:
    // size and MD5 stay the official ones.
    if (const char *mirror = std::getenv("NORMLAB_CIFAR10_URL"); mirror && *mirror)
        spec.url = mirror;
    return spec;
}

namespace {

struct TransferState
{
    std::FILE *file = nullptr;
    std::int64_t offset = 0;
    std::int64_t total = -1;
    const DownloadProgressFn *progress = nullptr;
    bool cancelled = false;
};

size_t writeChunk(char *data, size_t size, size_t count, void *user)
{
    auto *state = static_cast<TransferState *>(user);
    return std::fwrite(data, size, count, state->file) * size;
}

int onProgress(void *user, curl_off_t dlTotal, curl_off_t dlNow, curl_off_t, curl_off_t)
{
    auto *state = static_cast<TransferState *>(user);
    if (!state->progress || !*state->progress)
        return 0;
    const std::int64_t total =
            state->total > 0 ? state->total : (dlTotal > 0 ? state->offset + dlTotal : -1);
    if (!(*state->progress)(state->offset + dlNow, total)) {
        state->cancelled = true;
        return 1;
    }
    return 0;
}

std::int64_t fileSize(const fs::path &p)
{
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    return ec ? 0 : static_cast<std::int64_t>(size);
}

// One transfer attempt from `offset`; returns curl's result.
CURLcode transfer(const DownloadSpec &spec, const fs::path &part, std::int64_t offset,
                  const DownloadProgressFn &progress, bool &cancelled, long &httpStatus)
{
    std::unique_ptr<std::FILE, int (*)(std::FILE *)> file(
            std::fopen(part.c_str(), offset > 0 ? "ab" : "wb"), &std::fclose);
    if (!file)
        throw DownloadError(part.string() + ": cannot write the download");
    TransferState state {file.get(), offset, spec.size, &progress, false};
    std::unique_ptr<CURL, void (*)(CURL *)> curl(curl_easy_init(), &curl_easy_cleanup);
    curl_easy_setopt(curl.get(), CURLOPT_URL, spec.url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &writeChunk);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &state);
    curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, &onProgress);
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &state);
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 30L);
    // A stalled connection (under 1 KB/s for 60 s) fails instead of hanging forever.
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 60L);
    if (offset > 0)
        curl_easy_setopt(curl.get(), CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(offset));
    const CURLcode code = curl_easy_perform(curl.get());
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &httpStatus);
    cancelled = state.cancelled;
    return code;
}

bool safeEntryPath(const std::string &path)
{
    if (path.empty() || path.front() == '/')
        return false;
    for (const auto &part : fs::path(path)) {
        if (part == "..")
            return false;
    }
    return true;
}

} // namespace

std::string md5OfFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw DownloadError(path + ": cannot read");
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX *)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr);
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(in.gcount()));
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &length);
    std::string hex;
    char byte[3];
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(byte, sizeof byte, "%02x", digest[i]);
        hex += byte;
    }
    return hex;
}

void downloadFile(const DownloadSpec &spec, const std::string &destText,
                  const DownloadProgressFn &progress)
{
    static const bool curlReady = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!curlReady)
        throw DownloadError("libcurl could not be initialised");
    const fs::path dest(destText);
    const fs::path part = destText + ".part";
    if (dest.has_parent_path())
        fs::create_directories(dest.parent_path());

    std::int64_t offset = fileSize(part);
    if (spec.size > 0 && offset > spec.size)
        offset = 0; // a .part larger than the file cannot be a prefix of it
    bool complete = spec.size > 0 && offset == spec.size;
    for (int attempt = 0; !complete && attempt < 2; ++attempt) {
        bool cancelled = false;
        long status = 0;
        const CURLcode code = transfer(spec, part, offset, progress, cancelled, status);
        if (cancelled)
            throw DownloadError("download cancelled; run it again to resume from " + part.string());
        if (code == CURLE_RANGE_ERROR || (code == CURLE_OK && offset > 0 && status == 200)) {
            offset = 0; // the server cannot resume: start over
            continue;
        }
        if (code != CURLE_OK) {
            std::string reason = curl_easy_strerror(code);
            if (code == CURLE_HTTP_RETURNED_ERROR)
                reason = "the server answered HTTP " + std::to_string(status);
            throw DownloadError(spec.url + ": " + reason + " (partial download kept for resuming)");
        }
        complete = true;
    }
    if (!complete)
        throw DownloadError(spec.url +
                            ": the server does not support resuming and the download failed");

    const std::int64_t got = fileSize(part);
    if (spec.size > 0 && got != spec.size) {
        throw DownloadError(spec.url + ": received " + std::to_string(got) + " bytes, expected " +
                            std::to_string(spec.size) + " (run again to resume)");
    }
    if (!spec.md5.empty()) {
        const std::string md5 = md5OfFile(part.string());
        if (md5 != spec.md5) {
            fs::remove(part);
            throw DownloadError(spec.url + ": checksum mismatch (MD5 " + md5 + ", expected " +
                                spec.md5 + "); the corrupt download was deleted");
        }
    }
    fs::rename(part, dest);
}

void extractArchive(const std::string &archivePath, const std::string &destDir)
{
    std::unique_ptr<archive, int (*)(archive *)> reader(archive_read_new(), &archive_read_free);
    archive_read_support_filter_all(reader.get());
    archive_read_support_format_all(reader.get());
    if (archive_read_open_filename(reader.get(), archivePath.c_str(), 1 << 16) != ARCHIVE_OK)
        throw DownloadError(archivePath + ": " + archive_error_string(reader.get()));

    std::unique_ptr<archive, int (*)(archive *)> writer(archive_write_disk_new(),
                                                        &archive_write_free);
    // Entry names were checked above; the target path is absolute because it is under destDir.
    archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_TIME |
                                                         ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                         ARCHIVE_EXTRACT_SECURE_SYMLINKS);
    fs::create_directories(destDir);
    archive_entry *entry = nullptr;
    int status = ARCHIVE_OK;
    while ((status = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
        const std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
        if (!safeEntryPath(name))
            throw DownloadError(archivePath + ": refusing unsafe entry '" + name + "'");
        const auto type = archive_entry_filetype(entry);
        if (type != AE_IFREG && type != AE_IFDIR)
            throw DownloadError(archivePath + ": refusing entry '" + name +
                                "' (not a file or folder)");
        const std::string target = (fs::path(destDir) / name).string();
        archive_entry_set_pathname(entry, target.c_str());
        if (archive_write_header(writer.get(), entry) != ARCHIVE_OK)
            throw DownloadError(target + ": " + archive_error_string(writer.get()));
        const void *block = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        int r = ARCHIVE_OK;
        while ((r = archive_read_data_block(reader.get(), &block, &size, &offset)) == ARCHIVE_OK) {
            if (archive_write_data_block(writer.get(), block, size, offset) != ARCHIVE_OK)
                throw DownloadError(target + ": " + archive_error_string(writer.get()));
        }
        if (r != ARCHIVE_EOF)
            throw DownloadError(archivePath + ": damaged archive (" +
                                archive_error_string(reader.get()) + ")");
        archive_write_finish_entry(writer.get());
    }
    if (status != ARCHIVE_EOF)
        throw DownloadError(archivePath + ": damaged archive (" +
                            archive_error_string(reader.get()) + ")");
}

std::string cifar10ArchivePath(const std::string &dataDir)
{
    return (fs::path(dataDir) / "cifar-10-binary.tar.gz").string();
}

std::int64_t partialDownloadBytes(const std::string &dest)
{
    std::error_code error;
    const auto size = fs::file_size(dest + ".part", error);
    return error ? 0 : static_cast<std::int64_t>(size);
}

std::string downloadCifar10(const std::string &dataDir, const DownloadSpec &spec,
                            const DownloadProgressFn &progress)
{
    const std::string archivePath = cifar10ArchivePath(dataDir);
    if (!fs::exists(archivePath))
        downloadFile(spec, archivePath, progress);
    extractArchive(archivePath, dataDir);
    return (fs::path(dataDir) / "cifar-10-batches-bin").string();
}

std::string downloadCifar10(const std::string &dataDir, const std::string &url,
                            const DownloadProgressFn &progress)
{
    DownloadSpec spec = cifar10Archive();
    if (!url.empty())
        spec.url = url;
    return downloadCifar10(dataDir, spec, progress);
}

} // namespace normlab
