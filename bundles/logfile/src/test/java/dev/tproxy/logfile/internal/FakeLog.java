package dev.tproxy.logfile.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/** A Log Service stand-in: a history (newest first, as the real one) and synchronous delivery. */
final class FakeLog implements LogReaderService {
    final List<LogListener> listeners = new ArrayList<>();
    final List<LogEntry> history = new ArrayList<>();
    private long sequence;

    Entry log(LogLevel level, String message) {
        return log(level, message, null);
    }

    Entry log(LogLevel level, String message, Throwable exception) {
        Entry entry = new Entry(sequence++, 1_700_000_000_000L, level, null, "test.Logger", message, exception);
        history.add(0, entry);
        for (LogListener listener : List.copyOf(listeners)) {
            listener.logged(entry);
        }
        return entry;
    }

    /**
     * Two entries numbered in one order and delivered in the other, as when two threads log at once (the Log
     * Service numbers an entry on the logging thread and queues it after).
     */
    void logCrossed(LogLevel level, String first, String second) {
        Entry earlier = new Entry(sequence++, 1_700_000_000_000L, level, null, "test.Logger", first, null);
        Entry later = new Entry(sequence++, 1_700_000_000_000L, level, null, "test.Logger", second, null);
        history.add(0, earlier);
        history.add(0, later);
        for (LogListener listener : List.copyOf(listeners)) {
            listener.logged(later);
            listener.logged(earlier);
        }
    }

    @Override
    public void addLogListener(LogListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeLogListener(LogListener listener) {
        listeners.remove(listener);
    }

    @Override
    public Enumeration<LogEntry> getLog() {
        return Collections.enumeration(new ArrayList<>(history));
    }

    record Entry(long sequence, long time, LogLevel level, Bundle bundle, String logger, String message, Throwable exception)
        implements LogEntry {
        @Override public Bundle getBundle() { return bundle; }
        @Override public ServiceReference<?> getServiceReference() { return null; }
        @Override @SuppressWarnings("deprecation") public int getLevel() { return level.ordinal(); }
        @Override public String getMessage() { return message; }
        @Override public Throwable getException() { return exception; }
        @Override public long getTime() { return time; }
        @Override public LogLevel getLogLevel() { return level; }
        @Override public String getLoggerName() { return logger; }
        @Override public long getSequence() { return sequence; }
        @Override public String getThreadInfo() { return "main"; }
        @Override public StackTraceElement getLocation() { return null; }
    }
}
