package dev.tproxy.itests.update;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import dev.tproxy.itests.runtime.RuntimeUnderTest;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an update or a restart must carry: long-lived {@link Stream}s through the proxy to an echo server on the
 * lab's server (port 80), each checking every byte, and {@link NewConnections} arriving at 50 per second.
 */
final class VerifiedTraffic implements AutoCloseable {
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");

    private final List<Stream> streams = new ArrayList<>();
    private final NewConnections arrivals;

    /** What the traffic saw, once finished. */
    record Report(List<String> broken, long longestPauseMillis, int arrivals, int failedArrivals, List<String> arrivalFailures) {}

    /** Starts the echo server and {@code count} streams, and waits until every stream flows. */
    VerifiedTraffic(Peers peers, int count) throws Exception {
        ServerSocket echo = peers.listen(Lab.SERVER_V4, 80);
        peers.serve(echo, VerifiedTraffic::echo);
        for (int i = 0; i < count; i++) {
            Stream stream = new Stream(peers.dial(Lab.SERVER_V4, 80), i);
            streams.add(stream);
            stream.start();
        }
        RuntimeUnderTest.await("all streams flowing", Duration.ofSeconds(20), () -> streams.stream().allMatch(s -> s.bytesRead() > 0));
        arrivals = new NewConnections(peers);
    }

    void startArrivals() {
        arrivals.start();
    }

    /** The longest silence of any stream since the last call: what one update or restart cost. */
    long takeLongestRecentPauseMillis() {
        long longest = 0;
        for (Stream stream : streams) {
            longest = Math.max(longest, stream.takeRecentGapMillis());
        }
        return longest;
    }

    /**
     * The longest silence of any stream over 2 s in which nothing is updated: what this harness (its streams and
     * echo threads share the test's JVM and the machine with the runtime) sees when the proxy only relays.
     */
    long steadyPauseMillis() throws InterruptedException {
        takeLongestRecentPauseMillis();
        Thread.sleep(2000);
        return takeLongestRecentPauseMillis();
    }

    /** Stops the new connections (before listing the connections that must have kept their ids). */
    void stopArrivals() throws InterruptedException {
        arrivals.stop();
    }

    /** Stops the arrivals, ends every stream (FIN, then the echo of everything written) and reports. */
    Report finish() throws Exception {
        arrivals.stop();
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
        return new Report(broken, longestPause, arrivals.succeeded(), arrivals.failed(), arrivals.failures());
    }

    /** Stops the arrivals and closes every stream, whatever state a failed test left them in. */
    @Override
    public void close() throws InterruptedException {
        arrivals.stop();
        for (Stream stream : streams) {
            try {
                stream.close();
            } catch (java.io.IOException e) {
                // closing anyway
            }
        }
    }

    /** The ids of the live connections, as tproxy:connections lists them. */
    static List<Long> ids(RuntimeUnderTest runtime) {
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
}
