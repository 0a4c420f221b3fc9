/*
 * push_server: a server that writes to every connection as fast as each one takes, for StalledReadersIT.
 *
 *   push_server ADDR PORT SNDBUF
 *
 * Accepts on ADDR:PORT (IPv4); every accepted connection gets SO_SNDBUF=SNDBUF (so the lab's own kernel memory
 * stays small: the proxy's is what is measured) and is written to whenever it can take bytes, never read.
 * A connection that fails or ends is closed. Prints "READY" once listening; exits when stdin ends.
 * One thread, one epoll, edge-triggered writes: a stalled connection costs nothing until its window opens.
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
#include <unistd.h>

#include "open_files.h"

static char chunk[65536];

/* Writes until the socket would block; returns 0 when the connection is done for (error or reset). */
static int push(int fd) {
    for (;;) {
        ssize_t n = send(fd, chunk, sizeof chunk, MSG_NOSIGNAL);
        if (n > 0) continue;
        return n < 0 && (errno == EAGAIN || errno == EINTR);
    }
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: push_server ADDR PORT SNDBUF\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    raise_open_files(16384);
    memset(chunk, 'p', sizeof chunk);
    int sndbuf = atoi(argv[3]), one = 1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &address.sin_addr) != 1) {
        fprintf(stderr, "push_server: bad address %s\n", argv[1]);
        return 2;
    }
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listener, (struct sockaddr *) &address, sizeof address) < 0 || listen(listener, 4096) < 0) {
        perror("push_server: listen");
        return 1;
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    ev.data.fd = STDIN_FILENO;
    epoll_ctl(ep, EPOLL_CTL_ADD, STDIN_FILENO, &ev);
    printf("READY\n");
    fflush(stdout);

    struct epoll_event events[512];
    for (;;) {
        int n = epoll_wait(ep, events, 512, -1);
        if (n < 0 && errno != EINTR) { perror("epoll_wait"); return 1; }
        for (int k = 0; k < n; k++) {
            int fd = events[k].data.fd;
            if (fd == STDIN_FILENO) {
                char discard[256];
                if (read(STDIN_FILENO, discard, sizeof discard) <= 0) return 0;
            } else if (fd == listener) {
                for (int c; (c = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0; ) {
                    setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
                    struct epoll_event out = {.events = EPOLLOUT | EPOLLET | EPOLLRDHUP, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &out);
                }
            } else if ((events[k].events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) || !push(fd)) {
                close(fd);
            }
        }
    }
}
