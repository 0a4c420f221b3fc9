/*
 * bench_server: the server side of itests/bench/run (runs in the lab's server namespace).
 *
 *   bench_server RR_PORT ECHO_PORT [RR_PORT...]
 *
 * RR_PORT   request/reply, one request per connection: reads the request, writes one byte ('R') and closes; an
 *           HTTP-like request "GET /N ..." (conn_load's REQ:RESP mode) gets N bytes instead (at most 1 MiB)
 *           (the server closes first, as an HTTP/1.0 server does, so TIME_WAIT stays on the server side and
 *           the client can reuse its ports at once). More request/reply ports may follow the echo port: the
 *           short-connection test gives each peer its own server port, so the router can steer each to its peer.
 * ECHO_PORT echoes whatever arrives, closes on EOF (for the idle-connections test: a connection counts as
 *           established once a byte made the round trip client -> server -> client).
 *
 * One thread, one epoll, level-triggered, IPv4 and IPv6 (dual-stack sockets). No allocation per connection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define RR_LISTENER (-1)
#define ECHO_LISTENER (-2)
#define MAX_FD 65536

static unsigned char kind[MAX_FD]; /* 1 = rr connection, 2 = echo connection */

static int listen_on(int port) {
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { perror("socket"); exit(1); }
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    struct sockaddr_in6 a = {0};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = in6addr_any;
    if (bind(fd, (struct sockaddr *) &a, sizeof a) < 0) { perror("bind"); exit(1); }
    if (listen(fd, 65535) < 0) { perror("listen"); exit(1); }
    return fd;
}

static char response[1 << 20];

/* The whole reply before the close (the server closes first, like HTTP with Connection: close): a reply larger than
 * the socket's send buffer is finished blocking, which on these veth links takes microseconds. */
static void reply(int fd, long size) {
    long off = 0;
    int blocking = 0;
    while (off < size) {
        ssize_t w = write(fd, response + off, size - off);
        if (w > 0) {
            off += w;
        } else if (w < 0 && errno == EAGAIN && !blocking) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            blocking = 1;
        } else if (!(w < 0 && errno == EINTR)) {
            return;
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_server RR_PORT ECHO_PORT [RR_PORT...]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (int i = 1; i < argc; i++) {
        int listener = listen_on(atoi(argv[i]));
        struct epoll_event ev = {.events = EPOLLIN};
        ev.data.u64 = ((uint64_t) (uint32_t) (i == 2 ? ECHO_LISTENER : RR_LISTENER) << 32) | (uint32_t) listener;
        epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
        printf("bench_server: listening on %s (%s)\n", argv[i], i == 2 ? "echo" : "request/reply");
    }
    fflush(stdout);

    struct epoll_event events[512];
    char buf[65536];
    for (;;) {
        int n = epoll_wait(ep, events, 512, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            int tag = (int) (events[i].data.u64 >> 32);
            int fd = (int) (uint32_t) events[i].data.u64;
            if (tag == RR_LISTENER || tag == ECHO_LISTENER) {
                for (int k = 0; k < 256; k++) {
                    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (c < 0) break;
                    if (c >= MAX_FD) { close(c); continue; }
                    kind[c] = tag == RR_LISTENER ? 1 : 2;
                    struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP};
                    cev.data.u64 = (uint32_t) c;
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) < 0) close(c);
                }
                continue;
            }
            ssize_t got = read(fd, buf, sizeof buf);
            if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (got <= 0) { close(fd); continue; }
            if (kind[fd] == 1) {
                /* "GET /N ..." (conn_load's HTTP-like request): N bytes back; anything else: one byte */
                long size = 1;
                if (got > 5 && memcmp(buf, "GET /", 5) == 0) {
                    size = strtol(buf + 5, NULL, 10);
                    if (size < 1 || size > (long) sizeof response) size = 1;
                }
                /* drain the rest of the request, if any, so close() sends FIN rather than RST */
                while (read(fd, buf, sizeof buf) > 0) {}
                reply(fd, size);
                close(fd);
            } else {
                ssize_t off = 0;
                while (off < got) {
                    ssize_t w = write(fd, buf + off, got - off);
                    if (w <= 0) break; /* echo traffic here is one byte at a time: never blocks */
                    off += w;
                }
            }
        }
    }
}
