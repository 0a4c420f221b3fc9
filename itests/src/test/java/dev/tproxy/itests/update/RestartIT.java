package dev.tproxy.itests.update;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import dev.tproxy.itests.lab.Shell;
import dev.tproxy.itests.runtime.Jars;
import dev.tproxy.itests.runtime.RuntimeUnderTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * bin/restart under 200 verified streams and 50 new connections a second: a new JVM takes over every listening
 * socket and every live connection from the running one, five times in a row, then once into another
 * installation (another build), then the proxy bundle and the native-socket bundle are hot-updated. Nothing may be refused, reset or lost; the
 * connections keep their ids, the process holds as many descriptors as before. And the refusals: a new
 * installation with an invalid etc/ starts nothing, one whose JVM cannot start is reported, and one whose proxy
 * cannot start is killed once the hand-over's timeout passes, the old runtime then serving everything again.
 */
class RestartIT {
    private static final int STREAMS = 200;
    private static final int RESTARTS = 5;

    @Test
    void restartsIntoNewProcessesAndAnotherHomeLoseNoConnectionAndNoByte() throws Exception {
        try (Lab lab = Lab.create(); Peers peers = new Peers(lab)) {
            lab.intercept(9876, "80");
            try (RuntimeUnderTest runtime = RuntimeUnderTest.install(lab, Map.of()).start();
                 VerifiedTraffic traffic = new VerifiedTraffic(peers, STREAMS)) {
                List<Long> idsBefore = VerifiedTraffic.ids(runtime);
                RuntimeUnderTest.Descriptors fdsBefore = runtime.descriptors();
                List<Long> pids = new ArrayList<>(List.of(runtime.pid()));
                List<Long> pauses = new ArrayList<>();

                traffic.startArrivals();
                long steady = traffic.steadyPauseMillis();
                for (int restart = 1; restart <= RESTARTS; restart++) {
                    traffic.takeLongestRecentPauseMillis();
                    restart(runtime, null);
                    pids.add(runtime.pid());
                    Thread.sleep(1000);
                    pauses.add(traffic.takeLongestRecentPauseMillis());
                }
                Path other = runtime.installAnotherHome();
                Path otherProxy = other.resolve("deploy/dev.tproxy.proxy.jar");
                Jars.restamp(otherProxy, otherProxy, "otherhome");
                traffic.takeLongestRecentPauseMillis();
                restart(runtime, other);
                pids.add(runtime.pid());
                assertEquals(other, runtime.home());
                assertTrue(runtime.console("lb -s dev.tproxy.proxy").contains("otherhome"), "the other home's build runs");
                Thread.sleep(1000);
                pauses.add(traffic.takeLongestRecentPauseMillis());

                long logFrom = runtime.logSizeNow();
                Path jar = runtime.home().resolve("deploy/dev.tproxy.proxy.jar");
                Jars.restamp(jar, jar, "afterrestart");
                runtime.awaitLog(logFrom, line -> line.contains("listener default: took over its listening sockets"));
                Thread.sleep(1000);
                pauses.add(traffic.takeLongestRecentPauseMillis());

                logFrom = runtime.logSizeNow();
                Path sockets = runtime.home().resolve("deploy/dev.tproxy.native-socket.jar");
                Jars.restamp(sockets, sockets, "nativeupdate");
                runtime.awaitLog(logFrom, line -> line.contains("listener default: took over its listening sockets"));
                assertTrue(runtime.console("lb -s dev.tproxy.native-socket").contains("nativeupdate"), "the new native-socket runs");
                Thread.sleep(1000);
                pauses.add(traffic.takeLongestRecentPauseMillis());

                traffic.stopArrivals();
                List<Long> idsAfter = VerifiedTraffic.ids(runtime);
                RuntimeUnderTest.Descriptors fdsAfter = runtime.descriptors();
                VerifiedTraffic.Report report = traffic.finish();
                System.out.printf("restart: %d restarts + 1 into another home + 1 proxy update + 1 native-socket update, %d streams, %d new connections "
                        + "(%d failed), longest pause %d ms (each restart's, the other home's, the updates': %s; 2 s of steady traffic: %d), "
                        + "fds %s before / %s after, pids %s%n", RESTARTS, STREAMS, report.arrivals(), report.failedArrivals(),
                        report.longestPauseMillis(), pauses, steady, fdsBefore, fdsAfter, pids);
                assertEquals(List.of(), report.broken(), "streams that lost or mangled bytes");
                assertEquals(0, report.failedArrivals(), "new connections refused, reset or failed: " + report.arrivalFailures());
                assertTrue(report.arrivals() > 0);
                assertEquals(idsBefore, idsAfter, "connection ids across the restarts");
                assertEquals(pids.size(), pids.stream().distinct().count(), "every restart runs a new process: " + pids);
                // pipes apart: how many the relays hold depends on the bytes in flight at that moment
                assertTrue(Math.abs(fdsAfter.others() - fdsBefore.others()) <= 16, "fds " + fdsBefore + " before, " + fdsAfter + " after");
            }
        }
    }

    @Test
    void aNewHomeThatCannotTakeOverLeavesTheOldRuntimeServing() throws Exception {
        try (Lab lab = Lab.create(); Peers peers = new Peers(lab)) {
            lab.intercept(9876, "80");
            try (RuntimeUnderTest runtime = RuntimeUnderTest.install(lab, Map.of()).start();
                 VerifiedTraffic traffic = new VerifiedTraffic(peers, 20)) {
                List<Long> idsBefore = VerifiedTraffic.ids(runtime);
                long pid = runtime.pid();
                Path home = runtime.home();
                traffic.startArrivals();

                Path badEtc = runtime.installAnotherHome();
                Path listener = badEtc.resolve("etc/dev.tproxy.listener-default.config");
                Files.writeString(listener, Files.readString(listener) + "port=I\"70000\"\n");
                Shell.Result refused = runtime.restart(badEtc);
                assertEquals(78, refused.exitCode(), refused.output());
                assertTrue(refused.output().contains("port: must be 1..65535, was 70000"), refused.output());
                assertEquals(0, runtimesOf(badEtc), "nothing started from the home with the bad file");

                Path noJvm = runtime.installAnotherHome();
                Files.writeString(noJvm.resolve("etc/jvm.options"), "-XX:+NoSuchOption\n", java.nio.file.StandardOpenOption.APPEND);
                Shell.Result dead = runtime.restart(noJvm);
                assertEquals(1, dead.exitCode(), dead.output());
                assertTrue(dead.output().contains("the new runtime exited before it was ready to take over"), dead.output());
                assertEquals(0, runtimesOf(noJvm), "nothing left running from the home whose JVM cannot start");

                Path broken = runtime.installAnotherHome();
                Path proxy = broken.resolve("deploy/dev.tproxy.proxy.jar");
                Jars.breakImports(proxy, proxy);
                Shell.Result result = lab.tryExec(lab.router(), "env", "TPROXY_HANDOVER_TIMEOUT=5",
                        home.resolve("bin/restart").toString(), broken.toString());
                assertEquals(1, result.exitCode(), result.output());
                assertTrue(result.output().contains("did not adopt") && result.output().contains("goes on serving"), result.output());
                assertEquals(0, runtimesOf(broken), "the new runtime is gone");
                Thread.sleep(1000);

                assertEquals(pid, runtime.pid());
                assertEquals(home, runtime.home());
                traffic.stopArrivals();
                List<Long> idsAfter = VerifiedTraffic.ids(runtime);
                VerifiedTraffic.Report report = traffic.finish();
                System.out.printf("restart rollback: %d new connections (%d failed), longest pause %d ms%n",
                        report.arrivals(), report.failedArrivals(), report.longestPauseMillis());
                assertEquals(List.of(), report.broken(), "streams that lost or mangled bytes");
                assertEquals(0, report.failedArrivals(), "new connections refused, reset or failed: " + report.arrivalFailures());
                assertEquals(idsBefore, idsAfter, "connection ids across the failed restart");
            }
        }
    }

    private static void restart(RuntimeUnderTest runtime, Path newHome) throws IOException {
        long before = runtime.pid();
        String priority = sessionPriority(before);
        long logFrom = newHome == null ? runtime.logSizeNow() : 0;
        Shell.Result result = runtime.restart(newHome);
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("tproxy restarted: pid " + before + " -> "), result.output());
        assertNotEquals(before, runtime.pid());
        assertTrue(ProcessHandle.of(before).isEmpty(), "the old runtime exited");
        // bin/restart starts the new runtime in a session that yields the CPU (nice 10); from the hand-over on its
        // session has the old one's priority (the line is logged only for a change)
        // (or, where it was not ready within half of its start's time, bin/restart gave it that priority)
        if (!Files.readString(runtime.home().resolve("log/tproxy.out")).contains("it no longer yields the CPU to pid " + before)) {
            runtime.awaitLog(logFrom, line -> line.contains("this runtime's session now has the CPU priority of process " + before + "'s"));
        }
        assertEquals(priority, sessionPriority(runtime.pid()), "the new runtime's session has the old one's CPU priority");
    }

    /** The nice of the autogroup of {@code pid}'s session: "nice 0" of "/autogroup-25 nice 0". */
    private static String sessionPriority(long pid) throws IOException {
        String autogroup = Files.readString(Path.of("/proc", Long.toString(pid), "autogroup")).trim();
        return autogroup.substring(autogroup.indexOf(' ') + 1);
    }

    /** How many processes run the runtime of {@code home}. */
    private static long runtimesOf(Path home) {
        String option = "-Dtproxy.home=" + home;
        return ProcessHandle.allProcesses()
                .filter(process -> process.info().arguments().map(args -> List.of(args).contains(option)).orElse(false))
                .count();
    }
}
