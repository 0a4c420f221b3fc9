package dev.tproxy.proxy.internal.engine;

import dev.tproxy.socket.api.StreamSocket;
import java.nio.ByteBuffer;

/**
 * Moves bytes through a direct buffer (recv, then send): the first bytes of every direction, and all of them
 * when no pipe can be had.
 */
final class CopyTransit implements Transit {
    static final int SIZE = 64 * 1024;

    private final ByteBuffer buffer;
    private boolean filled;

    CopyTransit() {
        this.buffer = ByteBuffer.allocateDirect(SIZE);
    }

    /** Carries on with a buffer parked by an earlier version: its remaining bytes are still to be written. */
    CopyTransit(ByteBuffer pending) {
        this.buffer = pending;
        this.filled = pending.hasRemaining();
    }

    int capacity() {
        return buffer.capacity();
    }

    ByteBuffer buffer() {
        return buffer;
    }

    @Override
    public long fill(StreamSocket source) {
        buffer.clear();
        long moved = source.read(buffer);
        buffer.flip();
        filled = moved > 0;
        return moved;
    }

    @Override
    public long drain(StreamSocket sink) {
        long moved = sink.write(buffer);
        if (!buffer.hasRemaining()) {
            filled = false;
        }
        return moved;
    }

    @Override
    public long pending() {
        return filled ? buffer.remaining() : 0;
    }

    @Override
    public boolean isPipe() {
        return false;
    }
}
