package dev.tproxy.shell.internal.doctor;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the proxy's own process may do: its capabilities and its open-files limit. */
final class ProcessChecks {
    static final int CAP_NET_ADMIN = 12;
    static final int CAP_NET_RAW = 13;
    /** Descriptors the runtime holds besides connections: jars, listeners, epoll, eventfds, logs. */
    static final long RESERVED_FDS = 256;

    private static final Pattern CAP_EFF = Pattern.compile("(?m)^CapEff:\\s*([0-9a-fA-F]+)");
    private static final Pattern NOFILE = Pattern.compile("(?m)^Max open files\\s+(\\S+)\\s+(\\S+)");
    private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");
    private static final String SERVICE_FIX = "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN in the service unit "
            + "(native/systemd/tproxy.service), then systemctl restart tproxy";

    private final HostProbe probe;

    ProcessChecks(HostProbe probe) {
        this.probe = probe;
    }

    List<CheckResult> run(List<ListenerFacts> listeners) {
        return List.of(capabilities(), openFiles(listeners));
    }

    // IP_TRANSPARENT and SO_MARK need CAP_NET_ADMIN, or since Linux 5.17 CAP_NET_RAW alone (docs/design.md).
    private CheckResult capabilities() {
        String check = "capabilities";
        Optional<BigInteger> effective = probe.read("/proc/self/status").map(CAP_EFF::matcher).filter(Matcher::find)
                .map(m -> new BigInteger(m.group(1), 16));
        if (effective.isEmpty()) {
            return CheckResult.warn(check, "CapEff not found in /proc/self/status", "grep Cap /proc/self/status");
        }
        boolean admin = effective.get().testBit(CAP_NET_ADMIN);
        boolean raw = effective.get().testBit(CAP_NET_RAW);
        String release = probe.read("/proc/sys/kernel/osrelease").map(String::strip).orElse("?");
        if (admin) {
            return CheckResult.ok(check, "CAP_NET_ADMIN" + (raw ? " and CAP_NET_RAW" : "") + " effective");
        }
        if (raw && atLeast(release, 5, 17)) {
            return CheckResult.ok(check, "CAP_NET_RAW effective (enough for IP_TRANSPARENT and SO_MARK on Linux "
                    + release + ")");
        }
        String detail = raw ? "only CAP_NET_RAW, and Linux " + release + " (before 5.17) also needs CAP_NET_ADMIN for "
                + "IP_TRANSPARENT and SO_MARK" : "neither CAP_NET_RAW nor CAP_NET_ADMIN: listeners cannot set IP_TRANSPARENT";
        return CheckResult.fail(check, detail + " (CapEff " + effective.get().toString(16) + ")", SERVICE_FIX);
    }

    private CheckResult openFiles(List<ListenerFacts> listeners) {
        String check = "open files";
        Optional<Matcher> limits = probe.read("/proc/self/limits").map(NOFILE::matcher).filter(Matcher::find);
        if (limits.isEmpty()) {
            return CheckResult.warn(check, "'Max open files' not found in /proc/self/limits", "ulimit -n");
        }
        long soft = limit(limits.get().group(1));
        long hard = limit(limits.get().group(2));
        long connections = listeners.stream().filter(ListenerFacts::active).mapToLong(ListenerFacts::maxConnections).sum();
        long sockets = connections * 2 + RESERVED_FDS;
        long withPipes = connections * 4 + RESERVED_FDS;
        String found = "RLIMIT_NOFILE " + text(soft) + " (hard " + text(hard) + "), max.connections " + connections
                + " in total";
        if (soft >= withPipes) {
            return CheckResult.ok(check, found + ": room for all of them with their pipes (" + withPipes + ")");
        }
        long perConnection = soft >= sockets ? 4 : 2;
        String fix = hard > soft ? "ulimit -n " + text(Math.min(hard, withPipes)) + " before bin/tproxy (the hard limit allows it)"
                : "LimitNOFILE=" + withPipes + " in the service unit (native/systemd/tproxy.service), or lower max.connections "
                        + "to " + Math.max(1, (soft - RESERVED_FDS) / perConnection) + " in total (etc/dev.tproxy.listener-*.config)";
        if (soft >= sockets) {
            return CheckResult.warn(check, found + ": enough at 2 descriptors per connection (" + sockets
                    + "), not at 4 while data flows through pipes (" + withPipes + ")", fix);
        }
        return CheckResult.fail(check, found + ": below the " + sockets + " needed at 2 descriptors per connection; "
                + "connections beyond ~" + Math.max(0, (soft - RESERVED_FDS) / 2) + " will be refused", fix);
    }

    private static boolean atLeast(String release, int major, int minor) {
        Matcher matcher = RELEASE.matcher(release);
        if (!matcher.find()) {
            return false;
        }
        int foundMajor = Integer.parseInt(matcher.group(1));
        return foundMajor > major || foundMajor == major && Integer.parseInt(matcher.group(2)) >= minor;
    }

    private static long limit(String text) {
        return text.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(text);
    }

    private static String text(long limit) {
        return limit == Long.MAX_VALUE ? "unlimited" : String.valueOf(limit);
    }
}
