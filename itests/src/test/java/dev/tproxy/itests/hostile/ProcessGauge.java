package dev.tproxy.itests.hostile;

import dev.tproxy.itests.runtime.RuntimeUnderTest;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Samples the runtime's resident memory and open descriptors every 250 ms and keeps the peaks. */
final class ProcessGauge implements AutoCloseable {
    private final RuntimeUnderTest runtime;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "process-gauge");
        thread.setDaemon(true);
        return thread;
    });
    private long peakRssKiB;
    private int peakFds;

    ProcessGauge(RuntimeUnderTest runtime) {
        this.runtime = runtime;
        timer.scheduleAtFixedRate(this::sample, 0, 250, TimeUnit.MILLISECONDS);
    }

    private synchronized void sample() {
        try {
            peakRssKiB = Math.max(peakRssKiB, runtime.residentKiB());
            peakFds = Math.max(peakFds, runtime.openFiles());
        } catch (RuntimeException e) {
            // A descriptor closing while /proc/PID/fd is listed: the next sample counts again.
        }
    }

    synchronized long peakRssKiB() {
        return peakRssKiB;
    }

    synchronized int peakFds() {
        return peakFds;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
