package dev.tproxy.systemd.internal;

import dev.tproxy.proxy.api.Connections;
import dev.tproxy.proxy.api.Liveness;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The notify protocol's state, advanced by {@link #tick(long)} from one thread: READY=1 once (when every configured
 * listener is bound, not before), STATUS= whenever the listeners' line changes, and WATCHDOG=1 only after every
 * event loop ran a probe queued since the last ping, so a stuck loop stops the pings and systemd restarts us.
 */
final class Notifier {
    private final Consumer<String> send;
    private final Duration pingInterval;
    private final Supplier<Set<String>> expectedPids;
    private final Supplier<Optional<Connections>> connections;
    private final Supplier<Optional<Liveness>> liveness;

    private boolean readySent;
    private boolean stoppingSent;
    private String lastStatus;
    private boolean probing;
    private final AtomicBoolean progressed = new AtomicBoolean();
    private long lastPingNanos;
    private boolean pinged;

    Notifier(Consumer<String> send, Duration pingInterval, Supplier<Set<String>> expectedPids,
            Supplier<Optional<Connections>> connections, Supplier<Optional<Liveness>> liveness) {
        this.send = send;
        this.pingInterval = pingInterval;
        this.expectedPids = expectedPids;
        this.connections = connections;
        this.liveness = liveness;
    }

    boolean ready() {
        return readySent;
    }

    void tick(long nowNanos) {
        Readiness readiness = readiness();
        if (!readySent && readiness.ready()) {
            send.accept("READY=1\nSTATUS=" + readiness.status());
            readySent = true;
            lastStatus = readiness.status();
        } else if (!readiness.status().equals(lastStatus)) {
            send.accept("STATUS=" + readiness.status());
            lastStatus = readiness.status();
        }
        if (!pingInterval.isZero()) {
            watchdog(nowNanos);
        }
    }

    /** Once: the framework's stop event and the component's deactivation may both report it. */
    void stopping() {
        if (!stoppingSent) {
            stoppingSent = true;
            send.accept("STOPPING=1\nSTATUS=stopping");
        }
    }

    /**
     * This runtime handed its listeners and connections to process {@code pid} (bin/restart): that process is the
     * service's main process from now on, and this one's exit is no stop of the service.
     */
    void handedOver(long pid) {
        if (!stoppingSent) {
            stoppingSent = true;
            send.accept("MAINPID=" + pid + "\nSTATUS=handed over to process " + pid);
        }
    }

    private Readiness readiness() {
        Optional<Connections> proxy = connections.get();
        if (proxy.isEmpty()) {
            return new Readiness(false, "starting: waiting for the proxy");
        }
        try {
            return Readiness.of(expectedPids.get(), proxy.get().listeners());
        } catch (RuntimeException e) {
            // the proxy is being updated or reconfigured under us: say so, and ask again next tick
            return new Readiness(false, "listeners unavailable: " + e.getMessage());
        }
    }

    private void watchdog(long nowNanos) {
        if (!probing) {
            liveness.get().ifPresent(engine -> {
                probing = true;
                engine.probe().thenRun(() -> progressed.set(true));
            });
        }
        boolean due = !pinged || nowNanos - lastPingNanos >= pingInterval.toNanos();
        if (due && progressed.get()) {
            send.accept("WATCHDOG=1");
            pinged = true;
            lastPingNanos = nowNanos;
            progressed.set(false);
            probing = false;
        }
    }
}
