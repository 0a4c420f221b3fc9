package dev.tproxy.proxy.internal.engine;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands log lines from the event loops to a thread of their own: Felix Log walks the caller's stack for every
 * entry, which the loops must not pay for. When the queue is full, lines are dropped and their number reported,
 * never blocking a loop.
 */
public final class AsyncEventLog implements EventLog, AutoCloseable {
    private static final int CAPACITY = 16_384;

    private final EventLog target;
    private final BlockingQueue<Runnable> lines = new ArrayBlockingQueue<>(CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean running = true;

    public AsyncEventLog(EventLog target) {
        this.target = target;
        this.writer = new Thread(this::write, "tproxy-log");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void info(String message) {
        offer(() -> target.info(message));
    }

    @Override
    public void warn(String message) {
        offer(() -> target.warn(message));
    }

    @Override
    public void error(String message, Throwable cause) {
        offer(() -> target.error(message, cause));
    }

    private void offer(Runnable line) {
        if (!lines.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    private void write() {
        while (running || !lines.isEmpty()) {
            try {
                Runnable line = lines.poll(200, TimeUnit.MILLISECONDS);
                if (line != null) {
                    line.run();
                }
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    target.warn("log: " + lost + " lines dropped (the log could not keep up)");
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // A failing log service must not stop the writer.
            }
        }
    }

    /** Writes what is queued, then stops. */
    @Override
    public void close() {
        running = false;
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
