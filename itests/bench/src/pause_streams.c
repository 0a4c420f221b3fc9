/*
 * pause_streams: the streams of itests/bench/pause.
 *
 *   pause_streams echo PORT             an echo server (run in the server's namespace)
 *   pause_streams streams N HOST PORT [SIZE]
 *                                       N connections, each sending SIZE random bytes (256 unless given; the same
 *                                       ones every time), waiting for their echo, then 10 ms, and again
 *
 * The streams read commands on stdin: "reset" starts a window, "report NAME" prints
 *   NAME: longest silence X ms (until HH:MM:SS.mmmZ, UTC), wrong echoes W, broken streams B
 * where the silence is the longest time any stream went without a completed echo since the last reset (a stream
 * still waiting counts with its silence so far), W the echoes that came back different since the reset and B the
 * streams whose connection failed or ended. EOF or an empty line on stdin ends the program. A connection that
 * cannot be set up at the start is an error (exit 1).
 *
 * One thread, one epoll, level-triggered; the streams' memory is allocated once. A C program rather than Python:
 * 200 Python streams and a Python echo server kept two cores busy and the measurement saw their own delays.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "bench_addr.h"

#define MSG 256             /* the message's size unless given */
#define MAX_MSG (1 << 20)
#define GAP_NS 10000000LL          /* the wait between an echo and the next send */
#define CONNECT_NS 10000000000LL   /* longer than this to connect is a failure, not a slow start */
#define MAX_FD 8192
#define ECHO_BUF 16384      /* per connection; untouched pages of it cost nothing */

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void die(const char *what) { perror(what); exit(1); }

static int usage(void) {
    fprintf(stderr, "usage: pause_streams echo PORT\n       pause_streams streams N HOST PORT [SIZE]\n");
    return 2;
}

static long number(const char *s, long min, long max) {   /* -1: not a number in [min, max] */
    char *end;
    long v = strtol(s, &end, 10);
    return *s && !*end && v >= min && v <= max ? v : -1;
}

static void nodelay(int fd) {   /* as asyncio did: each 256-byte message leaves at once */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void set(int ep, int op, int fd, uint32_t events, uint32_t tag) {
    struct epoll_event ev = {.events = events, .data.u32 = tag};
    if (epoll_ctl(ep, op, fd, &ev) < 0) die("epoll_ctl");
}

/* ---- echo ---- */

static struct { int len, off; char buf[ECHO_BUF]; } conn[MAX_FD];   /* bytes read but not yet written back */

__attribute__((noreturn)) static void echo(int port) {
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ls < 0) die("socket");
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(ls, (struct sockaddr *) &a, sizeof a) < 0) die("bind");
    if (listen(ls, 1024) < 0) die("listen");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    set(ep, EPOLL_CTL_ADD, ls, EPOLLIN, (uint32_t) ls);
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int k = 0; k < n; k++) {
            int fd = (int) events[k].data.u32;
            if (fd == ls) {
                for (int c; (c = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
                    if (c >= MAX_FD) { close(c); continue; }
                    nodelay(c);
                    conn[c].len = conn[c].off = 0;
                    set(ep, EPOLL_CTL_ADD, c, EPOLLIN, (uint32_t) c);
                }
                continue;
            }
            int flushing = conn[fd].len > 0;   /* then EPOLLOUT is what is registered, not EPOLLIN */
            if (!flushing) {
                ssize_t r = read(fd, conn[fd].buf, ECHO_BUF);
                if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                if (r <= 0) { close(fd); continue; }
                conn[fd].len = (int) r;
                conn[fd].off = 0;
            }
            ssize_t w = write(fd, conn[fd].buf + conn[fd].off, conn[fd].len - conn[fd].off);
            if (w < 0 && errno != EAGAIN && errno != EINTR) { close(fd); continue; }
            conn[fd].off += w > 0 ? (int) w : 0;
            if (conn[fd].off == conn[fd].len) {
                conn[fd].len = 0;
                if (flushing) set(ep, EPOLL_CTL_MOD, fd, EPOLLIN, (uint32_t) fd);
            } else if (!flushing) {   /* the peer reads slowly: stop reading until what it sent went back */
                set(ep, EPOLL_CTL_MOD, fd, EPOLLOUT, (uint32_t) fd);
            }
        }
    }
}

/* ---- streams ---- */

enum { CONNECTING, SENDING, SLEEPING, BROKEN };

struct stream {
    int fd, state, sent, got, out;   /* out: EPOLLOUT registered, for the rest of a message */
    int64_t last;      /* the last completed echo (or the connection) */
    int64_t longest;   /* the longest time between two completed echoes in this window */
    int64_t longest_end;   /* when it ended */
    int64_t due;       /* SLEEPING: when to send again */
    unsigned char *msg, *in;   /* msg_size bytes each */
};

static struct stream *st;
static int count, ep, broken, wrong, msg_size = MSG;
static unsigned char *scratch;   /* bytes that came outside an exchange */
/* Every stream sleeps the same 10 ms, so they fall due in the order they went to sleep: a FIFO is a timer queue. */
static int *queue, qhead, qlen;

static void fail(struct stream *s) {
    close(s->fd);
    s->state = BROKEN;
    broken++;
}

static void send_rest(struct stream *s) {
    ssize_t w = write(s->fd, s->msg + s->sent, msg_size - s->sent);
    if (w < 0 && errno != EAGAIN && errno != EINTR) { fail(s); return; }
    s->sent += w > 0 ? (int) w : 0;
    if ((s->sent < msg_size) != s->out) {
        s->out = s->sent < msg_size;
        set(ep, EPOLL_CTL_MOD, s->fd, s->out ? EPOLLIN | EPOLLOUT : EPOLLIN, (uint32_t) (s - st));
    }
}

static void start_send(struct stream *s) {
    s->state = SENDING;
    s->sent = s->got = 0;
    send_rest(s);
}

static void receive(struct stream *s, int64_t now) {
    int expecting = s->state == SENDING;   /* bytes outside an exchange are wrong, and read to be dropped */
    ssize_t r = expecting ? read(s->fd, s->in + s->got, msg_size - s->got) : read(s->fd, scratch, msg_size);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (r <= 0) { fail(s); return; }
    if (!expecting) { wrong++; return; }
    s->got += (int) r;
    if (s->got < msg_size) return;
    if (memcmp(s->in, s->msg, msg_size) != 0) wrong++;
    if (now - s->last > s->longest) {
        s->longest = now - s->last;
        s->longest_end = now;
    }
    s->last = now;
    s->state = SLEEPING;
    s->due = now + GAP_NS;
    queue[(qhead + qlen++) % count] = (int) (s - st);
}

static void command(char *line) {   /* the line without its newline */
    while (*line == ' ' || *line == '\t' || *line == '\r') line++;
    size_t len = strlen(line);
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r')) line[--len] = 0;
    if (!len) exit(0);   /* as the Python version: an empty line ends the streams */
    if (strcmp(line, "reset") == 0) {
        for (int i = 0; i < count; i++) st[i].longest = 0;
        wrong = 0;
    } else if (strncmp(line, "report ", 7) == 0) {
        int64_t now = now_ns(), silence = 0, end = now;
        for (int i = 0; i < count; i++) {   /* a stream still waiting counts with its silence so far */
            if (st[i].state == CONNECTING) continue;
            if (st[i].longest > silence) {
                silence = st[i].longest;
                end = st[i].longest_end;
            }
            if (now - st[i].last > silence) {
                silence = now - st[i].last;
                end = now;
            }
        }
        /* when it ended, on the wall clock, to find it in the runtime's log */
        struct timespec wall;
        clock_gettime(CLOCK_REALTIME, &wall);
        int64_t ended = (int64_t) wall.tv_sec * 1000000000 + wall.tv_nsec - (now - end);
        time_t seconds = (time_t) (ended / 1000000000);
        struct tm utc;
        gmtime_r(&seconds, &utc);
        printf("%s: longest silence %.0f ms (until %02d:%02d:%02d.%03dZ), wrong echoes %d, broken streams %d\n",
               line + 7, silence / 1e6, utc.tm_hour, utc.tm_min, utc.tm_sec, (int) (ended % 1000000000 / 1000000),
               wrong, broken);
        fflush(stdout);
    }
}

static int streams(const struct sockaddr_storage *target, socklen_t target_len, const char *host, const char *port) {
    st = calloc(count, sizeof *st);
    queue = calloc(count, sizeof *queue);
    scratch = malloc(msg_size);
    if (!st || !queue || !scratch) die("calloc");
    ep = epoll_create1(EPOLL_CLOEXEC);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (ep < 0 || tfd < 0) die("epoll/timerfd");
    struct epoll_event in = {.events = EPOLLIN, .data.u32 = (uint32_t) count};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in) < 0) {
        fprintf(stderr, "pause_streams: stdin is no pipe or terminal (the commands come from there)\n");
        return 2;
    }
    set(ep, EPOLL_CTL_ADD, tfd, EPOLLIN, (uint32_t) count + 1);
    int connecting = count;
    for (int i = 0; i < count; i++) {
        struct stream *s = &st[i];
        s->msg = malloc(msg_size);
        s->in = malloc(msg_size);
        if (!s->msg || !s->in) die("malloc");
        for (int have = 0, r; have < msg_size; have += r)
            if ((r = (int) getrandom(s->msg + have, msg_size - have, 0)) <= 0) die("getrandom");
        s->fd = socket(target->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s->fd < 0) die("socket");
        nodelay(s->fd);
        if (connect(s->fd, (const struct sockaddr *) target, target_len) < 0 && errno != EINPROGRESS) {
            fprintf(stderr, "pause_streams: cannot connect to %s %s: %s\n", host, port, strerror(errno));
            return 1;
        }
        set(ep, EPOLL_CTL_ADD, s->fd, EPOLLOUT, (uint32_t) i);
    }
    int64_t deadline = now_ns() + CONNECT_NS, armed = 0;
    char line[4096];
    size_t have = 0;
    struct epoll_event events[1024];
    for (;;) {
        int64_t now = now_ns();
        if (connecting && now > deadline) {
            fprintf(stderr, "pause_streams: %d of %d connections to %s %s not set up in 10 s\n", connecting, count,
                    host, port);
            return 1;
        }
        while (qlen && st[queue[qhead]].due <= now) {
            struct stream *s = &st[queue[qhead]];
            qhead = (qhead + 1) % count;
            qlen--;
            if (s->state == SLEEPING) start_send(s);
        }
        if (qlen && st[queue[qhead]].due != armed) {   /* nanoseconds, where epoll_wait's timeout has milliseconds */
            armed = st[queue[qhead]].due;
            struct itimerspec t = {.it_value = {armed / 1000000000, armed % 1000000000}};
            timerfd_settime(tfd, TFD_TIMER_ABSTIME, &t, NULL);
        }
        int n = epoll_wait(ep, events, 1024, connecting ? 100 : -1);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        now = now_ns();
        for (int k = 0; k < n; k++) {
            int i = (int) events[k].data.u32;
            if (i == count + 1) {
                uint64_t ticks;
                if (read(tfd, &ticks, sizeof ticks) < 0) {}   /* only to clear it: the queue says what is due */
                armed = 0;
            } else if (i == count) {
                ssize_t r = read(0, line + have, sizeof line - 1 - have);
                if (r < 0 && errno == EINTR) continue;
                if (r < 0) die("stdin");
                if (r == 0 && have == 0) return 0;
                if (r == 0) line[have++] = '\n';   /* a last command without a newline still counts */
                have += r;
                char *start = line, *nl;
                while ((nl = memchr(start, '\n', have - (start - line)))) {
                    *nl = 0;
                    command(start);
                    start = nl + 1;
                }
                have -= start - line;
                memmove(line, start, have);
                if (have == sizeof line - 1) have = 0;   /* no command is that long */
            } else if (st[i].state == CONNECTING) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(st[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err || (events[k].events & (EPOLLERR | EPOLLHUP))) {
                    fprintf(stderr, "pause_streams: cannot connect to %s %s: %s\n", host, port,
                            strerror(err ? err : ECONNRESET));
                    return 1;
                }
                set(ep, EPOLL_CTL_MOD, st[i].fd, EPOLLIN, (uint32_t) i);
                st[i].state = SLEEPING;
                st[i].last = now;
                if (--connecting) continue;
                /* first sends spread over the 10 ms: all at once, the streams would keep coming in bursts and
                 * the last of a burst would wait for the others (milliseconds at 1000 streams) */
                for (int j = 0; j < count; j++) {
                    st[j].last = now;
                    st[j].due = now + GAP_NS * j / count;
                    queue[qlen++] = j;
                }
            } else if (st[i].state != BROKEN) {
                uint32_t e = events[k].events;
                if ((e & EPOLLOUT) && st[i].out) send_rest(&st[i]);
                if (st[i].state != BROKEN && (e & (EPOLLIN | EPOLLERR | EPOLLHUP))) receive(&st[i], now);
            }
        }
    }
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    struct rlimit fds;   /* 1000 streams and the program's own descriptors come close to the usual 1024 */
    if (getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
        fds.rlim_cur = fds.rlim_max;
        setrlimit(RLIMIT_NOFILE, &fds);
    }
    if (argc == 3 && strcmp(argv[1], "echo") == 0) {
        long port = number(argv[2], 1, 65535);
        if (port < 0) return usage();
        echo((int) port);
    }
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "streams") == 0) {
        struct sockaddr_storage target;
        long n = number(argv[2], 1, 1000000);
        long size = argc == 6 ? number(argv[5], 1, MAX_MSG) : MSG;
        socklen_t target_len = parse_target(argv[3], argv[4], &target);
        if (n < 0 || size < 0 || target_len == 0 || number(argv[4], 1, 65535) < 0) return usage();
        msg_size = (int) size;
        count = (int) n;
        return streams(&target, target_len, argv[3], argv[4]);
    }
    return usage();
}
