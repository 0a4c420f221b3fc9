package dev.tproxy.systemd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.proxy.api.Connections;
import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.ListenerState;
import dev.tproxy.proxy.api.Liveness;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class NotifierTest {
    private final List<String> sent = new ArrayList<>();
    private List<ListenerInfo> listeners = List.of();
    private CompletableFuture<Void> probe = new CompletableFuture<>();
    private int probes;

    private static ListenerInfo listener(String name, ListenerState state, String error, String... bound) {
        return new ListenerInfo(name, "dev.tproxy.listener~" + name, state, List.of(bound), Map.of(), error, null);
    }

    private Connections connections() {
        return (Connections) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connections.class},
            (self, method, args) -> method.getName().equals("listeners") ? listeners : null);
    }

    private Notifier notifier(Duration ping) {
        Liveness liveness = () -> {
            probes++;
            return probe;
        };
        return new Notifier(sent::add, ping, () -> Set.of("dev.tproxy.listener~default"), () -> Optional.of(connections()),
            () -> Optional.of(liveness));
    }

    @Test
    void readyOnlyOnceTheConfiguredListenerIsBound() {
        Notifier notifier = notifier(Duration.ZERO);
        notifier.tick(0);
        assertEquals(List.of("STATUS=default: waiting for its configuration"), sent);
        listeners = List.of(listener("default", ListenerState.FAILED, "bind: EADDRINUSE\n(another socket)"));
        notifier.tick(1);
        assertEquals("STATUS=default: failed: bind: EADDRINUSE (another socket)", sent.get(1));
        assertFalse(notifier.ready());
        listeners = List.of(listener("default", ListenerState.RUNNING, null, "0.0.0.0:9876", "[::]:9876"));
        notifier.tick(2);
        assertEquals("READY=1\nSTATUS=default: listening on 0.0.0.0:9876, [::]:9876", sent.get(2));
        notifier.tick(3);
        assertEquals(3, sent.size(), "nothing new, nothing sent");
        notifier.stopping();
        assertEquals("STOPPING=1\nSTATUS=stopping", sent.get(3));
        notifier.stopping();
        assertEquals(4, sent.size(), "STOPPING=1 once");
    }

    @Test
    void aRuntimeThatHandedOverNamesItsSuccessorAsMainProcessInsteadOfStopping() {
        Notifier notifier = notifier(Duration.ZERO);
        listeners = List.of(listener("default", ListenerState.RUNNING, null, "0.0.0.0:9876"));
        notifier.tick(0);
        notifier.handedOver(4242);
        notifier.stopping();
        assertEquals(List.of("READY=1\nSTATUS=default: listening on 0.0.0.0:9876", "MAINPID=4242\nSTATUS=handed over to process 4242"),
                sent, "systemd follows the new process; no STOPPING=1");
    }

    @Test
    void aListenerOnlyTheConsoleConfiguredIsWaitedForToo() {
        listeners = List.of(listener("default", ListenerState.RUNNING, null, "0.0.0.0:9876"),
            listener("extra", ListenerState.FAILED, "port: must be 1..65535, was 0"));
        assertFalse(Readiness.of(Set.of("dev.tproxy.listener~default"), listeners).ready());
        assertFalse(Readiness.of(Set.of(), List.of()).ready(), "no listener at all is not ready");
    }

    @Test
    void watchdogPingsOnlyAfterEveryLoopRanTheProbe() {
        Notifier notifier = notifier(Duration.ofNanos(100));
        listeners = List.of(listener("default", ListenerState.RUNNING, null, "0.0.0.0:9876"));
        notifier.tick(0);
        notifier.tick(1000);
        assertFalse(sent.contains("WATCHDOG=1"), "the probe has not completed: a stuck loop gets no ping");
        assertEquals(1, probes, "one probe outstanding at a time");
        probe.complete(null);
        notifier.tick(2000);
        assertEquals("WATCHDOG=1", sent.get(sent.size() - 1));
        probe = new CompletableFuture<>();
        notifier.tick(2050);
        assertEquals(2, probes, "a fresh probe for the next ping");
        probe.complete(null);
        notifier.tick(2060);
        assertEquals(1, sent.stream().filter("WATCHDOG=1"::equals).count(), "not before the interval");
        notifier.tick(2200);
        assertEquals(2, sent.stream().filter("WATCHDOG=1"::equals).count());
    }

    @Test
    void theEnvironmentDecidesWhatIsSent() {
        NotifyEnvironment none = NotifyEnvironment.of(Map.of("WATCHDOG_USEC", "1000000"), 7);
        assertTrue(none.socket().isEmpty());
        assertTrue(none.watchdog().isEmpty(), "no socket, no watchdog");
        NotifyEnvironment both = NotifyEnvironment.of(Map.of("NOTIFY_SOCKET", "@x", "WATCHDOG_USEC", "2000000", "WATCHDOG_PID", "7"), 7);
        assertEquals(Duration.ofMillis(500), both.pingInterval());
        NotifyEnvironment other = NotifyEnvironment.of(Map.of("NOTIFY_SOCKET", "@x", "WATCHDOG_USEC", "2000000", "WATCHDOG_PID", "8"), 7);
        assertTrue(other.watchdog().isEmpty(), "the watchdog is for another process");
    }
}
