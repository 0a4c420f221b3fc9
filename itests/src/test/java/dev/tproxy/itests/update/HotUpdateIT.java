package dev.tproxy.itests.update;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import dev.tproxy.itests.runtime.Jars;
import dev.tproxy.itests.runtime.RuntimeUnderTest;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The proxy bundle is updated ten times, alternately through deploy/ and the console's update, while 200
 * streams run both ways and new connections arrive at 50 per second. Nothing may be refused, reset or lost,
 * and the connections keep their ids.
 */
class HotUpdateIT {
    private static final int STREAMS = 200;
    private static final int UPDATES = 10;
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");

    @Test
    void updatesLoseNoConnectionAndNoByte() throws Exception {
        try (Lab lab = Lab.create(); Peers peers = new Peers(lab)) {
            lab.intercept(9876, "80");
            ServerSocket echo = peers.listen(Lab.SERVER_V4, 80);
            peers.serve(echo, HotUpdateIT::echo);
            try (RuntimeUnderTest runtime = RuntimeUnderTest.install(lab, Map.of()).start()) {
                List<Stream> streams = new ArrayList<>();
                for (int i = 0; i < STREAMS; i++) {
                    Stream stream = new Stream(peers.dial(Lab.SERVER_V4, 80), i);
                    streams.add(stream);
                    stream.start();
                }
                RuntimeUnderTest.await("all streams flowing", Duration.ofSeconds(20),
                        () -> streams.stream().allMatch(s -> s.bytesRead() > 0));
                List<Long> idsBefore = ids(runtime);
                int fdsBefore = runtime.openFiles();

                NewConnections arrivals = new NewConnections(peers);
                arrivals.start();
                Path jar = runtime.home().resolve("deploy/dev.tproxy.proxy.jar");
                Path staging = Files.createTempDirectory("tproxy-update-");
                for (int update = 1; update <= UPDATES; update++) {
                    long logFrom = runtime.log().getBytes().length;
                    if (update % 2 == 1) {
                        Jars.restamp(jar, jar, "hot" + update);
                    } else {
                        Path build = staging.resolve("proxy-" + update + ".jar");
                        Jars.restamp(jar, build, "hot" + update);
                        String id = runtime.bundleId("dev.tproxy.proxy");
                        runtime.console("update " + id + " " + build.toUri());
                        runtime.console("refresh " + id);
                    }
                    runtime.awaitLog(logFrom, line -> line.contains("listener default: took over its listening sockets"));
                    Thread.sleep(1000);
                }
                arrivals.stop();
                try (var staged = Files.list(staging)) {
                    for (Path file : (Iterable<Path>) staged::iterator) {
                        Files.delete(file);
                    }
                }
                Files.delete(staging);
                List<Long> idsAfter = ids(runtime);
                int fdsAfter = runtime.openFiles();

                long longestPause = 0;
                List<String> broken = new ArrayList<>();
                for (Stream stream : streams) {
                    stream.finish();
                    longestPause = Math.max(longestPause, stream.longestGapMillis());
                    if (stream.verdict() != null) {
                        broken.add(stream.verdict());
                    }
                    stream.close();
                }
                System.out.printf("hot update: %d updates, %d streams, %d new connections (%d failed), longest pause %d ms, fds %d before / %d after%n",
                        UPDATES, STREAMS, arrivals.succeeded(), arrivals.failed(), longestPause, fdsBefore, fdsAfter);
                assertEquals(List.of(), broken, "streams that lost or mangled bytes");
                assertEquals(0, arrivals.failed(), "new connections refused, reset or failed: " + arrivals.failures());
                assertTrue(arrivals.succeeded() > 0);
                assertEquals(idsBefore, idsAfter, "connection ids across the updates");
                assertTrue(Math.abs(fdsAfter - fdsBefore) <= 16, "fds " + fdsBefore + " before, " + fdsAfter + " after");
                assertTrue(runtime.console("lb -s dev.tproxy.proxy").contains("hot" + UPDATES), "the last build runs");
            }
        }
    }

    private static List<Long> ids(RuntimeUnderTest runtime) {
        Matcher matcher = ID.matcher(runtime.console("tproxy:connections --json"));
        List<Long> ids = new ArrayList<>();
        while (matcher.find()) {
            ids.add(Long.parseLong(matcher.group(1)));
        }
        return ids;
    }

    private static void echo(Socket peer) {
        try (peer) {
            peer.getInputStream().transferTo(peer.getOutputStream());
        } catch (Exception e) {
            // The client's checks report what went wrong.
        }
    }

    /** Opens a short connection every 20 ms (50 per second) and checks its echo. */
    private static final class NewConnections {
        private final Peers peers;
        private final AtomicInteger succeeded = new AtomicInteger();
        private final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile boolean running = true;
        private final Thread thread = new Thread(this::run, "new-connections");

        NewConnections(Peers peers) {
            this.peers = peers;
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
}
