package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.ConnectOptions;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.IoStatus;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

final class JnaStreamSocket extends Descriptor implements StreamSocket {
    JnaStreamSocket(int fd) {
        super(fd, "stream socket");
    }

    static JnaStreamSocket connect(ConnectOptions options) {
        InetSocketAddress destination = options.destination();
        int family = SockAddr.family(destination.getAddress());
        int fd = SocketCalls.openStream(family);
        try {
            if (options.mark() != 0) {
                SocketCalls.setInt(fd, Linux.SOL_SOCKET, Linux.SO_MARK, options.mark(), "SO_MARK");
            }
            if (options.transparent()) {
                SocketCalls.setTransparent(fd, family);
            }
            if (options.source() != null) {
                // Choose the port at connect time, per destination: a spoofed client address then has a whole
                // port range per server instead of one range shared by all servers.
                SocketCalls.trySetInt(fd, Linux.SOL_IP, Linux.IP_BIND_ADDRESS_NO_PORT, 1);
                SocketCalls.bind(fd, options.source(), 0);
            }
            // Urgent data stays in the stream, so relaying it is relaying bytes (docs/design.md, "Urgent data").
            SocketCalls.setInt(fd, Linux.SOL_SOCKET, Linux.SO_OOBINLINE, 1, "SO_OOBINLINE");
            if (options.ackWithFirstData()) {
                SocketCalls.setInt(fd, Linux.IPPROTO_TCP, Linux.TCP_QUICKACK, 0, "TCP_QUICKACK");
            }
            Scratch scratch = Scratch.get();
            int length = SockAddr.write(scratch.view, Scratch.SOCKADDR, destination.getAddress(), destination.getPort());
            if (LibC.connect(fd, scratch.sockaddr(), length) != 0) {
                int errno = Errors.errno();
                if (errno != Errno.EINPROGRESS) {
                    throw Errors.of("connect(" + destination + ")", errno);
                }
            }
            return new JnaStreamSocket(fd);
        } catch (RuntimeException e) {
            SocketCalls.closeQuietly(fd);
            throw e;
        }
    }

    @Override
    public int socketError() {
        return SocketCalls.getInt(fd(), Linux.SOL_SOCKET, Linux.SO_ERROR, "SO_ERROR");
    }

    @Override
    public long spliceTo(Pipe pipe, long maxBytes) {
        long moved = SocketCalls.splice(fd(), ((JnaPipe) pipe).writeFd(), maxBytes, "splice(socket to pipe)");
        if (moved == 0 && receiveQueued() > 0) {
            // splice stops at an urgent mark and, once the peer's FIN is in too, says 0: the stream has not ended.
            return IoStatus.WOULD_BLOCK;
        }
        return moved;
    }

    @Override
    public long read(ByteBuffer direct) {
        return receive(direct, Linux.MSG_DONTWAIT, "recv");
    }

    private long receive(ByteBuffer direct, int flags, String call) {
        long address = address(direct) + direct.position();
        while (true) {
            long n = LibC.recv(fd(), address, direct.remaining(), flags);
            if (n > 0) {
                direct.position(direct.position() + (int) n);
                return n;
            }
            if (n == 0) {
                return IoStatus.END_OF_STREAM;
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

    @Override
    public long peek(ByteBuffer direct) {
        return receive(direct, Linux.MSG_DONTWAIT | Linux.MSG_PEEK, "recv(MSG_PEEK)");
    }

    @Override
    public long discard(long bytes) {
        while (true) {
            long n = LibC.recv(fd(), 0, bytes, Linux.MSG_DONTWAIT | Linux.MSG_TRUNC);
            if (n >= 0) {
                return n;
            }
            int errno = Errors.errno();
            if (errno == Errno.EAGAIN) {
                return IoStatus.WOULD_BLOCK;
            }
            if (errno != Errno.EINTR) {
                throw Errors.of("recv(MSG_TRUNC)", errno);
            }
        }
    }

    @Override
    public long write(ByteBuffer direct) {
        long address = address(direct) + direct.position();
        while (true) {
            long n = LibC.send(fd(), address, direct.remaining(), Linux.MSG_DONTWAIT | Linux.MSG_NOSIGNAL);
            if (n >= 0) {
                direct.position(direct.position() + (int) n);
                return n;
            }
            int errno = Errors.errno();
            if (errno == Errno.EAGAIN) {
                return IoStatus.WOULD_BLOCK;
            }
            if (errno != Errno.EINTR) {
                throw Errors.of("send", errno);
            }
        }
    }

    private static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("the copy path needs a direct ByteBuffer");
        }
        return Scratch.get().addressOf(direct);
    }

    @Override
    public void shutdownOutput() {
        if (LibC.shutdown(fd(), Linux.SHUT_WR) != 0) {
            int errno = Errors.errno();
            if (errno != Errno.ENOTCONN) {
                throw Errors.of("shutdown(SHUT_WR)", errno);
            }
        }
    }

    @Override
    public void resetAndClose() {
        if (!isOpen()) {
            return;
        }
        Scratch scratch = Scratch.get();
        scratch.view.putInt(Scratch.VALUE, 1);
        scratch.view.putInt(Scratch.VALUE + 4, 0);
        // Best effort: a socket that is already reset or never connected has nothing left to abort.
        LibC.setsockopt(fd(), Linux.SOL_SOCKET, Linux.SO_LINGER, scratch.value(), Linux.SIZEOF_LINGER);
        close();
    }

    @Override
    public void setNoDelay(boolean on) {
        SocketCalls.setInt(fd(), Linux.IPPROTO_TCP, Linux.TCP_NODELAY, on ? 1 : 0, "TCP_NODELAY");
    }

    @Override
    public void sendPendingAck() {
        SocketCalls.trySetInt(fd(), Linux.IPPROTO_TCP, Linux.TCP_QUICKACK, 1);
    }

    @Override
    public int receiveQueued() {
        return SocketCalls.ioctlInt(fd(), Linux.FIONREAD, "FIONREAD");
    }

    @Override
    public int sendQueued() {
        return SocketCalls.ioctlInt(fd(), Linux.SIOCOUTQ, "SIOCOUTQ");
    }

    @Override
    public InetSocketAddress localAddress() {
        return SocketCalls.localAddress(fd());
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return SocketCalls.remoteAddress(fd());
    }
}
