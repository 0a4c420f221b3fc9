package dev.tproxy.socket.api;

/** What non-blocking transfers return besides a positive byte count. */
public final class IoStatus {
    /** The peer closed its sending side: no more bytes will come. */
    public static final long END_OF_STREAM = 0;
    /** Nothing can be moved now (EAGAIN): wait for readiness. */
    public static final long WOULD_BLOCK = -1;

    private IoStatus() {}
}
