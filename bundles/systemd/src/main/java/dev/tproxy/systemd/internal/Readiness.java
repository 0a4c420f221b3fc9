package dev.tproxy.systemd.internal;

import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.ListenerState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether every configured listener is bound, and a one-line STATUS= for {@code systemctl status}. Configured means
 * a listener file in etc/ (it may not have reached Config Admin yet: then we wait for it) or a listener the proxy
 * knows of (also one configured in the console).
 *
 * @param ready every configured listener is RUNNING, and there is at least one
 * @param status e.g. {@code default: listening on 0.0.0.0:9876, [::]:9876}
 */
record Readiness(boolean ready, String status) {
    static Readiness of(Set<String> expectedPids, List<ListenerInfo> listeners) {
        Map<String, ListenerInfo> byPid = new LinkedHashMap<>();
        for (ListenerInfo listener : listeners) {
            byPid.put(listener.pid(), listener);
        }
        List<String> parts = new ArrayList<>();
        boolean ready = !expectedPids.isEmpty() || !byPid.isEmpty();
        for (String pid : expectedPids) {
            if (!byPid.containsKey(pid)) {
                ready = false;
                parts.add(pid.substring(pid.indexOf('~') + 1) + ": waiting for its configuration");
            }
        }
        for (ListenerInfo listener : byPid.values()) {
            boolean running = listener.state() == ListenerState.RUNNING && !listener.boundAddresses().isEmpty();
            ready &= running;
            parts.add(listener.name() + ": " + describe(listener, running));
        }
        if (parts.isEmpty()) {
            return new Readiness(false, "no listener configured (etc/dev.tproxy.listener-<name>.config)");
        }
        return new Readiness(ready, String.join("; ", parts));
    }

    private static String describe(ListenerInfo listener, boolean running) {
        if (running) {
            String text = "listening on " + String.join(", ", listener.boundAddresses());
            return listener.lastError() == null ? text : text + " (last error: " + oneLine(listener.lastError()) + ")";
        }
        String state = listener.state().name().toLowerCase(java.util.Locale.ROOT);
        return listener.lastError() == null ? state : state + ": " + oneLine(listener.lastError());
    }

    /** A STATUS= value is one line of the datagram; a newline would start a new (bogus) assignment. */
    private static String oneLine(String text) {
        return text.replace('\n', ' ').replace('\r', ' ');
    }
}
