/*
 * conn_load: short connections at fixed concurrency (one request per connection), for itests/bench/run.
 *
 *   conn_load ADDR PORT CONCURRENCY SECONDS [WARMUP_SECONDS [SOURCE/COUNT [REQ:RESP]]]
 *
 * Keeps CONCURRENCY connections in flight: connect (non-blocking), send one byte, read the one-byte reply,
 * read EOF (the server closes first), close, start the next. Latency = connect() call to reply byte read.
 * REQ:RESP (e.g. 50:128), HTTP-like: the request is REQ bytes "GET /RESP ..." and bench_server answers RESP bytes
 * and closes; latency = connect() call to the last byte (EOF), and a reply of another length is an error.
 * SOURCE/COUNT (IPv4, e.g. 198.19.0.1/254): the n-th connection binds to SOURCE + n % COUNT, so the
 * connections come from COUNT client addresses in turn (IP_BIND_ADDRESS_NO_PORT: the port is picked at connect).
 * Prints one line of key=value pairs:
 *   done=N rate=CONN_PER_S p50_us= p90_us= p99_us= max_us= errors=E (refused/reset/timeout) unfinished=U all=A
 * Connections completed during the warm-up are not counted in done/rate (all= counts them too). A connection
 * that makes no progress for 5 s is an error (timeout).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_addr.h"

#define MAX_SAMPLES (32u * 1024 * 1024)
#define STALL_NS (5000000000LL)

enum { CONNECTING = 1, WAIT_REPLY = 2, WAIT_EOF = 3 };

struct slot {
    int fd;
    int state;
    int64_t started;
    int64_t progress;
    long received;
};

static struct sockaddr_storage target;
static socklen_t target_len;
static int ep;
static uint32_t *samples;
static size_t nsamples;
static long errors, done_total, done_all;
static struct sockaddr_in source;
static int sources;
static unsigned long next_source;
static char request[4096] = "Q";
static size_t request_len = 1;
static long response_len = 1;   /* the bytes expected before EOF */
static int http_like;

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
    return x < y ? -1 : x > y;
}

static void start(struct slot *s, int index) {
    for (;;) {
        int fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) { perror("socket"); exit(1); }
        s->fd = fd;
        if (sources > 0) {
            int one = 1;
            struct sockaddr_in src = source;
            src.sin_addr.s_addr = htonl(ntohl(source.sin_addr.s_addr) + (uint32_t) (next_source++ % sources));
            setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            if (bind(fd, (struct sockaddr *) &src, sizeof src) < 0) { perror("bind"); exit(1); }
        }
        s->started = s->progress = now_ns();
        int r = connect(fd, (struct sockaddr *) &target, target_len);
        if (r < 0 && errno != EINPROGRESS) {
            errors++;
            close(fd);
            continue;
        }
        s->state = CONNECTING;
        s->received = 0;
        struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t) index};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        return;
    }
}

static void finish(struct slot *s, int index, int ok, int record) {
    close(s->fd);
    s->fd = -1;
    if (!ok) errors++;
    else {
        done_all++;
        if (record) done_total++;
    }
    (void) index;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: conn_load ADDR PORT CONCURRENCY SECONDS [WARMUP_SECONDS [SOURCE/COUNT]]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    target_len = parse_target(argv[1], argv[2], &target);
    if (target_len == 0) {
        fprintf(stderr, "conn_load: bad address %s\n", argv[1]);
        return 2;
    }
    int concurrency = atoi(argv[3]);
    double seconds = atof(argv[4]);
    double warmup = argc > 5 ? atof(argv[5]) : 0;
    if (argc > 6) {
        char spec[64];
        snprintf(spec, sizeof spec, "%s", argv[6]);
        char *slash = strchr(spec, '/');
        sources = slash ? atoi(slash + 1) : 1;
        if (slash) *slash = 0;
        source.sin_family = AF_INET;
        if (inet_pton(AF_INET, spec, &source.sin_addr) != 1 || sources < 1 || target.ss_family != AF_INET) {
            fprintf(stderr, "conn_load: bad SOURCE/COUNT %s (IPv4 only)\n", argv[6]);
            return 2;
        }
    }
    if (argc > 7) {
        long req = 0;
        if (sscanf(argv[7], "%ld:%ld", &req, &response_len) != 2 || req > (long) sizeof request
            || response_len < 1 || response_len > (1 << 20)) {
            fprintf(stderr, "conn_load: bad REQ:RESP %s (..4096 : 1..1048576)\n", argv[7]);
            return 2;
        }
        int head = snprintf(request, sizeof request, "GET /%ld HTTP/1.1\r\nHost: b\r\n", response_len);
        if (req < head + 4) {
            fprintf(stderr, "conn_load: a request of %ld bytes cannot say GET /%ld\n", req, response_len);
            return 2;
        }
        memset(request + head, 'x', req - head - 4);
        memcpy(request + req - 4, "\r\n\r\n", 4);
        request_len = (size_t) req;
        http_like = 1;
    }
    samples = malloc(MAX_SAMPLES * sizeof *samples);
    struct slot *slots = calloc(concurrency, sizeof *slots);
    if (!samples || !slots) { perror("malloc"); return 1; }
    ep = epoll_create1(EPOLL_CLOEXEC);

    int64_t t0 = now_ns();
    int64_t measure_from = t0 + (int64_t) (warmup * 1e9);
    int64_t end = measure_from + (int64_t) (seconds * 1e9);
    int64_t measured_end = end;
    long errors_at_warmup = -1;
    for (int i = 0; i < concurrency; i++) start(&slots[i], i);

    struct epoll_event events[1024];
    char buf[65536];
    int active = concurrency;
    int stopping = 0;
    int64_t last_sweep = t0;
    while (active > 0) {
        int n = epoll_wait(ep, events, 1024, 100);
        int64_t now = now_ns();
        if (errors_at_warmup < 0 && now >= measure_from) errors_at_warmup = errors;
        if (!stopping && now >= end) {
            stopping = 1;
            measured_end = now;
        }
        if (stopping && now >= end + 2000000000LL) break;
        for (int i = 0; i < n; i++) {
            int index = (int) events[i].data.u32;
            struct slot *s = &slots[index];
            if (s->fd < 0) continue;
            s->progress = now;
            int fail = 0, complete = 0;
            if (s->state == CONNECTING) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0 || (events[i].events & (EPOLLERR | EPOLLHUP))) {
                    fail = 1;
                } else if (write(s->fd, request, request_len) != (ssize_t) request_len) {
                    fail = 1;
                } else {
                    s->state = WAIT_REPLY;
                    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t) index};
                    epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
                }
            } else {
                for (;;) {
                    ssize_t got = read(s->fd, buf, sizeof buf);
                    if (got > 0) {
                        s->received += got;
                        if (s->state == WAIT_REPLY && !http_like) {
                            s->state = WAIT_EOF;
                            if (s->started >= measure_from && now <= end && nsamples < MAX_SAMPLES) {
                                int64_t us = (now - s->started) / 1000;
                                samples[nsamples++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t) us;
                            }
                        }
                        continue;
                    }
                    if (got == 0) {
                        if (http_like && s->received == response_len) {
                            complete = 1;
                            if (s->started >= measure_from && now <= end && nsamples < MAX_SAMPLES) {
                                int64_t us = (now - s->started) / 1000;
                                samples[nsamples++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t) us;
                            }
                        } else if (!http_like && s->state == WAIT_EOF) {
                            complete = 1;
                        } else {
                            fail = 1;
                        }
                    } else if (errno != EAGAIN) {
                        fail = 1;
                    }
                    break;
                }
            }
            if (fail || complete) {
                int record = s->started >= measure_from && now <= end;
                if (fail && now < measure_from) {
                    close(s->fd);
                    s->fd = -1;
                } else {
                    finish(s, index, complete, record);
                }
                if (stopping) active--;
                else start(s, index);
            }
        }
        if (now - last_sweep > 500000000LL) {
            last_sweep = now;
            for (int i = 0; i < concurrency; i++) {
                struct slot *s = &slots[i];
                if (s->fd >= 0 && now - s->progress > STALL_NS) {
                    finish(s, i, 0, 0);
                    if (stopping) active--;
                    else start(s, i);
                }
            }
        }
    }
    int unfinished = 0;
    for (int i = 0; i < concurrency; i++) {
        if (slots[i].fd >= 0) {
            unfinished++;
            close(slots[i].fd);
        }
    }
    double elapsed = (measured_end - measure_from) / 1e9;
    if (elapsed <= 0) elapsed = 1e-9;
    qsort(samples, nsamples, sizeof *samples, cmp_u32);
#define PCT(p) (nsamples ? samples[(size_t) ((p) * (nsamples - 1))] : 0)
    printf("done=%ld rate=%.1f p50_us=%u p90_us=%u p99_us=%u max_us=%u errors=%ld unfinished=%d samples=%zu all=%ld\n",
           done_total, done_total / elapsed, PCT(0.50), PCT(0.90), PCT(0.99), nsamples ? samples[nsamples - 1] : 0,
           errors - (errors_at_warmup < 0 ? 0 : errors_at_warmup), unfinished, nsamples, done_all);
    return 0;
}
