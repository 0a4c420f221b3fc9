package dev.tproxy.itests.hostile;

import dev.tproxy.itests.lab.Lab;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Every 5 s, five fresh connections from one client address through the proxy to an echo server, each sending
 * 4 KiB and checking that the same bytes come back. Records how long each took (connect to last byte back), or why
 * it failed.
 */
final class Prober implements AutoCloseable {
    static final int PER_ROUND = 5;
    private static final int BYTES = 4096;
    private static final long ROUND_NANOS = 5_000_000_000L;

    private final Lab lab;
    private final String source;
    private final InetSocketAddress echo;
    private final Random random = new Random(16);
    private final List<Long> micros = new ArrayList<>();
    private final List<Long> inOrder = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private volatile boolean stopped;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "prober");
        thread.setDaemon(true);
        return thread;
    });

    Prober(Lab lab, String source, InetSocketAddress echo) {
        this.lab = lab;
        this.source = source;
        this.echo = echo;
    }

    /** Runs one round now (on a thread of the client's namespace) and returns when it is done. */
    void round() throws Exception {
        lab.inNamespace(lab.client(), () -> {
            probeRound();
            return null;
        });
    }

    /** Five probes, on a thread that is in the client's namespace already: nothing but the probe is timed. */
    private void probeRound() {
        for (int i = 0; i < PER_ROUND; i++) {
            byte[] sent = new byte[BYTES];
            random.nextBytes(sent);
            long start = System.nanoTime();
            try {
                byte[] back = echo(sent);
                long took = (System.nanoTime() - start) / 1000;
                record(Arrays.equals(sent, back) ? null : "different bytes came back", took);
            } catch (Exception e) {
                record(e.toString(), (System.nanoTime() - start) / 1000);
            }
        }
    }

    private byte[] echo(byte[] sent) throws Exception {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(5000);
            socket.bind(new InetSocketAddress(source, 0));
            socket.connect(echo, 5000);
            socket.getOutputStream().write(sent);
            InputStream in = socket.getInputStream();
            return in.readNBytes(sent.length);
        }
    }

    private synchronized void record(String failure, long took) {
        inOrder.add(took / 1000);
        if (failure == null) {
            micros.add(took);
        } else {
            failures.add(failure + " after " + took / 1000 + " ms");
        }
    }

    /** Starts a round every 5 s, the first at once, on one thread that stays in the client's namespace. */
    void start() {
        thread.execute(() -> {
            try {
                lab.inNamespace(lab.client(), () -> {
                    for (long next = System.nanoTime(); !stopped; next += ROUND_NANOS) {
                        probeRound();
                        while (!stopped && System.nanoTime() < next + ROUND_NANOS) {
                            Thread.sleep(50);
                        }
                    }
                    return null;
                });
            } catch (Exception e) {
                record("the prober stopped: " + e, 0);
            }
        });
    }

    synchronized List<Long> sortedMicros() {
        List<Long> sorted = new ArrayList<>(micros);
        sorted.sort(null);
        return sorted;
    }

    /** Every probe's time in ms, in the order they ran (for a failure's message: when was it slow). */
    synchronized List<Long> millisInOrder() {
        return new ArrayList<>(inOrder);
    }

    synchronized List<String> failures() {
        return new ArrayList<>(failures);
    }

    /** Stops after the round in progress, if any. */
    @Override
    public void close() {
        stopped = true;
        thread.shutdown();
        try {
            thread.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
