/*
 * stall_clients: many connections whose reader never reads, for StalledReadersIT.
 *
 *   stall_clients TARGET PORT COUNT RCVBUF SOURCE...
 *
 * Opens COUNT non-blocking connections to TARGET:PORT, taking the source addresses in turn, each with
 * SO_RCVBUF set to RCVBUF before connecting (so its window stays small), at most 256 being set up at once.
 * Never reads. Prints "connected=N failed=F seconds=S" and "READY" once every connection is up or failed, then
 * holds them. Each line "check" on stdin is answered with "open=N queued=Q": connections without an error, a
 * reset or a FIN from the proxy, and those with bytes waiting unread. End of stdin (or SIGTERM) closes every
 * connection at once: with unread bytes queued, the kernel answers each close with a reset.
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
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "open_files.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Opens one connection from SOURCE; returns the descriptor (connect in progress) or -1. */
static int open_one(const struct sockaddr_in *source, const struct sockaddr_in *target, int rcvbuf) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *) source, sizeof *source) < 0
            || (connect(fd, (const struct sockaddr *) target, sizeof *target) < 0 && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

static void report(const int *fds, int count) {
    int open = 0, queued = 0;
    for (int i = 0; i < count; i++) {
        if (fds[i] < 0) continue;
        struct pollfd p = {.fd = fds[i], .events = POLLRDHUP};
        if (poll(&p, 1, 0) == 0 || (p.revents & (POLLRDHUP | POLLERR | POLLHUP)) == 0) open++;
        int waiting = 0;
        if (ioctl(fds[i], FIONREAD, &waiting) == 0 && waiting > 0) queued++;
    }
    printf("open=%d queued=%d\n", open, queued);
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: stall_clients TARGET PORT COUNT RCVBUF SOURCE...\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    raise_open_files(16384);
    struct sockaddr_in target = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &target.sin_addr) != 1) {
        fprintf(stderr, "stall_clients: bad target %s\n", argv[1]);
        return 2;
    }
    int count = atoi(argv[3]), rcvbuf = atoi(argv[4]), sources = argc - 5;
    struct sockaddr_in *source = calloc(sources, sizeof *source);
    int *fds = malloc(count * sizeof *fds);
    if (!source || !fds) { perror("malloc"); return 1; }
    for (int s = 0; s < sources; s++) {
        source[s].sin_family = AF_INET;
        if (inet_pton(AF_INET, argv[5 + s], &source[s].sin_addr) != 1) {
            fprintf(stderr, "stall_clients: bad source %s\n", argv[5 + s]);
            return 2;
        }
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    double t0 = now_s();
    int next = 0, in_flight = 0, connected = 0, failed = 0;
    struct epoll_event events[256];
    while (connected + failed < count && now_s() - t0 < 120) {
        while (next < count && in_flight < 256) {
            int i = next++;
            fds[i] = open_one(&source[i % sources], &target, rcvbuf);
            if (fds[i] < 0) { failed++; continue; }
            struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t) i};
            epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
            in_flight++;
        }
        int n = epoll_wait(ep, events, 256, 100);
        for (int k = 0; k < n; k++) {
            int i = (int) events[k].data.u32, err = 0;
            socklen_t len = sizeof err;
            getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &err, &len);
            epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
            in_flight--;
            if (err || (events[k].events & (EPOLLERR | EPOLLHUP))) {
                close(fds[i]);
                fds[i] = -1;
                failed++;
            } else {
                connected++;
            }
        }
    }
    printf("connected=%d failed=%d seconds=%.2f\nREADY\n", connected, failed + (count - connected - failed), now_s() - t0);
    fflush(stdout);

    char line[64];
    while (fgets(line, sizeof line, stdin)) {
        if (strncmp(line, "check", 5) == 0) report(fds, count);
    }
    /* exit closes every connection */
    return 0;
}
