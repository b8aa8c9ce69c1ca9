/*
 * faultfs: an LD_PRELOAD shim that makes the files under FAULTFS_DIR fail the way a failing disk
 * does, for the storage-fault tests. The mode is the first word of the file FAULTFS_CONTROL,
 * read at every call:
 *   none     everything passes through
 *   enospc   writes, syncs and truncations fail with ENOSPC (disk full)
 *   erofs    the same with EROFS (file system remounted read-only)
 *   eio      the same with EIO (I/O error)
 *   corrupt  reads of the database file itself (not its -wal or -shm) return flipped bytes
 * Built by the tests: cc -shared -fPIC -O1 -o faultfs.so faultfs.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static char mode(void) {
    const char *control = getenv("FAULTFS_CONTROL");
    if (!control) return 'n';
    static int (*real_open)(const char *, int, ...) = NULL;
    static ssize_t (*real_read)(int, void *, size_t) = NULL;
    if (!real_open) real_open = dlsym(RTLD_NEXT, "open");
    if (!real_read) real_read = dlsym(RTLD_NEXT, "read");
    int fd = real_open(control, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 'n';
    char word[16] = {0};
    ssize_t n = real_read(fd, word, sizeof word - 1);
    close(fd);
    if (n <= 0) return 'n';
    if (strncmp(word, "enospc", 6) == 0) return 's';
    if (strncmp(word, "erofs", 5) == 0) return 'r';
    if (strncmp(word, "eio", 3) == 0) return 'i';
    if (strncmp(word, "corrupt", 7) == 0) return 'c';
    return 'n';
}

/* 1: under FAULTFS_DIR; 2: and the database file itself (no -wal, -shm or -journal suffix). */
static int watched(int fd) {
    const char *dir = getenv("FAULTFS_DIR");
    if (!dir) return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return 0;
    path[n] = 0;
    size_t len = strlen(dir);
    if (strncmp(path, dir, len) != 0 || (path[len] != '/' && path[len] != 0)) return 0;
    const char *dash = strrchr(path, '-');
    const char *slash = strrchr(path, '/');
    return (dash && dash > slash) ? 1 : 2;
}

static int failing(int fd) {
    if (!watched(fd)) return 0;
    switch (mode()) {
    case 's': errno = ENOSPC; return 1;
    case 'r': errno = EROFS; return 1;
    case 'i': errno = EIO; return 1;
    default: return 0;
    }
}

typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef int (*sync_fn)(int);
typedef int (*truncate_fn)(int, off_t);
typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);

#define REAL(name, type) static type real_##name = NULL; if (!real_##name) real_##name = (type)dlsym(RTLD_NEXT, #name)

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    REAL(pwrite, pwrite_fn);
    if (failing(fd)) return -1;
    return real_pwrite(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) {
    REAL(pwrite64, pwrite_fn);
    if (failing(fd)) return -1;
    return real_pwrite64(fd, buf, count, offset);
}

ssize_t write(int fd, const void *buf, size_t count) {
    REAL(write, write_fn);
    if (failing(fd)) return -1;
    return real_write(fd, buf, count);
}

int fsync(int fd) {
    REAL(fsync, sync_fn);
    if (failing(fd)) return -1;
    return real_fsync(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync, sync_fn);
    if (failing(fd)) return -1;
    return real_fdatasync(fd);
}

int ftruncate(int fd, off_t length) {
    REAL(ftruncate, truncate_fn);
    if (failing(fd)) return -1;
    return real_ftruncate(fd, length);
}

int ftruncate64(int fd, off_t length) {
    REAL(ftruncate64, truncate_fn);
    if (failing(fd)) return -1;
    return real_ftruncate64(fd, length);
}

static ssize_t corrupted(int fd, void *buf, ssize_t n) {
    if (n > 0 && watched(fd) == 2 && mode() == 'c') {
        unsigned char *bytes = buf;
        for (ssize_t i = 0; i < n; i++) bytes[i] ^= 0xA5;
    }
    return n;
}

ssize_t pread(int fd, void *buf, size_t count, off_t offset) {
    REAL(pread, pread_fn);
    return corrupted(fd, buf, real_pread(fd, buf, count, offset));
}

ssize_t pread64(int fd, void *buf, size_t count, off_t offset) {
    REAL(pread64, pread_fn);
    return corrupted(fd, buf, real_pread64(fd, buf, count, offset));
}
