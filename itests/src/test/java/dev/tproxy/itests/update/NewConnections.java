package dev.tproxy.itests.update;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Opens a short connection every 20 ms (50 per second) to the lab's echo server on port 80 and checks its echo. */
final class NewConnections {
    private final Peers peers;
    private final AtomicInteger succeeded = new AtomicInteger();
    private final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private final Thread thread = new Thread(this::run, "new-connections");

    NewConnections(Peers peers) {
        this.peers = peers;
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        int n = 0;
        while (running) {
            long next = System.nanoTime() + 20_000_000L;
            byte[] hello = ("new " + n++).getBytes();
            try (Socket socket = peers.dial(Lab.SERVER_V4, 80)) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(hello);
                byte[] back = socket.getInputStream().readNBytes(hello.length);
                if (java.util.Arrays.equals(hello, back)) {
                    succeeded.incrementAndGet();
                } else {
                    failures.add("connection " + n + ": echo differs");
                }
            } catch (Exception e) {
                failures.add("connection " + n + ": " + e);
            }
            long wait = next - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
        }
    }

    void stop() throws InterruptedException {
        running = false;
        thread.join(30_000);
    }

    int succeeded() {
        return succeeded.get();
    }

    int failed() {
        return failures.size();
    }

    List<String> failures() {
        return failures;
    }
}
