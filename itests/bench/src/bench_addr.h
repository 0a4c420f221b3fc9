/* Shared by the bench tools: ADDR PORT from the command line into a socket address. */
#ifndef BENCH_ADDR_H
#define BENCH_ADDR_H
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* IPv4 or IPv6 text and a port; returns the address length, or 0 when the text is no address. */
static socklen_t parse_target(const char *addr, const char *port, struct sockaddr_storage *target) {
    memset(target, 0, sizeof *target);
    struct sockaddr_in *v4 = (struct sockaddr_in *) target;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) target;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(atoi(port));
        return sizeof *v4;
    }
    if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(atoi(port));
        return sizeof *v6;
    }
    return 0;
}
#endif
