/*
 * conn_hold: many concurrent idle connections, for itests/bench/run.
 *
 *   conn_hold ADDR PORT COUNT [IN_FLIGHT] [TIMEOUT_SECONDS]
 *
 * Opens COUNT connections to an echo server, at most IN_FLIGHT (default 256) being set up at once. A
 * connection counts as established once one byte made the round trip (so through a proxy both of its sockets
 * exist). Then prints
 *   established=N failed=F seconds=S
 * and READY, and holds every established connection, idle, until SIGTERM or SIGINT.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
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

enum { FREE = 0, CONNECTING = 1, WAIT_ECHO = 2, ESTABLISHED = 3, FAILED = 4 };

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void) sig; stop = 1; }

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: conn_hold ADDR PORT COUNT [IN_FLIGHT] [TIMEOUT_SECONDS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_storage target;
    socklen_t target_len = parse_target(argv[1], argv[2], &target);
    if (target_len == 0) {
        fprintf(stderr, "conn_hold: bad address %s\n", argv[1]);
        return 2;
    }
    int count = atoi(argv[3]);
    int in_flight_max = argc > 4 ? atoi(argv[4]) : 256;
    double timeout = argc > 5 ? atof(argv[5]) : 60;
    int *fds = malloc(count * sizeof *fds);
    unsigned char *state = calloc(count, 1);
    if (!fds || !state) { perror("malloc"); return 1; }
    int ep = epoll_create1(EPOLL_CLOEXEC);

    double t0 = now_s();
    int next = 0, in_flight = 0, established = 0, failed = 0;
    struct epoll_event events[1024];
    char buf[64];
    while (established + failed < count && now_s() - t0 < timeout) {
        while (next < count && in_flight < in_flight_max) {
            int i = next++;
            int fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) { state[i] = FAILED; failed++; continue; }
            if (connect(fd, (struct sockaddr *) &target, target_len) < 0 && errno != EINPROGRESS) {
                close(fd);
                state[i] = FAILED;
                failed++;
                continue;
            }
            fds[i] = fd;
            state[i] = CONNECTING;
            in_flight++;
            struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t) i};
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        int n = epoll_wait(ep, events, 1024, 100);
        for (int k = 0; k < n; k++) {
            int i = (int) events[k].data.u32;
            int fd = fds[i];
            int fail = 0;
            if (state[i] == CONNECTING) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err || (events[k].events & (EPOLLERR | EPOLLHUP)) || write(fd, "x", 1) != 1) {
                    fail = 1;
                } else {
                    state[i] = WAIT_ECHO;
                    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t) i};
                    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
                }
            } else if (state[i] == WAIT_ECHO) {
                ssize_t got = read(fd, buf, sizeof buf);
                if (got > 0) {
                    state[i] = ESTABLISHED;
                    established++;
                    in_flight--;
                    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                } else if (got == 0 || errno != EAGAIN) {
                    fail = 1;
                }
            }
            if (fail) {
                close(fd);
                state[i] = FAILED;
                failed++;
                in_flight--;
            }
        }
    }
    double took = now_s() - t0;
    int pending = count - established - failed;
    printf("established=%d failed=%d pending=%d seconds=%.2f\nREADY\n", established, failed, pending, took);
    fflush(stdout);

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    while (!stop) {
        poll(NULL, 0, 1000);
    }
    /* exit closes everything; established connections end with FIN */
    return 0;
}
