package dev.tproxy.proxy.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands log lines from the event loops to a thread of their own, in batches: Felix Log walks the caller's stack
 * for every entry, which the loops must not pay for, and waking a thread per line would cost the loops a futex
 * call and a context switch per connection. So the writer takes whatever is queued at most every
 * {@link #BATCH_NANOS}: a line wakes it only when it last ran longer ago than that or when it sleeps with nothing
 * to write (a quiet proxy logs at once), a warning or an error always. With nothing to write it sleeps until a
 * line comes, so a proxy that logs no line per connection is not woken for the log at all. When the queue is
 * full, lines are dropped and their number reported, never blocking a loop.
 */
public final class AsyncEventLog implements EventLog, AutoCloseable {
    static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final int CAPACITY = 16_384;

    private final EventLog target;
    private final BlockingQueue<Runnable> lines = new ArrayBlockingQueue<>(CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean running = true;
    private volatile long lastDrain = System.nanoTime() - BATCH_NANOS;
    /** The writer found nothing to write and sleeps until a line wakes it. */
    private volatile boolean idle;

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
    public void connectionClosed(ClosedConnection connection) {
        offer(() -> target.info(connection.line()));
    }

    @Override
    public void warn(String message) {
        offer(() -> target.warn(message));
        LockSupport.unpark(writer);
    }

    @Override
    public void error(String message, Throwable cause) {
        offer(() -> target.error(message, cause));
        LockSupport.unpark(writer);
    }

    private void offer(Runnable line) {
        if (!lines.offer(line)) {
            dropped.incrementAndGet();
        } else if (idle || System.nanoTime() - lastDrain >= BATCH_NANOS) {
            LockSupport.unpark(writer);
        }
    }

    private void write() {
        List<Runnable> batch = new ArrayList<>();
        while (running || !lines.isEmpty()) {
            lastDrain = System.nanoTime();
            boolean wrote = lines.drainTo(batch) > 0;
            for (Runnable line : batch) {
                try {
                    line.run();
                } catch (RuntimeException e) {
                    // A failing log service must not stop the writer.
                }
            }
            batch.clear();
            long lost = dropped.getAndSet(0);
            if (lost > 0) {
                target.warn("log: " + lost + " lines dropped (the log could not keep up)");
            }
            if (running && wrote) {
                LockSupport.parkNanos(this, BATCH_NANOS);   // let the next batch gather
            } else if (running) {
                // An offer either finds idle set and unparks, or came first and is seen by isEmpty().
                idle = true;
                if (lines.isEmpty()) {
                    LockSupport.park(this);
                }
                idle = false;
            }
        }
    }

    Thread.State writerState() {
        return writer.getState();
    }

    /** Writes what is queued, then stops. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(writer);
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
