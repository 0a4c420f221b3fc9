package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.Accepted;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.ListenOptions;
import dev.tproxy.socket.api.ListeningSocket;
import java.net.InetSocketAddress;

final class JnaListeningSocket extends Descriptor implements ListeningSocket {
    private final InetSocketAddress localAddress;

    private JnaListeningSocket(int fd, InetSocketAddress localAddress) {
        super(fd, "listening socket " + localAddress);
        this.localAddress = localAddress;
    }

    /** A listening socket received from another process (a hand-over): its descriptor becomes this handle's. */
    static JnaListeningSocket adopt(int fd) {
        return new JnaListeningSocket(fd, SocketCalls.localAddress(fd));
    }

    static JnaListeningSocket open(ListenOptions options) {
        int family = SockAddr.family(options.address());
        int fd = SocketCalls.openStream(family);
        try {
            SocketCalls.setInt(fd, Linux.SOL_SOCKET, Linux.SO_REUSEADDR, 1, "SO_REUSEADDR");
            if (options.reusePort()) {
                SocketCalls.setInt(fd, Linux.SOL_SOCKET, Linux.SO_REUSEPORT, 1, "SO_REUSEPORT");
            }
            if (options.transparent()) {
                SocketCalls.setTransparent(fd, family);
            }
            if (family == Linux.AF_INET6) {
                SocketCalls.setInt(fd, Linux.SOL_IPV6, Linux.IPV6_V6ONLY, options.v6Only() ? 1 : 0, "IPV6_V6ONLY");
            }
            // Accepted sockets inherit both: one setsockopt per listener instead of one per connection.
            SocketCalls.setInt(fd, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 1, "TCP_NODELAY");
            SocketCalls.setInt(fd, Linux.SOL_SOCKET, Linux.SO_OOBINLINE, 1, "SO_OOBINLINE");
            SocketCalls.bind(fd, options.address(), options.port());
            if (LibC.listen(fd, options.backlog()) != 0) {
                throw Errors.lastError("listen");
            }
            return new JnaListeningSocket(fd, SocketCalls.localAddress(fd));
        } catch (RuntimeException e) {
            SocketCalls.closeQuietly(fd);
            throw e;
        }
    }

    @Override
    public Accepted accept() {
        int listenFd = fd();
        Scratch scratch = Scratch.get();
        while (true) {
            scratch.length(Linux.SIZEOF_SOCKADDR_STORAGE);
            int fd = LibC.accept4(listenFd, scratch.sockaddr(), scratch.length(), Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC);
            if (fd >= 0) {
                return accepted(fd, scratch);
            }
            int errno = Errors.errno();
            if (errno == Errno.EAGAIN) {
                return null;
            }
            if (errno != Errno.EINTR && errno != Errno.ECONNABORTED) {
                throw Errors.of("accept4", errno);
            }
        }
    }

    private static Accepted accepted(int fd, Scratch scratch) {
        try {
            InetSocketAddress client = SockAddr.read(scratch.view, Scratch.SOCKADDR);
            // For a TPROXY-diverted connection the local address is the destination the client dialled.
            InetSocketAddress originalDestination = SocketCalls.localAddress(fd);
            return new Accepted(new JnaStreamSocket(fd), client, originalDestination);
        } catch (RuntimeException e) {
            SocketCalls.closeQuietly(fd);
            throw e;
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }
}
