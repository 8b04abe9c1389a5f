// A disk that fills up, for the fault-injection tests: loaded with LD_PRELOAD into normlab-cli, it
// passes every write and sync to files whose path contains NORMLAB_FAULT_PATH through until
// NORMLAB_FAULT_AFTER of them have succeeded, and fails every later one with NORMLAB_FAULT_ERRNO
// (ENOSPC unless "EIO"), as a full or failing disk does. With NORMLAB_FAULT_TRACE set it fails
// nothing and appends one line per call ("<call> <path>") to that file, so that a test can choose
// the call at which the disk fills.
//
// The calls are the ones a program reaches through the dynamic linker: write, pwrite, pwrite64,
// writev, pwritev, fsync and fdatasync. That covers SQLite (pwrite64 and fdatasync), libstdc++'s
// file streams (write) and stdio's files at their fsync (glibc's fwrite and fflush call write
// internally, past any shim).
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

namespace {

struct Fault
{
    const char *path = nullptr;
    long after = -1;
    int error = ENOSPC;
    int traceFd = -1;
};

std::atomic<long> g_calls {0};

Fault &fault()
{
    static Fault f = [] {
        Fault f;
        f.path = std::getenv("NORMLAB_FAULT_PATH");
        if (const char *after = std::getenv("NORMLAB_FAULT_AFTER"))
            f.after = std::strtol(after, nullptr, 10);
        if (const char *error = std::getenv("NORMLAB_FAULT_ERRNO"))
            f.error = std::strcmp(error, "EIO") == 0 ? EIO : ENOSPC;
        if (const char *trace = std::getenv("NORMLAB_FAULT_TRACE"))
            f.traceFd = static_cast<int>(
                    ::syscall(SYS_openat, AT_FDCWD, trace, O_WRONLY | O_CREAT | O_APPEND, 0644));
        return f;
    }();
    return f;
}

// True when this call is to fail; counts and traces the calls to the faulty disk.
bool failsNow(int fd, const char *call)
{
    Fault &f = fault();
    if (!f.path || fd < 0)
        return false;
    char link[64];
    char path[PATH_MAX];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t n = ::readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return false;
    path[n] = '\0';
    if (!std::strstr(path, f.path))
        return false;
    if (f.traceFd >= 0) {
        char line[PATH_MAX + 32];
        const int length = std::snprintf(line, sizeof line, "%s %s\n", call, path);
        ::syscall(SYS_write, f.traceFd, line, static_cast<size_t>(length));
        return false;
    }
    return f.after >= 0 && g_calls++ >= f.after;
}

template<typename F> F real(const char *name)
{
    return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

} // namespace

extern "C" {

ssize_t write(int fd, const void *data, size_t size)
{
    static auto next = real<ssize_t (*)(int, const void *, size_t)>("write");
    if (failsNow(fd, "write")) {
        errno = fault().error;
        return -1;
    }
    return next(fd, data, size);
}

ssize_t pwrite(int fd, const void *data, size_t size, off_t offset)
{
    static auto next = real<ssize_t (*)(int, const void *, size_t, off_t)>("pwrite");
    if (failsNow(fd, "pwrite")) {
        errno = fault().error;
        return -1;
    }
    return next(fd, data, size, offset);
}

ssize_t pwrite64(int fd, const void *data, size_t size, off64_t offset)
{
    static auto next = real<ssize_t (*)(int, const void *, size_t, off64_t)>("pwrite64");
    if (failsNow(fd, "pwrite64")) {
        errno = fault().error;
        return -1;
    }
    return next(fd, data, size, offset);
}

ssize_t writev(int fd, const struct iovec *iov, int count)
{
    static auto next = real<ssize_t (*)(int, const struct iovec *, int)>("writev");
    if (failsNow(fd, "writev")) {
        errno = fault().error;
        return -1;
    }
    return next(fd, iov, count);
}

ssize_t pwritev(int fd, const struct iovec *iov, int count, off_t offset)
{
    static auto next = real<ssize_t (*)(int, const struct iovec *, int, off_t)>("pwritev");
    if (failsNow(fd, "pwritev")) {
        errno = fault().error;
        return -1;
    }
    return next(fd, iov, count, offset);
}

int fsync(int fd)
{
    static auto next = real<int (*)(int)>("fsync");
    if (failsNow(fd, "fsync")) {
        errno = fault().error;
        return -1;
    }
    return next(fd);
}

int fdatasync(int fd)
{
    static auto next = real<int (*)(int)>("fdatasync");
    if (failsNow(fd, "fdatasync")) {
        errno = fault().error;
        return -1;
    }
    return next(fd);
}

} // extern "C"
