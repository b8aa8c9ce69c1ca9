/* wpload: a load generator for webprofiled in the manner of redis-benchmark, so that the
 * server's cost is measured apart from any client library. One thread, epoll, N connections
 * to the API socket, each keeping M calls in flight. Every call sends the same pre-encoded
 * REQUEST frame (Session/Authorize, Session/AuthorizeMany or Session/ListAuthorizedLines) with
 * its stream id rewritten;
 * latency is measured per call by stream id, from the write that sent it to the read that
 * brought its RESPONSE. Prints one JSON object: calls per second and latency percentiles.
 *
 *   cc -O2 -o wpload wpload.c
 *   ./wpload --socket PATH --token TOKEN [--method Authorize|AuthorizeMany|ListAuthorizedLines]
 *            [--permission P] [--line MSISDN]... [--checks K] [--page-size N] [--connections N]
 *            [--inflight M] [--duration SECONDS] [--warmup SECONDS] [--tokens-file PATH]
 *
 * AuthorizeMany sends K checks of the permission, going round the --line values given.
 * With --tokens-file (one session token per line, instead of --token), the calls go round the
 * tokens, one pre-encoded frame each: every call another session, as a portal's many users.
 *
 * Frames (Protocol/PROTOCOL.md §2): u32 length (of what follows it), u8 kind, u8 flags,
 * u16 status, u32 stream id, then the CBOR payload. The HELLO and REQUEST payloads are
 * written here with a small CBOR writer (definite lengths, shortest heads).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { KIND_HELLO = 1, KIND_REQUEST = 2, KIND_RESPONSE = 3, KIND_GOAWAY = 7 };
enum { MAX_INFLIGHT = 1024, MAX_CONNECTIONS = 4096, HEADER = 12 };
/* Latency histogram: 0.1 µs buckets up to 1 s, then one overflow bucket. */
enum { BUCKETS = 10000000 };

struct buf { uint8_t *p; size_t n, cap; };

static void put(struct buf *b, const void *data, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) { perror("realloc"); exit(1); }
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void cbor_head(struct buf *b, uint8_t major, uint64_t v) {
    uint8_t h[9];
    if (v < 24) { h[0] = (uint8_t)(major << 5 | v); put(b, h, 1); }
    else if (v <= 0xff) { h[0] = (uint8_t)(major << 5 | 24); h[1] = (uint8_t)v; put(b, h, 2); }
    else if (v <= 0xffff) { h[0] = (uint8_t)(major << 5 | 25); h[1] = (uint8_t)(v >> 8); h[2] = (uint8_t)v; put(b, h, 3); }
    else { h[0] = (uint8_t)(major << 5 | 26); for (int i = 0; i < 4; i++) h[1 + i] = (uint8_t)(v >> (24 - 8 * i)); put(b, h, 5); }
}

static void cbor_text(struct buf *b, const char *s) { cbor_head(b, 3, strlen(s)); put(b, s, strlen(s)); }

static void frame(struct buf *out, uint8_t kind, uint32_t stream, const struct buf *payload) {
    uint32_t length = (uint32_t)(8 + payload->n);
    uint8_t h[HEADER] = {(uint8_t)(length >> 24), (uint8_t)(length >> 16), (uint8_t)(length >> 8), (uint8_t)length, kind, 0, 0, 0,
                         (uint8_t)(stream >> 24), (uint8_t)(stream >> 16), (uint8_t)(stream >> 8), (uint8_t)stream};
    put(out, h, HEADER);
    put(out, payload->p, payload->n);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct connection {
    int fd;
    int ready;                      /* HELLO answered */
    uint32_t generation[MAX_INFLIGHT];
    uint64_t sent_at[MAX_INFLIGHT];
    int free_slots[MAX_INFLIGHT];
    int free_count;
    struct buf in;
    struct buf out;
};

static uint32_t *histogram;
static uint64_t calls, errors;
static const char *first_error;
static char first_error_text[512];

static void usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s --socket PATH (--token TOKEN | --tokens-file PATH) [--method Authorize|AuthorizeMany|ListAuthorizedLines]\n"
            "          [--permission P] [--line MSISDN] [--checks K] [--page-size N] [--connections N] [--inflight M]\n"
            "          [--duration SECONDS] [--warmup SECONDS]\n",
            argv0);
    exit(64);
}

static double percentile(uint64_t total, double p) {
    uint64_t rank = (uint64_t)(p * (double)total);
    if ((double)rank < p * (double)total) rank++;
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i <= BUCKETS; i++) {
        seen += histogram[i];
        if (seen >= rank) return (double)i / 10.0;
    }
    return (double)BUCKETS / 10.0;
}

int main(int argc, char **argv) {
    const char *socket_path = NULL, *token = NULL, *method = "Authorize", *permission = "line.manage", *line = NULL;
    const char *tokens_file = NULL;
    /* --line may repeat: AuthorizeMany's checks go round them. */
    const char *lines_given[1000];
    int line_count = 0;
    long connections = 1, inflight = 1, checks = 10, page_size = 500;
    double duration = 5, warmup = 1;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) usage(argv[0]);
        const char *name = argv[i], *value = argv[++i];
        if (!strcmp(name, "--socket")) socket_path = value;
        else if (!strcmp(name, "--token")) token = value;
        else if (!strcmp(name, "--tokens-file")) tokens_file = value;
        else if (!strcmp(name, "--method")) method = value;
        else if (!strcmp(name, "--permission")) permission = value;
        else if (!strcmp(name, "--line")) {
            if (line_count == 1000) usage(argv[0]);
            line = lines_given[line_count++] = value;
        }
        else if (!strcmp(name, "--checks")) checks = atol(value);
        else if (!strcmp(name, "--page-size")) page_size = atol(value);
        else if (!strcmp(name, "--connections")) connections = atol(value);
        else if (!strcmp(name, "--inflight")) inflight = atol(value);
        else if (!strcmp(name, "--duration")) duration = atof(value);
        else if (!strcmp(name, "--warmup")) warmup = atof(value);
        else usage(argv[0]);
    }
    int many = !strcmp(method, "AuthorizeMany"), lines = !strcmp(method, "ListAuthorizedLines");
    if (!socket_path || (!token == !tokens_file) || (!many && !lines && strcmp(method, "Authorize")) || connections < 1 || connections > MAX_CONNECTIONS ||
        inflight < 1 || inflight > MAX_INFLIGHT || duration <= 0 || warmup < 0 || checks < 1 || checks > 1000 || page_size < 1 ||
        page_size > 500)
        usage(argv[0]);

    /* The frames every connection sends. */
    struct buf hello = {0}, helloframe = {0};
    cbor_head(&hello, 5, 4);
    cbor_text(&hello, "protocol"); cbor_text(&hello, "webprofiles");
    cbor_text(&hello, "version"); cbor_head(&hello, 0, 1);
    cbor_text(&hello, "peer"); cbor_text(&hello, "wpload/1.0");
    cbor_text(&hello, "maxFrameBytes"); cbor_head(&hello, 0, 1 << 20);
    frame(&helloframe, KIND_HELLO, 0, &hello);
    /* The tokens: --token, or every line of --tokens-file. */
    char **tokens = NULL;
    size_t token_count = 0;
    if (tokens_file) {
        FILE *file = fopen(tokens_file, "r");
        if (!file) { fprintf(stderr, "wpload: cannot read %s: %s\n", tokens_file, strerror(errno)); return 66; }
        char text[1024];
        size_t capacity = 0;
        while (fgets(text, sizeof text, file)) {
            size_t n = strcspn(text, "\r\n");
            text[n] = 0;
            if (n == 0) continue;
            if (token_count == capacity) {
                capacity = capacity * 2 + 1024;
                tokens = realloc(tokens, capacity * sizeof *tokens);
                if (!tokens) { perror("realloc"); return 1; }
            }
            tokens[token_count++] = strdup(text);
        }
        fclose(file);
        if (token_count == 0) { fprintf(stderr, "wpload: %s holds no token\n", tokens_file); return 65; }
    } else {
        tokens = malloc(sizeof *tokens);
        tokens[0] = (char *)token;
        token_count = 1;
    }
    /* One REQUEST frame per token. */
    struct buf *templates = calloc(token_count, sizeof *templates);
    if (!templates) { perror("calloc"); return 1; }
    for (size_t t = 0; t < token_count; t++) {
    char bearer[1024];
    snprintf(bearer, sizeof bearer, "Bearer %s", tokens[t]);
    struct buf request = {0};
    char full_method[128];
    snprintf(full_method, sizeof full_method, "webprofiles.v1.Session/%s", method);
    cbor_head(&request, 5, 3);
    cbor_text(&request, "method"); cbor_text(&request, full_method);
    cbor_text(&request, "metadata"); cbor_head(&request, 5, 1); cbor_text(&request, "authorization"); cbor_text(&request, bearer);
    cbor_text(&request, "message");
    if (lines) {
        cbor_head(&request, 5, 2);
        cbor_text(&request, "permission"); cbor_text(&request, permission);
        cbor_text(&request, "pageSize"); cbor_head(&request, 0, (uint64_t)page_size);
    } else if (many) {
        cbor_head(&request, 5, 1);
        cbor_text(&request, "checks");
        cbor_head(&request, 4, (uint64_t)checks);
        for (long c = 0; c < checks; c++) {
            cbor_head(&request, 5, line ? 2 : 1);
            cbor_text(&request, "permission"); cbor_text(&request, permission);
            if (line) { cbor_text(&request, "line"); cbor_text(&request, lines_given[c % line_count]); }
        }
    } else {
        cbor_head(&request, 5, line ? 2 : 1);
        cbor_text(&request, "permission"); cbor_text(&request, permission);
        if (line) { cbor_text(&request, "line"); cbor_text(&request, line); }
    }
    frame(&templates[t], KIND_REQUEST, 0, &request);
    free(request.p);
    }
    size_t next_template = 0;

    histogram = calloc(BUCKETS + 1, sizeof *histogram);
    struct connection *conns = calloc((size_t)connections, sizeof *conns);
    if (!histogram || !conns) { perror("calloc"); return 1; }
    int epoll = epoll_create1(0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof addr.sun_path) { fprintf(stderr, "wpload: socket path too long\n"); return 64; }
    strcpy(addr.sun_path, socket_path);
    for (long c = 0; c < connections; c++) {
        struct connection *k = &conns[c];
        k->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (k->fd < 0 || connect(k->fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
            fprintf(stderr, "wpload: cannot connect to %s: %s\n", socket_path, strerror(errno));
            return 69;
        }
        if (write(k->fd, helloframe.p, helloframe.n) != (ssize_t)helloframe.n) { perror("write hello"); return 1; }
        fcntl(k->fd, F_SETFL, O_NONBLOCK);
        for (int s = 0; s < inflight; s++) k->free_slots[k->free_count++] = s;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)c};
        epoll_ctl(epoll, EPOLL_CTL_ADD, k->fd, &ev);
    }

    uint64_t started = now_ns();
    uint64_t record_from = started + (uint64_t)(warmup * 1e9);
    uint64_t stop_at = record_from + (uint64_t)(duration * 1e9);
    uint64_t recorded_calls = 0, overflow = 0;
    struct epoll_event events[256];
    int stopping = 0;
    for (;;) {
        uint64_t t = now_ns();
        if (t >= stop_at) stopping = 1;
        int pending = 0;
        for (long c = 0; c < connections && !pending; c++) pending = conns[c].free_count < inflight || !conns[c].ready;
        if (stopping && !pending) break;
        int n = epoll_wait(epoll, events, 256, 1000);
        if (n < 0) { if (errno == EINTR) continue; perror("epoll_wait"); return 1; }
        if (n == 0 && stopping) break;
        for (int e = 0; e < n; e++) {
            struct connection *k = &conns[events[e].data.u64];
            for (;;) {
                if (k->in.cap - k->in.n < 65536) {
                    k->in.cap = k->in.cap * 2 + 65536;
                    k->in.p = realloc(k->in.p, k->in.cap);
                }
                ssize_t r = read(k->fd, k->in.p + k->in.n, k->in.cap - k->in.n);
                if (r < 0 && (errno == EAGAIN || errno == EINTR)) break;
                if (r <= 0) { fprintf(stderr, "wpload: the server closed a connection\n"); return 1; }
                k->in.n += (size_t)r;
                if ((size_t)r < 65536) break;
            }
            uint64_t arrived = now_ns();
            size_t at = 0;
            while (k->in.n - at >= 4) {
                uint32_t length = be32(k->in.p + at);
                if (k->in.n - at < 4 + (size_t)length) break;
                uint8_t *f = k->in.p + at;
                uint8_t kind = f[4];
                uint16_t status = (uint16_t)(f[6] << 8 | f[7]);
                uint32_t stream = be32(f + 8);
                if (kind == KIND_HELLO) {
                    k->ready = 1;
                } else if (kind == KIND_RESPONSE && stream > 0) {
                    int slot = (int)((stream - 1) % (uint32_t)inflight);
                    if (status != 0) {
                        errors++;
                        if (!first_error) {
                            size_t m = length - 8 < sizeof first_error_text - 1 ? length - 8 : sizeof first_error_text - 1;
                            for (size_t i = 0; i < m; i++) first_error_text[i] = (f[12 + i] >= 32 && f[12 + i] < 127) ? (char)f[12 + i] : '.';
                            first_error = first_error_text;
                        }
                    }
                    if (k->sent_at[slot] >= record_from && k->sent_at[slot] < stop_at) {
                        uint64_t tenths = (arrived - k->sent_at[slot]) / 100;
                        if (tenths >= BUCKETS) { tenths = BUCKETS; overflow++; }
                        histogram[tenths]++;
                        recorded_calls++;
                    }
                    calls++;
                    k->free_slots[k->free_count++] = slot;
                } else if (kind == KIND_GOAWAY) {
                    fprintf(stderr, "wpload: the server sent GOAWAY (status %u)\n", status);
                    return 1;
                }
                at += 4 + (size_t)length;
            }
            memmove(k->in.p, k->in.p + at, k->in.n - at);
            k->in.n -= at;
            /* Refill: one write for every call this read completed. */
            if (k->ready && !stopping) {
                uint64_t sent = now_ns();
                k->out.n = 0;
                while (k->free_count > 0) {
                    int slot = k->free_slots[--k->free_count];
                    uint32_t stream = (uint32_t)slot + 1 + (uint32_t)inflight * ++k->generation[slot];
                    if (stream > 0x7fffffff) { k->generation[slot] = 0; stream = (uint32_t)slot + 1; }
                    size_t offset = k->out.n;
                    const struct buf *template = &templates[next_template++ % token_count];
                    put(&k->out, template->p, template->n);
                    uint8_t *h = k->out.p + offset + 8;
                    h[0] = (uint8_t)(stream >> 24); h[1] = (uint8_t)(stream >> 16); h[2] = (uint8_t)(stream >> 8); h[3] = (uint8_t)stream;
                    k->sent_at[slot] = sent;
                }
                size_t done = 0;
                while (done < k->out.n) {
                    ssize_t w = write(k->fd, k->out.p + done, k->out.n - done);
                    if (w < 0 && errno == EINTR) continue;
                    if (w < 0 && errno == EAGAIN) {
                        /* The kernel buffer is full: wait for it (rare: M frames are small). */
                        struct timespec pause = {0, 10000};
                        nanosleep(&pause, NULL);
                        continue;
                    }
                    if (w < 0) { perror("write"); return 1; }
                    done += (size_t)w;
                }
            }
        }
    }
    double seconds = (double)(stop_at - record_from) / 1e9;
    if (recorded_calls == 0) { fprintf(stderr, "wpload: no call completed in the measured window\n"); return 1; }
    printf("{\"method\": \"%s\", \"connections\": %ld, \"inflight\": %ld, \"checks\": %ld, \"seconds\": %.3f, \"calls\": %llu, "
           "\"errors\": %llu, \"callsPerSecond\": %.1f, \"p50Micros\": %.1f, \"p90Micros\": %.1f, \"p99Micros\": %.1f, "
           "\"p999Micros\": %.1f, \"overflow\": %llu, \"requestBytes\": %zu, \"allCalls\": %llu",
           method, connections, inflight, many ? checks : 1, seconds, (unsigned long long)recorded_calls,
           (unsigned long long)errors, (double)recorded_calls / seconds, percentile(recorded_calls, 0.50), percentile(recorded_calls, 0.90),
           percentile(recorded_calls, 0.99), percentile(recorded_calls, 0.999), (unsigned long long)overflow, templates[0].n,
           (unsigned long long)calls);
    if (first_error) {
        printf(", \"firstError\": \"");
        for (const char *c = first_error; *c; c++) if (*c != '"' && *c != '\\') putchar(*c);
        printf("\"");
    }
    printf("}\n");
    return errors ? 2 : 0;
}
