package dev.tproxy.systemd.internal;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What systemd tells a service through its environment (sd_notify(3), sd_watchdog_enabled(3)): where to send
 * notifications, and whether and how often it expects WATCHDOG=1 from this process.
 *
 * @param socket {@code $NOTIFY_SOCKET}: a path, or {@code @name} in the abstract namespace; empty when not run by systemd
 * @param watchdog {@code $WATCHDOG_USEC}, when set and meant for this process ({@code $WATCHDOG_PID} absent or ours)
 */
record NotifyEnvironment(Optional<String> socket, Optional<Duration> watchdog) {
    static NotifyEnvironment of(Map<String, String> env, long pid) {
        Optional<String> socket = Optional.ofNullable(env.get("NOTIFY_SOCKET")).filter(value -> !value.isBlank());
        Optional<Duration> watchdog = Optional.empty();
        String usec = env.get("WATCHDOG_USEC");
        String watchdogPid = env.get("WATCHDOG_PID");
        boolean ours = watchdogPid == null || watchdogPid.isBlank() || watchdogPid.trim().equals(Long.toString(pid));
        if (usec != null && ours) {
            try {
                long micros = Long.parseLong(usec.trim());
                if (micros > 0) {
                    watchdog = Optional.of(Duration.ofNanos(micros * 1000));
                }
            } catch (NumberFormatException e) {
                // systemd writes a number; anything else is no watchdog
            }
        }
        return new NotifyEnvironment(socket, socket.isPresent() ? watchdog : Optional.empty());
    }

    /** systemd's advice: ping at half the timeout at least; a quarter leaves room for a slow round. */
    Duration pingInterval() {
        return watchdog.map(timeout -> timeout.dividedBy(4)).orElse(Duration.ZERO);
    }
}
