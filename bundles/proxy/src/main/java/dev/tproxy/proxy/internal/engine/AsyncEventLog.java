package dev.tproxy.proxy.internal.engine;

import dev.tproxy.logfile.api.AccessLog;
import dev.tproxy.proxy.internal.config.AccessLogFormat;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands log lines from the event loops to a thread of their own ({@value #THREAD_NAME}), in batches of at most
 * one per {@link #BATCH_NANOS}; a quiet proxy's lines, warnings and errors wake it at once. A full queue drops
 * lines and says how many, never blocking a loop. Ended connections' lines are formatted on that thread and go to
 * the {@link AccessLog} in one batch, or to the Log Service while there is none. Why: docs/design.md, "Logging".
 */
public final class AsyncEventLog implements EventLog, AutoCloseable {
    static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    static final String THREAD_NAME = "tproxy-log";
    private static final int CAPACITY = 16_384;

    private final EventLog target;
    private final BlockingQueue<Runnable> lines = new ArrayBlockingQueue<>(CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicReference<AccessLog> accessLog = new AtomicReference<>();
    /** Writer thread only: the formatter and this batch's access-log lines. */
    private final AccessLogLines accessLines = new AccessLogLines(ZoneId.systemDefault());
    private final List<String> accessBatch = new ArrayList<>();
    private final Thread writer;
    private volatile boolean running = true;
    private volatile long lastDrain = System.nanoTime() - BATCH_NANOS;
    /** The writer found nothing to write and sleeps until a line wakes it. */
    private volatile boolean idle;

    public AsyncEventLog(EventLog target) {
        this.target = target;
        this.writer = new Thread(this::write, THREAD_NAME);
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void info(String message) {
        offer(() -> target.info(message));
    }

    /** Where ended connections' lines go from now on. */
    public void accessLog(AccessLog accessLog) {
        this.accessLog.set(accessLog);
    }

    /** That access log is gone (unless another took its place): the lines go to the Log Service again. */
    public void accessLogGone(AccessLog accessLog) {
        this.accessLog.compareAndSet(accessLog, null);
    }

    @Override
    public void connectionClosed(ClosedConnection connection, AccessLogFormat format) {
        offer(() -> {
            if (accessLog.get() == null) {
                target.info(connection.line());
            } else {
                accessBatch.add(accessLines.format(connection, format));
            }
        });
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
            writeAccessBatch();
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

    private void writeAccessBatch() {
        if (accessBatch.isEmpty()) {
            return;
        }
        AccessLog sink = accessLog.get();
        try {
            if (sink != null) {
                sink.append(accessBatch);
            } else {
                accessBatch.forEach(target::info);   // it went away in the meantime: the lines are not lost
            }
        } catch (RuntimeException e) {
            // A failing access log must not stop the writer; it says so in the runtime's log itself.
        }
        accessBatch.clear();
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
