package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.ClosedHandleException;
import dev.tproxy.socket.api.NativeHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Owns one file descriptor. Close is idempotent and closes the number exactly once, so a closed handle can
 * never close a descriptor that the kernel has since given to someone else.
 */
abstract class Descriptor implements NativeHandle {
    private final AtomicInteger fd;
    private final String kind;

    Descriptor(int fd, String kind) {
        this.fd = new AtomicInteger(fd);
        this.kind = kind;
    }

    /** The open descriptor; throws if this handle was closed. */
    final int fd() {
        int value = fd.get();
        if (value < 0) {
            throw new ClosedHandleException(kind);
        }
        return value;
    }

    @Override
    public final boolean isOpen() {
        return fd.get() >= 0;
    }

    @Override
    public final int descriptor() {
        return fd.get();
    }

    @Override
    public void close() {
        int value = fd.getAndSet(-1);
        if (value >= 0) {
            LibC.close(value);
        }
    }

    @Override
    public String toString() {
        int value = fd.get();
        return kind + (value < 0 ? "(closed)" : "(fd " + value + ")");
    }
}
