package dev.tproxy.logfile.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.osgi.service.log.LogLevel;

/**
 * systemd connects a service's stdout to the journal and says so in {@code $JOURNAL_STREAM} ({@code dev:inode} of
 * that stream, systemd.exec(5)); stdout is the journal only while its device and inode still match (a redirect,
 * such as bin/start's to log/tproxy.out, breaks the match). Lines for the journal carry sd-daemon(3) priority
 * prefixes, so {@code journalctl -p warning} works.
 */
final class JournalStream {
    private JournalStream() {}

    /** True when {@code journalStream} (the variable's value) names the stream at {@code stdout}. */
    static boolean names(String journalStream, Path stdout) {
        if (journalStream == null) {
            return false;
        }
        String[] parts = journalStream.trim().split(":");
        if (parts.length != 2) {
            return false;
        }
        try {
            long dev = Long.parseLong(parts[0]);
            long inode = Long.parseLong(parts[1]);
            return ((Number) Files.getAttribute(stdout, "unix:dev")).longValue() == dev
                && ((Number) Files.getAttribute(stdout, "unix:ino")).longValue() == inode;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether this process's stdout is the journal. */
    static boolean isStdout() {
        return names(System.getenv("JOURNAL_STREAM"), Path.of("/proc/self/fd/1"));
    }

    /** The line with its priority on each of its lines (a stack trace's lines stay at the entry's priority). */
    static String prefixed(LogLevel level, String line) {
        String prefix = "<" + priority(level) + ">";
        return prefix + line.replace("\n", "\n" + prefix);
    }

    /** sd-daemon's LOG_ERR 3, LOG_WARNING 4, LOG_NOTICE 5 (AUDIT: always shown), LOG_INFO 6, LOG_DEBUG 7. */
    static int priority(LogLevel level) {
        return switch (level) {
            case ERROR -> 3;
            case WARN -> 4;
            case AUDIT -> 5;
            case INFO -> 6;
            case DEBUG, TRACE -> 7;
        };
    }
}
