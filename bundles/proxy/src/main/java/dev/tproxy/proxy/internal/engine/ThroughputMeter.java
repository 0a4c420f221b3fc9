package dev.tproxy.proxy.internal.engine;

import java.util.Collection;

/**
 * Current throughput, sampled from the listeners' byte counters every sweep and averaged over about two
 * seconds; also keeps the counters of removed listeners so totals never go backwards.
 */
public final class ThroughputMeter {
    private static final long WINDOW_NANOS = 2_000_000_000L;

    private long windowStart = System.nanoTime();
    private long windowFromClient;
    private long windowFromServer;
    private long retiredFromClient;
    private long retiredFromServer;
    private volatile long bitsPerSecondFromClient;
    private volatile long bitsPerSecondFromServer;

    synchronized void sample(Collection<ListenerRuntime> listeners) {
        long now = System.nanoTime();
        long fromClient = retiredFromClient;
        long fromServer = retiredFromServer;
        for (ListenerRuntime listener : listeners) {
            fromClient += listener.counters().bytesFromClient();
            fromServer += listener.counters().bytesFromServer();
        }
        long elapsed = now - windowStart;
        if (elapsed >= WINDOW_NANOS) {
            bitsPerSecondFromClient = (fromClient - windowFromClient) * 8 * 1_000_000_000L / elapsed;
            bitsPerSecondFromServer = (fromServer - windowFromServer) * 8 * 1_000_000_000L / elapsed;
            windowStart = now;
            windowFromClient = fromClient;
            windowFromServer = fromServer;
        }
    }

    synchronized void retire(ListenerRuntime listener) {
        retiredFromClient += listener.counters().bytesFromClient();
        retiredFromServer += listener.counters().bytesFromServer();
    }

    public long bitsPerSecondFromClient() {
        return bitsPerSecondFromClient;
    }

    public long bitsPerSecondFromServer() {
        return bitsPerSecondFromServer;
    }
}
