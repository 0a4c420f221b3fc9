package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.ClosedHandleException;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;
import java.util.concurrent.atomic.AtomicInteger;

/** A pipe for splice: the read end is this handle's descriptor, the write end is owned alongside. */
final class JnaPipe extends Descriptor implements Pipe {
    private final AtomicInteger writeFd;
    private final int capacity;

    private JnaPipe(int readFd, int writeFd, int capacity) {
        super(readFd, "pipe");
        this.writeFd = new AtomicInteger(writeFd);
        this.capacity = capacity;
    }

    static JnaPipe open(int size) {
        Scratch scratch = Scratch.get();
        if (LibC.pipe2(scratch.value(), Linux.O_NONBLOCK | Linux.O_CLOEXEC) != 0) {
            throw Errors.lastError("pipe2");
        }
        int readFd = scratch.view.getInt(Scratch.VALUE);
        int writeFd = scratch.view.getInt(Scratch.VALUE + 4);
        // Above /proc/sys/fs/pipe-max-size an unprivileged process gets EPERM: keep the default size then.
        LibC.fcntl(writeFd, Linux.F_SETPIPE_SZ, size);
        int capacity = LibC.fcntl(writeFd, Linux.F_GETPIPE_SZ, 0);
        if (capacity < 0) {
            RuntimeException failure = Errors.lastError("fcntl(F_GETPIPE_SZ)");
            LibC.close(readFd);
            LibC.close(writeFd);
            throw failure;
        }
        return new JnaPipe(readFd, writeFd, capacity);
    }

    /** A pipe received from another process (a hand-over), with the bytes still in it. */
    static JnaPipe adopt(int readFd, int writeFd) {
        int capacity = LibC.fcntl(writeFd, Linux.F_GETPIPE_SZ, 0);
        if (capacity < 0) {
            throw Errors.lastError("fcntl(F_GETPIPE_SZ)");
        }
        return new JnaPipe(readFd, writeFd, capacity);
    }

    int writeFd() {
        int value = writeFd.get();
        if (value < 0) {
            throw new ClosedHandleException("pipe");
        }
        return value;
    }

    @Override
    public long spliceTo(StreamSocket socket, long maxBytes) {
        return SocketCalls.splice(fd(), ((JnaStreamSocket) socket).fd(), maxBytes, "splice(pipe to socket)");
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int buffered() {
        return SocketCalls.ioctlInt(fd(), Linux.FIONREAD, "FIONREAD");
    }

    @Override
    public void close() {
        int value = writeFd.getAndSet(-1);
        if (value >= 0) {
            LibC.close(value);
        }
        super.close();
    }
}
