package dev.tproxy.proxy.internal.engine;

import dev.tproxy.socket.api.StreamSocket;
import java.nio.ByteBuffer;

/**
 * Moves bytes through a buffer of the loop's budget (recv, then send): the first bytes of every direction, and
 * all of them when no pipe can be had. Under memory pressure it peeks instead (see {@link #peekOnly}).
 */
final class CopyTransit implements Transit {
    static final int SIZE = 64 * 1024;

    private final ByteBuffer buffer;
    /** The buffer's slot in the loop's buffer memory, or -1 for one outside the budget. */
    final int slot;
    long idleSince;
    private boolean filled;
    /**
     * Leave the bytes in the source until the sink has taken them (MSG_PEEK, then MSG_TRUNC what was sent): the
     * buffer never holds bytes between pumps, so a sink that never drains pins no memory of the proxy's.
     */
    private boolean peekOnly;
    private StreamSocket peekedFrom;
    private boolean leftInSource;

    CopyTransit(ByteBuffer buffer, int slot) {
        this.buffer = buffer;
        this.slot = slot;
    }

    /** Carries on with bytes parked by an earlier version: they are copied in, still to be written. */
    CopyTransit withPending(ByteBuffer pending) {
        buffer.clear();
        buffer.put(pending.duplicate());
        buffer.flip();
        filled = buffer.hasRemaining();
        return this;
    }

    void peekOnly(boolean on) {
        peekOnly = on;
    }

    int capacity() {
        return buffer.capacity();
    }

    /** The bytes still to write, copied out (for parking across an update: the buffer belongs to this version). */
    ByteBuffer pendingCopy() {
        ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
        copy.put(buffer.duplicate()).flip();
        return copy;
    }

    @Override
    public long fill(StreamSocket source) {
        buffer.clear();
        long moved = peekOnly ? source.peek(buffer) : source.read(buffer);
        buffer.flip();
        filled = moved > 0;
        peekedFrom = peekOnly && filled ? source : null;
        leftInSource = false;
        return moved;
    }

    @Override
    public long drain(StreamSocket sink) {
        long moved = sink.write(buffer);
        if (peekedFrom != null) {
            if (moved > 0) {
                peekedFrom.discard(moved);
            }
            // What the sink did not take is still queued in the source: read it again once the sink drains.
            leftInSource = buffer.hasRemaining();
            peekedFrom = null;
            filled = false;
        } else if (!buffer.hasRemaining()) {
            filled = false;
        }
        return moved;
    }

    @Override
    public boolean leftBytesInSource() {
        return leftInSource;
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
