package dev.tproxy.shell.internal.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Against the real host: procfs and real processes. */
class LinuxHostProbeTest {
    private final LinuxHostProbe probe = new LinuxHostProbe();

    @Test
    void readsAndListsProcfs() {
        assertTrue(probe.read("/proc/self/status").orElseThrow().contains("CapEff:"));
        assertTrue(probe.read("/proc/self/limits").orElseThrow().contains("Max open files"));
        assertTrue(probe.read("/no/such/file").isEmpty());
        assertTrue(probe.list("/proc/sys/net/ipv4/conf").contains("all"));
        assertTrue(probe.list("/no/such/dir").isEmpty());
    }

    @Test
    void runsCommandsAndReportsHowTheyEnded() {
        ExecResult echo = probe.run(Duration.ofSeconds(5), "echo", "hello");
        assertEquals(new ExecResult(0, "hello\n", ""), echo);
        ExecResult failed = probe.run(Duration.ofSeconds(5), "sh", "-c", "echo oops >&2; exit 3");
        assertEquals(3, failed.exitCode());
        assertEquals("oops", failed.problem());
        ExecResult missing = probe.run(Duration.ofSeconds(5), "no-such-command-tproxy");
        assertEquals(ExecResult.NOT_RUN, missing.exitCode());
        assertTrue(missing.problem().contains("not installed"), missing.problem());
    }

    @Test
    void aHangingCommandIsStoppedAtTheTimeout() {
        long start = System.nanoTime();
        ExecResult slow = probe.run(Duration.ofMillis(300), "sleep", "30");
        assertEquals(ExecResult.NOT_RUN, slow.exitCode());
        assertTrue(slow.problem().contains("no answer within 300 ms"), slow.problem());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
    }
}
