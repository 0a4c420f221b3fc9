package dev.tproxy.socket.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.tproxy.socket.api.EventFd;

final class JnaEventFd extends Descriptor implements EventFd {
    private final Memory one = new Memory(8);
    private final Memory sink = new Memory(8);
    private final long oneAddress = Pointer.nativeValue(one);
    private final long sinkAddress = Pointer.nativeValue(sink);

    private JnaEventFd(int fd) {
        super(fd, "eventfd");
        one.setLong(0, 1);
    }

    static JnaEventFd open() {
        int fd = LibC.eventfd(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC);
        if (fd < 0) {
            throw Errors.lastError("eventfd");
        }
        return new JnaEventFd(fd);
    }

    @Override
    public void signal() {
        // EAGAIN means the counter is already non-zero: the loop will wake anyway.
        LibC.write(fd(), oneAddress, 8);
    }

    @Override
    public void drain() {
        LibC.read(fd(), sinkAddress, 8);
    }
}
