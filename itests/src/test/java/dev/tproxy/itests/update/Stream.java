package dev.tproxy.itests.update;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A long-lived connection to an echo server: a writer sends a seeded byte stream at a steady pace, a reader
 * checks that every echoed byte is the one sent, in order, and remembers the longest silence between reads.
 */
final class Stream {
    private static final int CHUNK = 2048;

    private final Socket socket;
    private final long seed;
    private final AtomicLong written = new AtomicLong();
    private volatile boolean stopping;
    private volatile long read;
    private volatile long longestGapNanos;
    /** The longest silence since {@link #takeRecentGapMillis} was last called. */
    private final AtomicLong recentGapNanos = new AtomicLong();
    private volatile long lastReadNanos = System.nanoTime();
    private volatile String failure;
    private final Thread writer;
    private final Thread reader;

    Stream(Socket socket, long seed) {
        this.socket = socket;
        this.seed = seed;
        this.writer = new Thread(this::write, "stream-writer-" + seed);
        this.reader = new Thread(this::read, "stream-reader-" + seed);
        writer.setDaemon(true);
        reader.setDaemon(true);
    }

    void start() {
        writer.start();
        reader.start();
    }

    private void write() {
        Random random = new Random(seed);
        byte[] chunk = new byte[CHUNK];
        try {
            OutputStream out = socket.getOutputStream();
            while (!stopping) {
                random.nextBytes(chunk);
                out.write(chunk);
                written.addAndGet(CHUNK);
                Thread.sleep(20);
            }
            socket.shutdownOutput();
        } catch (IOException | InterruptedException e) {
            failure = "writer: " + e;
        }
    }

    private void read() {
        Random random = new Random(seed);
        byte[] expected = new byte[CHUNK];
        int expectedAt = CHUNK;
        byte[] buffer = new byte[8192];
        long last = System.nanoTime();
        try {
            InputStream in = socket.getInputStream();
            for (int n; (n = in.read(buffer)) > 0; ) {
                long now = System.nanoTime();
                longestGapNanos = Math.max(longestGapNanos, now - last);
                recentGapNanos.accumulateAndGet(now - last, Math::max);
                last = now;
                lastReadNanos = now;
                for (int i = 0; i < n; i++) {
                    if (expectedAt == CHUNK) {
                        random.nextBytes(expected);
                        expectedAt = 0;
                    }
                    if (buffer[i] != expected[expectedAt++]) {
                        failure = "byte " + (read + i) + " differs";
                        return;
                    }
                }
                read += n;
            }
        } catch (IOException e) {
            failure = "reader: " + e;
        }
    }

    /** Stops writing (FIN), waits for the echo of everything written and for EOF. */
    void finish() throws InterruptedException {
        stopping = true;
        writer.join(10_000);
        reader.join(30_000);
    }

    String verdict() {
        if (failure != null) {
            return failure;
        }
        if (read != written.get()) {
            return "read " + read + " of " + written.get() + " bytes";
        }
        return null;
    }

    long bytesRead() {
        return read;
    }

    /** The longest silence between reads since the last call (including the silence going on now). */
    long takeRecentGapMillis() {
        long ongoing = System.nanoTime() - lastReadNanos;
        return Math.max(recentGapNanos.getAndSet(0), ongoing) / 1_000_000;
    }

    long longestGapMillis() {
        return longestGapNanos / 1_000_000;
    }

    void close() throws IOException {
        socket.close();
    }
}
