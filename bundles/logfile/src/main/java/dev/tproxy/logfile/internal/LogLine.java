package dev.tproxy.logfile.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Set;
import org.osgi.framework.Bundle;
import org.osgi.service.log.LogEntry;

/**
 * Formats a log entry as exactly one line, so that {@code grep} and {@code tail -f} work:
 * <pre>
 *   2026-11-25T09:26:01.123+01:00 INFO  [dev.tproxy.proxy] dev.tproxy.proxy.internal.Listener: message | IOException: why; caused by …
 * </pre>
 * Line breaks inside a message become a literal {@code \n}; an exception is summarised as its class and message
 * and those of its causes (no stack trace: the Log Service keeps the entry for tools that want it).
 */
final class LogLine {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    private final ZoneId zone;

    LogLine(ZoneId zone) {
        this.zone = zone;
    }

    String format(LogEntry entry) {
        StringBuilder line = new StringBuilder(160);
        line.append(TIME.format(Instant.ofEpochMilli(entry.getTime()).atZone(zone))).append(' ');
        String level = entry.getLogLevel().name();
        line.append(level).append(" ".repeat(Math.max(1, 6 - level.length())));
        line.append('[').append(symbolicName(entry.getBundle())).append("] ");
        String logger = entry.getLoggerName();
        if (logger != null && !logger.isEmpty()) {
            line.append(logger).append(": ");
        }
        line.append(oneLine(entry.getMessage()));
        Throwable exception = entry.getException();
        if (exception != null) {
            line.append(" | ").append(summary(exception));
        }
        return line.toString();
    }

    static String summary(Throwable exception) {
        StringBuilder summary = new StringBuilder();
        Set<Throwable> seen = new HashSet<>();
        for (Throwable t = exception; t != null && seen.add(t); t = t.getCause()) {
            if (t != exception) {
                summary.append("; caused by ");
            }
            summary.append(t.getClass().getName());
            if (t.getMessage() != null) {
                summary.append(": ").append(oneLine(t.getMessage()));
            }
        }
        return summary.toString();
    }

    static String oneLine(String text) {
        return text == null ? "null" : text.strip().replaceAll("\\R", "\\\\n");
    }

    private static String symbolicName(Bundle bundle) {
        if (bundle == null) {
            return "-";
        }
        String name = bundle.getSymbolicName();
        return name == null ? "#" + bundle.getBundleId() : name;
    }
}
