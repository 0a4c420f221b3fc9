package dev.tproxy.socket.internal;

import com.sun.jna.Platform;

/**
 * Linux ABI constants and struct layouts used by this bundle, in one place. LinuxConstantsTest compiles a C
 * program from these names with gcc and checks every value against the system headers.
 */
final class Linux {
    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_SEQPACKET = 5;
    /** sizeof(struct sockaddr_un): sa_family_t then char sun_path[108]. */
    static final int SIZEOF_SOCKADDR_UN = 110;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;

    static final int SOL_SOCKET = 1;
    static final int SOL_IP = 0;
    static final int SOL_IPV6 = 41;
    static final int IPPROTO_TCP = 6;
    static final int SO_REUSEADDR = 2;
    static final int SO_ERROR = 4;
    static final int SO_OOBINLINE = 10;
    static final int SO_LINGER = 13;
    static final int SO_REUSEPORT = 15;
    static final int SO_MARK = 36;
    static final int SO_PEERCRED = 17;
    static final int SO_SNDBUF = 7;
    static final int SO_SNDTIMEO = 21;
    static final int SCM_RIGHTS = 1;
    static final int IP_TRANSPARENT = 19;
    static final int IP_BIND_ADDRESS_NO_PORT = 24;
    static final int IPV6_V6ONLY = 26;
    static final int IPV6_TRANSPARENT = 75;
    static final int TCP_NODELAY = 1;
    static final int TCP_QUICKACK = 12;
    static final int SHUT_WR = 1;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_PEEK = 0x2;
    static final int MSG_TRUNC = 0x20;
    static final int MSG_CTRUNC = 0x8;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int POLLIN = 0x1;
    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_PRIVATE = 0x02;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MADV_DONTNEED = 4;

    static final int O_WRONLY = 1;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int F_GETFD = 1;
    static final int F_SETPIPE_SZ = 1031;
    static final int F_GETPIPE_SZ = 1032;
    static final int FIONREAD = 0x541B;
    static final int SIOCOUTQ = 0x5411;
    static final int SPLICE_F_MOVE = 1;
    static final int SPLICE_F_NONBLOCK = 2;
    static final int SPLICE_F_MORE = 4;

    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;
    static final int RLIMIT_NOFILE = 7;

    static final int SIZEOF_SOCKADDR_IN = 16;
    static final int SIZEOF_SOCKADDR_IN6 = 28;
    static final int SIZEOF_SOCKADDR_STORAGE = 128;
    static final int OFFSETOF_SIN_PORT = 2;
    static final int OFFSETOF_SIN_ADDR = 4;
    static final int OFFSETOF_SIN6_PORT = 2;
    static final int OFFSETOF_SIN6_ADDR = 8;
    static final int OFFSETOF_SIN6_SCOPE_ID = 24;
    static final int SIZEOF_LINGER = 8;
    static final int SIZEOF_RLIMIT = 16;
    /** struct msghdr, struct iovec, struct cmsghdr (64-bit layouts) and struct ucred, struct pollfd. */
    static final int SIZEOF_MSGHDR = 56;
    static final int OFFSETOF_MSG_IOV = 16;
    static final int OFFSETOF_MSG_IOVLEN = 24;
    static final int OFFSETOF_MSG_CONTROL = 32;
    static final int OFFSETOF_MSG_CONTROLLEN = 40;
    static final int OFFSETOF_MSG_FLAGS = 48;
    static final int SIZEOF_IOVEC = 16;
    static final int SIZEOF_CMSGHDR = 16;
    static final int OFFSETOF_CMSG_LEVEL = 8;
    static final int OFFSETOF_CMSG_TYPE = 12;
    static final int SIZEOF_UCRED = 12;
    static final int SIZEOF_POLLFD = 8;
    static final int OFFSETOF_POLLFD_REVENTS = 6;
    /** struct epoll_event is packed on x86-64 (12 bytes, data at 4) and naturally aligned elsewhere (16, at 8). */
    static final int SIZEOF_EPOLL_EVENT = isPackedEpollEvent() ? 12 : 16;
    static final int OFFSETOF_EPOLL_EVENT_DATA = isPackedEpollEvent() ? 4 : 8;

    private Linux() {}

    private static boolean isPackedEpollEvent() {
        return Platform.isIntel() && Platform.is64Bit();
    }
}
