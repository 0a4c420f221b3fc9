package dev.tproxy.socket.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import dev.tproxy.socket.api.ClosedHandleException;
import dev.tproxy.socket.api.Epoll;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.NativeHandle;

/** epoll with preallocated event memory: a wait and the reads of its results allocate nothing. */
final class JnaEpoll extends Descriptor implements Epoll {
    private final Memory ready;
    private final long readyAddress;
    /** The ready events as a buffer in native byte order: reading them costs no JNI call. */
    private final ByteBuffer readyView;
    private final int maxEvents;
    private final Memory control = new Memory(16);
    private final long controlAddress = Pointer.nativeValue(control);
    private final ByteBuffer controlView = control.getByteBuffer(0, 16).order(ByteOrder.nativeOrder());

    private JnaEpoll(int fd, int maxEvents) {
        super(fd, "epoll");
        this.maxEvents = maxEvents;
        this.ready = new Memory((long) maxEvents * Linux.SIZEOF_EPOLL_EVENT);
        this.readyAddress = Pointer.nativeValue(ready);
        this.readyView = ready.getByteBuffer(0, ready.size()).order(ByteOrder.nativeOrder());
    }

    static JnaEpoll open(int maxEvents) {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be positive: " + maxEvents);
        }
        int fd = LibC.epoll_create1(Linux.EPOLL_CLOEXEC);
        if (fd < 0) {
            throw Errors.lastError("epoll_create1");
        }
        return new JnaEpoll(fd, maxEvents);
    }

    @Override
    public void register(NativeHandle handle, int events, long token) {
        control(Linux.EPOLL_CTL_ADD, handle, events, token, "epoll_ctl(ADD)");
    }

    @Override
    public void unregister(NativeHandle handle) {
        int target = handle.descriptor();
        if (target < 0 || !isOpen()) {
            return;
        }
        synchronized (control) {
            LibC.epoll_ctl(fd(), Linux.EPOLL_CTL_DEL, target, controlAddress);
        }
    }

    private void control(int operation, NativeHandle handle, int events, long token, String call) {
        int target = handle.descriptor();
        if (target < 0) {
            throw new ClosedHandleException(handle.toString());
        }
        synchronized (control) {
            controlView.putInt(0, events);
            controlView.putLong(Linux.OFFSETOF_EPOLL_EVENT_DATA, token);
            if (LibC.epoll_ctl(fd(), operation, target, controlAddress) != 0) {
                throw Errors.lastError(call);
            }
        }
    }

    @Override
    public int await(int timeoutMillis) {
        int count = LibC.epoll_wait(fd(), readyAddress, maxEvents, timeoutMillis);
        if (count >= 0) {
            return count;
        }
        int errno = Errors.errno();
        if (errno == Errno.EINTR) {
            return 0;
        }
        throw Errors.of("epoll_wait", errno);
    }

    @Override
    public int readyEvents(int index) {
        return readyView.getInt(index * Linux.SIZEOF_EPOLL_EVENT);
    }

    @Override
    public long readyToken(int index) {
        return readyView.getLong(index * Linux.SIZEOF_EPOLL_EVENT + Linux.OFFSETOF_EPOLL_EVENT_DATA);
    }
}
