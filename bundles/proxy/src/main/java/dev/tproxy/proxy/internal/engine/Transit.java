package dev.tproxy.proxy.internal.engine;

import dev.tproxy.socket.api.StreamSocket;

/** The buffer one direction moves bytes through: a pipe (splice, no copy) or a buffer (copy). */
interface Transit {

    /** Reads from {@code source} into this buffer: a byte count, END_OF_STREAM or WOULD_BLOCK. Only when empty. */
    long fill(StreamSocket source);

    /** Writes buffered bytes to {@code sink}: a byte count or WOULD_BLOCK. */
    long drain(StreamSocket sink);

    /** Bytes buffered, not yet written. */
    long pending();

    /**
     * After a drain: bytes the sink did not take were left queued in the source instead of here, so the source
     * must be read again (once the sink drains) whatever its readiness said.
     */
    default boolean leftBytesInSource() {
        return false;
    }

    boolean isPipe();
}
