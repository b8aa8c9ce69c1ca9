/* The floor: a minimal ping-pong over a Unix stream socket. A forked echo server and a client
 * exchange fixed-size messages one at a time; prints round trips per second and latency
 * percentiles in microseconds, as `key=value` on one line.
 *
 *   cc -O2 -o pingpong pingpong.c && ./pingpong SIZE SECONDS
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int full_io(int fd, char *buf, size_t n, int writing) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = writing ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);
        if (r <= 0) { if (r < 0 && errno == EINTR) continue; return -1; }
        done += (size_t)r;
    }
    return 0;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    size_t size = argc > 1 ? (size_t)atol(argv[1]) : 128;
    double seconds = argc > 2 ? atof(argv[2]) : 3;
    char path[] = "/tmp/pingpong-XXXXXX";
    if (!mkdtemp(path)) { perror("mkdtemp"); return 1; }
    char sock_path[128];
    snprintf(sock_path, sizeof sock_path, "%s/s", path);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, sock_path, sizeof addr.sun_path - 1);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 1)) { perror("bind"); return 1; }
    pid_t child = fork();
    if (child == 0) {
        int c = accept(listener, NULL, NULL);
        char *buf = malloc(size);
        while (full_io(c, buf, size, 0) == 0 && full_io(c, buf, size, 1) == 0) {}
        _exit(0);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr)) { perror("connect"); return 1; }
    char *buf = calloc(1, size);
    size_t cap = 1 << 22, count = 0;
    double *lat = malloc(cap * sizeof(double));
    double warm_end = now() + 0.5, end = warm_end + seconds;
    for (;;) {
        double t0 = now();
        if (t0 >= end) break;
        if (full_io(fd, buf, size, 1) || full_io(fd, buf, size, 0)) { perror("io"); return 1; }
        double t1 = now();
        if (t0 >= warm_end && count < cap) lat[count++] = (t1 - t0) * 1e6;
    }
    close(fd);
    kill(child, SIGTERM);
    waitpid(child, NULL, 0);
    unlink(sock_path);
    rmdir(path);
    qsort(lat, count, sizeof(double), compare);
    printf("calls_per_second=%.0f p50_us=%.2f p99_us=%.2f calls=%zu\n", count / seconds, lat[count / 2], lat[(size_t)(count * 0.99)], count);
    return 0;
}
