package dev.tproxy.itests.update;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import dev.tproxy.itests.runtime.Jars;
import dev.tproxy.itests.runtime.RuntimeUnderTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The proxy bundle is updated ten times, alternately through deploy/ and the console's update, while 200
 * streams run both ways and new connections arrive at 50 per second. Nothing may be refused, reset or lost,
 * and the connections keep their ids.
 */
class HotUpdateIT {
    private static final int STREAMS = 200;
    private static final int UPDATES = 10;

    @Test
    void updatesLoseNoConnectionAndNoByte() throws Exception {
        try (Lab lab = Lab.create(); Peers peers = new Peers(lab)) {
            lab.intercept(9876, "80");
            try (RuntimeUnderTest runtime = RuntimeUnderTest.install(lab, Map.of()).start();
                 VerifiedTraffic traffic = new VerifiedTraffic(peers, STREAMS)) {
                List<Long> idsBefore = VerifiedTraffic.ids(runtime);
                RuntimeUnderTest.Descriptors fdsBefore = runtime.descriptors();

                traffic.startArrivals();
                long steady = traffic.steadyPauseMillis();
                List<Long> pauses = new ArrayList<>();
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
                        // no refresh: no bundle imports from the proxy (its API is a bundle of its own)
                        runtime.console("update " + id + " " + build.toUri());
                    }
                    runtime.awaitLog(logFrom, line -> line.contains("listener default: took over its listening sockets"));
                    Thread.sleep(1000);
                    pauses.add(traffic.takeLongestRecentPauseMillis());
                }
                try (var staged = Files.list(staging)) {
                    for (Path file : (Iterable<Path>) staged::iterator) {
                        Files.delete(file);
                    }
                }
                Files.delete(staging);
                traffic.stopArrivals();
                List<Long> idsAfter = VerifiedTraffic.ids(runtime);
                RuntimeUnderTest.Descriptors fdsAfter = runtime.descriptors();
                VerifiedTraffic.Report report = traffic.finish();
                System.out.printf("hot update: %d updates, %d streams, %d new connections (%d failed), longest pause %d ms (each update's: %s; "
                        + "2 s of steady traffic: %d), fds %s before / %s after%n", UPDATES, STREAMS, report.arrivals(), report.failedArrivals(),
                        report.longestPauseMillis(), pauses, steady, fdsBefore, fdsAfter);
                assertEquals(List.of(), report.broken(), "streams that lost or mangled bytes");
                assertEquals(0, report.failedArrivals(), "new connections refused, reset or failed: " + report.arrivalFailures());
                assertTrue(report.arrivals() > 0);
                assertEquals(idsBefore, idsAfter, "connection ids across the updates");
                // pipes apart: how many the relays hold depends on the bytes in flight at that moment
                assertTrue(Math.abs(fdsAfter.others() - fdsBefore.others()) <= 16, "fds " + fdsBefore + " before, " + fdsAfter + " after");
                assertTrue(runtime.console("lb -s dev.tproxy.proxy").contains("hot" + UPDATES), "the last build runs");
            }
        }
    }
}
