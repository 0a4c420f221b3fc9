package dev.tproxy.proxy.internal.engine;

import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;

/** Moves bytes socket to pipe to socket with splice: the data never enters user space. */
final class PipeTransit implements Transit {
    final Pipe pipe;
    long idleSince;
    private long pending;

    PipeTransit(Pipe pipe) {
        this(pipe, 0);
    }

    PipeTransit(Pipe pipe, long pending) {
        this.pipe = pipe;
        this.pending = pending;
    }

    @Override
    public long fill(StreamSocket source) {
        long moved = source.spliceTo(pipe, pipe.capacity() - pending);
        if (moved > 0) {
            pending += moved;
        }
        return moved;
    }

    @Override
    public long drain(StreamSocket sink) {
        long moved = pipe.spliceTo(sink, pending);
        if (moved > 0) {
            pending -= moved;
        }
        return moved;
    }

    @Override
    public long pending() {
        return pending;
    }

    @Override
    public boolean isPipe() {
        return true;
    }
}
