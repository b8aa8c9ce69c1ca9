/* The floor: a minimal ping-pong over a Unix stream socket. A forked server answers each
 * REQUEST_BYTES message with RESPONSE_BYTES, one at a time, with blocking read/write; prints
 * round trips per second and latency percentiles in microseconds as one JSON object.
 *
 *   cc -O2 -o pingpong pingpong.c && ./pingpong REQUEST_BYTES RESPONSE_BYTES SECONDS
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

/* The index of the p-th percentile by the nearest-rank rule: ceil(p * n) - 1, as the Swift
 * load tools compute it. */
static size_t nearest_rank(size_t n, double p) {
    size_t rank = (size_t)(p * (double)n);
    if ((double)rank < p * (double)n) rank += 1;
    return rank > 0 ? rank - 1 : 0;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 4 || atol(argv[1]) <= 0 || atol(argv[2]) <= 0 || atof(argv[3]) <= 0) {
        fprintf(stderr, "usage: %s REQUEST_BYTES RESPONSE_BYTES SECONDS\n", argv[0]);
        return 64;
    }
    size_t request = (size_t)atol(argv[1]), response = (size_t)atol(argv[2]);
    double seconds = atof(argv[3]);
    size_t size = request > response ? request : response;
    char path[] = "/tmp/pingpong-XXXXXX";
    if (!mkdtemp(path)) { perror("mkdtemp"); return 1; }
    char sock_path[128];
    snprintf(sock_path, sizeof sock_path, "%s/s", path);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    memcpy(addr.sun_path, sock_path, strlen(sock_path) + 1);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 1)) { perror("bind"); return 1; }
    pid_t child = fork();
    if (child == 0) {
        int c = accept(listener, NULL, NULL);
        char *buf = malloc(size);
        while (full_io(c, buf, request, 0) == 0 && full_io(c, buf, response, 1) == 0) {}
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
        if (full_io(fd, buf, request, 1) || full_io(fd, buf, response, 0)) { perror("io"); return 1; }
        double t1 = now();
        if (t0 >= warm_end && count < cap) lat[count++] = (t1 - t0) * 1e6;
    }
    close(fd);
    kill(child, SIGTERM);
    waitpid(child, NULL, 0);
    unlink(sock_path);
    rmdir(path);
    qsort(lat, count, sizeof(double), compare);
    if (count == 0) { fprintf(stderr, "no round trips measured\n"); return 1; }
    printf("{\"callsPerSecond\": %.0f, \"p50Micros\": %.2f, \"p99Micros\": %.2f, \"calls\": %zu, "
           "\"requestBytes\": %zu, \"responseBytes\": %zu}\n",
           count / seconds, lat[nearest_rank(count, 0.50)], lat[nearest_rank(count, 0.99)], count, request, response);
    return 0;
}
