// Fetching and unpacking the official CIFAR-10 archive: resumable HTTP(S) download with libcurl,
// size and MD5 verification, and extraction with libarchive that refuses unsafe paths.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace normlab {

struct DownloadSpec
{
    std::string url;
    std::int64_t size = -1; // expected bytes, -1: unknown
    std::string md5; // expected lower-case hex digest, empty: not checked
};

// The official archive (from $NORMLAB_CIFAR10_URL when set: a mirror of the same file).
DownloadSpec cifar10Archive();

// Called with bytes received so far and the total (-1 if unknown); return false to cancel.
using DownloadProgressFn = std::function<bool(std::int64_t received, std::int64_t total)>;

// Downloads to `dest` through `dest.part`, resuming a .part left by an earlier attempt. Verifies
// size and MD5 before renaming into place. Throws DownloadError with the reason.
void downloadFile(const DownloadSpec &spec, const std::string &dest,
                  const DownloadProgressFn &progress = {});

std::string md5OfFile(const std::string &path);

// Extracts a (gzipped) tar archive into `destDir`. Entries with absolute paths, "..", links or
// device files are refused: a bad archive throws DownloadError before writing outside destDir.
void extractArchive(const std::string &archivePath, const std::string &destDir);

// Downloads (if needed) and extracts CIFAR-10 into `dataDir`; returns the folder holding the .bin
// files. `url` overrides the official address (mirrors, tests).
std::string downloadCifar10(const std::string &dataDir, const std::string &url = {},
                            const DownloadProgressFn &progress = {});
// The same from any source described by `spec` (its size and MD5 checked).
std::string downloadCifar10(const std::string &dataDir, const DownloadSpec &spec,
                            const DownloadProgressFn &progress);

// Where downloadCifar10() keeps the archive in `dataDir`.
std::string cifar10ArchivePath(const std::string &dataDir);

// Bytes of an interrupted download of `dest` already on disk (its .part file); 0 if none.
std::int64_t partialDownloadBytes(const std::string &dest);

} // namespace normlab
