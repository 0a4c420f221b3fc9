package dev.tproxy.proxy.internal.engine;

/** Current throughput, from the byte totals sampled every sweep, averaged over about two seconds. */
public final class ThroughputMeter {
    private static final long WINDOW_NANOS = 2_000_000_000L;

    private long windowStart = System.nanoTime();
    private long windowFromClient;
    private long windowFromServer;
    private volatile long bitsPerSecondFromClient;
    private volatile long bitsPerSecondFromServer;

    /** Takes the totals relayed so far (they never go backwards). One thread at a time. */
    void sample(long fromClient, long fromServer) {
        long now = System.nanoTime();
        long elapsed = now - windowStart;
        if (elapsed >= WINDOW_NANOS) {
            bitsPerSecondFromClient = (fromClient - windowFromClient) * 8 * 1_000_000_000L / elapsed;
            bitsPerSecondFromServer = (fromServer - windowFromServer) * 8 * 1_000_000_000L / elapsed;
            windowStart = now;
            windowFromClient = fromClient;
            windowFromServer = fromServer;
        }
    }

    public long bitsPerSecondFromClient() {
        return bitsPerSecondFromClient;
    }

    public long bitsPerSecondFromServer() {
        return bitsPerSecondFromServer;
    }
}
