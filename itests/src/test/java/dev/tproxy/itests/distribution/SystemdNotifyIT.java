package dev.tproxy.itests.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tproxy.itests.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd notify protocol with the real runtime ({@code bin/tproxy --service}, what the unit runs) in a lab
 * namespace and a datagram socket of the test's own as {@code $NOTIFY_SOCKET}: only STATUS= (while starting) before READY=1,
 * once the listener accepts connections, WATCHDOG=1 pings at the interval {@code $WATCHDOG_USEC} asks for,
 * STOPPING=1 when {@code bin/stop} stops it; with {@code $JOURNAL_STREAM} naming its stdout, log lines go there
 * with sd-daemon priority prefixes. After {@code bin/restart} (the unit's ExecReload=), the old process names the new
 * one with MAINPID= instead of STOPPING=1, and the new one's watchdog pings go on.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SystemdNotifyIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path temp;

    @Test
    void readyOnlyWhenListeningThenWatchdogThenStopping() throws Exception {
        try (Lab lab = Lab.create();
                Installation tproxy = Installation.copyTo(temp);
                NotifyReceiver systemd = new NotifyReceiver(temp.resolve("notify.sock"))) {
            Optional<String> router = Optional.of(lab.router());
            String accepts = "exec 3<>/dev/tcp/127.0.0.1/9876";
            assertTrue(lab.tryExec(lab.router(), "bash", "-c", accepts).exitCode() != 0, "nothing listens before the start");

            // stdout as systemd's journal stream: a file whose dev:inode $JOURNAL_STREAM names
            Path stdout = tproxy.resolve("log/tproxy.test.out");
            Files.createDirectories(stdout.getParent());
            Files.createFile(stdout);
            String journal = Files.getAttribute(stdout, "unix:dev") + ":" + Files.getAttribute(stdout, "unix:ino");
            tproxy.launch(router, Map.of("NOTIFY_SOCKET", systemd.path().toString(), "WATCHDOG_USEC", "2000000",
                "JOURNAL_STREAM", journal), "bin/tproxy", "--service");
            NotifyReceiver.Message ready = await(systemd, m -> m.text().startsWith("READY=1"));
            // READY=1 means bound: a connection made right after it is accepted (the TCP handshake completes)
            assertEquals(0, lab.tryExec(lab.router(), "bash", "-c", accepts).exitCode(), "the listener accepts after READY=1");
            assertTrue(ready.text().contains("\nSTATUS=default: listening on 0.0.0.0:9876, [::]:9876"), ready.text());
            List<String> before = systemd.messages().stream().takeWhile(m -> m != ready).map(NotifyReceiver.Message::text)
                .collect(Collectors.toList());
            assertTrue(before.stream().allMatch(text -> text.startsWith("STATUS=") || text.equals("WATCHDOG=1")), before.toString());
            // A STATUS= before READY=1 comes only if the notifier looked before the listener was bound: with the
            // systemd bundle started after the proxy, READY=1 is the first message (NotifierTest covers the waiting).

            NotifyReceiver.Message first = await(systemd, m -> m.nanos() > ready.nanos() && m.text().equals("WATCHDOG=1"));
            await(systemd, m -> m.nanos() > first.nanos() && m.text().equals("WATCHDOG=1"));

            List<String> logged = Files.readAllLines(stdout);
            assertTrue(logged.stream().anyMatch(line -> line.startsWith("<6>") && line.contains("systemd notify socket")),
                "log lines reach the journal with sd-daemon priorities: " + logged);

            Installation.Run stop = tproxy.run(WAIT, "bin/stop");
            assertEquals(0, stop.exitCode(), stop.both());
            NotifyReceiver.Message stopping = await(systemd, m -> m.text().startsWith("STOPPING=1"));
            assertEquals("STOPPING=1\nSTATUS=stopping", stopping.text());
            assertEquals(1, count(systemd, "STOPPING=1\nSTATUS=stopping", 0), "once");
        }
    }

    @Test
    void aRestartNamesTheNewProcessAsMainAndSendsNoStopping() throws Exception {
        try (Lab lab = Lab.create();
                Installation tproxy = Installation.copyTo(temp);
                NotifyReceiver systemd = new NotifyReceiver(temp.resolve("notify.sock"))) {
            Optional<String> router = Optional.of(lab.router());
            Map<String, String> env = Map.of("NOTIFY_SOCKET", systemd.path().toString(), "WATCHDOG_USEC", "2000000");
            tproxy.launch(router, env, "bin/tproxy", "--service");
            await(systemd, m -> m.text().startsWith("READY=1"));
            long old = tproxy.pidFromFile().orElseThrow();

            // as systemd runs ExecReload=: the service's environment, the watchdog meant for the main process
            Map<String, String> reload = new java.util.HashMap<>(env);
            reload.put("WATCHDOG_PID", Long.toString(old));
            Installation.Run restart = tproxy.run(WAIT, router, reload, "bin/restart");
            assertEquals(0, restart.exitCode(), restart.both());
            long successor = tproxy.pidFromFile().orElseThrow();
            assertTrue(successor != old, "a new process: " + restart.both());
            NotifyReceiver.Message handedOver = await(systemd, m -> m.text().startsWith("MAINPID="));
            assertEquals("MAINPID=" + successor + "\nSTATUS=handed over to process " + successor, handedOver.text());
            long afterRestart = System.nanoTime();
            await(systemd, m -> m.nanos() > afterRestart && m.text().equals("WATCHDOG=1"));
            assertEquals(0, count(systemd, "STOPPING=1\nSTATUS=stopping", 0), "the old process's exit is no stop of the service");

            Installation.Run stop = tproxy.run(WAIT, "bin/stop");
            assertEquals(0, stop.exitCode(), stop.both());
            await(systemd, m -> m.text().startsWith("STOPPING=1"));
        }
    }

    private static long count(NotifyReceiver systemd, String text, long after) {
        return systemd.messages().stream().filter(m -> m.nanos() > after && m.text().equals(text)).count();
    }

    private static NotifyReceiver.Message await(NotifyReceiver systemd, Predicate<NotifyReceiver.Message> wanted)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (NotifyReceiver.Message message : systemd.messages()) {
                if (wanted.test(message)) {
                    return message;
                }
            }
            Thread.sleep(20);
        }
        fail("no such notification within " + WAIT + "; received " + systemd.messages());
        return null;
    }
}
