package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.IoStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Small socket syscalls shared by listening and stream sockets, each failing with a clear exception. */
final class SocketCalls {
    private SocketCalls() {}

    static int openStream(int family) {
        int fd = LibC.socket(family, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw Errors.lastError(family == Linux.AF_INET6 ? "socket(AF_INET6)" : "socket(AF_INET)");
        }
        return fd;
    }

    static void setInt(int fd, int level, int option, int value, String name) {
        if (!trySetInt(fd, level, option, value)) {
            throw Errors.lastError("setsockopt(" + name + ")");
        }
    }

    /** setsockopt for an option that only helps (no exception): false when the kernel refused it. */
    static boolean trySetInt(int fd, int level, int option, int value) {
        Scratch scratch = Scratch.get();
        scratch.intValue(value);
        return LibC.setsockopt(fd, level, option, scratch.value(), 4) == 0;
    }

    static int getInt(int fd, int level, int option, String name) {
        Scratch scratch = Scratch.get();
        scratch.length(4);
        if (LibC.getsockopt(fd, level, option, scratch.value(), scratch.length()) != 0) {
            throw Errors.lastError("getsockopt(" + name + ")");
        }
        return scratch.intValue();
    }

    static void setTransparent(int fd, int family) {
        if (family == Linux.AF_INET6) {
            setInt(fd, Linux.SOL_IPV6, Linux.IPV6_TRANSPARENT, 1, "IPV6_TRANSPARENT");
        } else {
            setInt(fd, Linux.SOL_IP, Linux.IP_TRANSPARENT, 1, "IP_TRANSPARENT");
        }
    }

    static void bind(int fd, InetAddress address, int port) {
        Scratch scratch = Scratch.get();
        int length = SockAddr.write(scratch.view, Scratch.SOCKADDR, address, port);
        if (LibC.bind(fd, scratch.sockaddr(), length) != 0) {
            throw Errors.lastError("bind(" + new InetSocketAddress(address, port) + ")");
        }
    }

    static InetSocketAddress localAddress(int fd) {
        Scratch scratch = Scratch.get();
        scratch.length(Linux.SIZEOF_SOCKADDR_STORAGE);
        if (LibC.getsockname(fd, scratch.sockaddr(), scratch.length()) != 0) {
            throw Errors.lastError("getsockname");
        }
        return SockAddr.read(scratch.view, Scratch.SOCKADDR);
    }

    static InetSocketAddress remoteAddress(int fd) {
        Scratch scratch = Scratch.get();
        scratch.length(Linux.SIZEOF_SOCKADDR_STORAGE);
        if (LibC.getpeername(fd, scratch.sockaddr(), scratch.length()) != 0) {
            throw Errors.lastError("getpeername");
        }
        return SockAddr.read(scratch.view, Scratch.SOCKADDR);
    }

    static int ioctlInt(int fd, int request, String name) {
        Scratch scratch = Scratch.get();
        scratch.intValue(0);
        if (LibC.ioctl(fd, request, scratch.value()) != 0) {
            throw Errors.lastError("ioctl(" + name + ")");
        }
        return scratch.intValue();
    }

    /** splice() without copying, non-blocking: a byte count, 0 at end of stream, or WOULD_BLOCK. */
    static long splice(int in, int out, long maxBytes, String call) {
        while (true) {
            long moved = LibC.splice(in, 0, out, 0, maxBytes, Linux.SPLICE_F_MOVE | Linux.SPLICE_F_NONBLOCK);
            if (moved >= 0) {
                return moved;
            }
            int errno = Errors.errno();
            if (errno == Errno.EAGAIN) {
                return IoStatus.WOULD_BLOCK;
            }
            if (errno != Errno.EINTR) {
                throw Errors.of(call, errno);
            }
        }
    }

    /** Closes a descriptor that never became a handle (setup failed half way). */
    static void closeQuietly(int fd) {
        if (fd >= 0) {
            LibC.close(fd);
        }
    }
}
