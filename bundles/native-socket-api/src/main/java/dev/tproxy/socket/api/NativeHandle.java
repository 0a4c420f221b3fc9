package dev.tproxy.socket.api;

/**
 * Something that owns file descriptors. Closing twice is harmless; using a closed handle throws
 * {@link ClosedHandleException}. A handle is used by one thread at a time (its event loop).
 */
public interface NativeHandle extends AutoCloseable {

    boolean isOpen();

    /** The descriptor number, for diagnostics only (shown by {@code tproxy:info}); -1 once closed. */
    int descriptor();

    @Override
    void close();
}
