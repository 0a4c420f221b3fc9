package dev.tproxy.logfile.internal;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * Appends every Log Service entry at or above the threshold to the runtime's log file, one line each
 * ({@link LogLine}), rotated by size ({@link RotatingFile}); settings are framework properties
 * ({@link LogFileSettings}).
 *
 * <p>At activation it also writes what the Log Service remembered from before (the bundles that started ahead of
 * this one), and after a hot update of this bundle only what the previous instance had not written yet: the last
 * written sequence number is kept in the bundle's data area, tagged with the framework's UUID so that a restarted
 * framework (whose sequence numbers start again) gets its whole history.
 */
@Component(service = {}, configurationPolicy = ConfigurationPolicy.IGNORE)
public final class LogFileListener implements LogListener {
    static final String SERVICE_EVENTS = "Events.Service.";
    static final long FLUSH_MILLIS = 100;

    private final LogReaderService reader;
    private final LogFileSettings settings;
    private final RotatingFile file;
    private final LogLine format;
    private final File mark;
    private final String framework;
    private final PrintStream console;
    /** stdout is systemd's journal: lines go there too, with priority prefixes. */
    private final boolean journal;
    private final List<LogEntry> pending = new ArrayList<>();
    private boolean catchingUp = true;
    private long lastWritten = -1;
    /** The sequence numbers written while catching up: a live delivery of one of them is a duplicate. */
    private final java.util.Set<Long> caughtUp = new java.util.HashSet<>();
    private boolean failing;
    private boolean flushScheduled;
    private long lastFlush = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(FLUSH_MILLIS);
    private ScheduledExecutorService flusher;

    @Activate
    public LogFileListener(@Reference LogReaderService reader, BundleContext context) {
        this(reader, LogFileSettings.from(context::getProperty), context.getDataFile("last-written"),
            context.getProperty(Constants.FRAMEWORK_UUID), System.out, JournalStream.isStdout());
    }

    LogFileListener(LogReaderService reader, LogFileSettings settings, File mark, String framework, PrintStream console) {
        this(reader, settings, mark, framework, console, false);
    }

    LogFileListener(LogReaderService reader, LogFileSettings settings, File mark, String framework, PrintStream console,
            boolean journal) {
        this.reader = reader;
        this.settings = settings;
        this.file = new RotatingFile(settings.file(), settings.rotateBytes(), settings.rotateKeep());
        this.format = new LogLine(ZoneId.systemDefault());
        this.mark = mark;
        this.framework = framework == null ? "" : framework;
        this.journal = journal && !settings.console();
        this.console = settings.console() || this.journal ? console : null;
    }

    @Activate
    void activate() {
        flusher = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "tproxy-logfile-flush");
            thread.setDaemon(true);
            return thread;
        });
        long previous = readMark();
        // Listen first, then read the history: an entry logged in between is in one or both, never in neither.
        reader.addLogListener(this);
        List<LogEntry> backlog = Collections.list(reader.getLog());
        synchronized (this) {
            long newestKnown = backlog.stream().mapToLong(LogEntry::getSequence).max().orElse(-1);
            // a Log Service that restarted numbering (it was updated) has nothing we wrote
            lastWritten = previous <= newestKnown ? previous : -1;
            for (String problem : settings.problems()) {
                write("logfile: " + problem, LogLevel.WARN);
            }
            backlog.addAll(pending);
            pending.clear();
            backlog.sort(Comparator.comparingLong(LogEntry::getSequence));
            for (LogEntry entry : backlog) {
                accept(entry);
            }
            catchingUp = false;
            flush();
        }
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(this);
        flusher.shutdownNow();
        synchronized (this) {
            writeMark();
            file.close();
        }
    }

    @Override
    public synchronized void logged(LogEntry entry) {
        if (catchingUp) {
            pending.add(entry);
        } else {
            accept(entry);
        }
    }

    private void accept(LogEntry entry) {
        long sequence = entry.getSequence();
        // While catching up, the history (sorted) and what a previous instance wrote overlap: skip by number. Live
        // entries may come out of order (their numbers are taken on the logging threads), so afterwards only an
        // entry the history already brought is skipped.
        if (catchingUp ? sequence <= lastWritten : caughtUp.contains(sequence)) {
            return;
        }
        if (catchingUp) {
            caughtUp.add(sequence);
        }
        lastWritten = Math.max(lastWritten, sequence);
        LogLevel level = level(entry);
        if (settings.threshold().implies(level)) {
            write(format.format(entry), level);
            if (catchingUp) {
                return; // flushed once the history is written
            }
            if (LogLevel.WARN.implies(level) || System.nanoTime() - lastFlush >= TimeUnit.MILLISECONDS.toNanos(FLUSH_MILLIS)) {
                flush();
            } else if (!flushScheduled) {
                flushScheduled = true;
                flusher.schedule(this::scheduledFlush, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private synchronized void scheduledFlush() {
        flushScheduled = false;
        flush();
    }

    private void flush() {
        lastFlush = System.nanoTime();
        try {
            file.flush();
        } catch (IOException e) {
            failed(e);
        }
    }

    /**
     * The Log Service logs every service registration at INFO, bypassing logger levels, as a bare "ServiceEvent
     * REGISTERED" that does not even say which service: noise at INFO, so such entries count as DEBUG here.
     */
    static LogLevel level(LogEntry entry) {
        String logger = entry.getLoggerName();
        if (logger != null && logger.startsWith(SERVICE_EVENTS) && entry.getLogLevel() == LogLevel.INFO) {
            return LogLevel.DEBUG;
        }
        return entry.getLogLevel();
    }

    private void write(String line, LogLevel level) {
        if (console != null) {
            console.println(journal ? JournalStream.prefixed(level, line) : line);
        }
        try {
            if (failing) {
                file.append("logfile: " + file.path() + " could not be written for a while; entries are missing here");
                failing = false;
            }
            file.append(line);
        } catch (IOException e) {
            failed(e);
        }
    }

    private void failed(IOException e) {
        if (!failing) {
            failing = true;
            System.err.println("tproxy logfile: cannot write " + file.path() + ": " + e + " (retrying with each entry)");
        }
    }

    private long readMark() {
        try {
            String[] fields = Files.readString(mark.toPath(), StandardCharsets.UTF_8).strip().split(" ");
            return fields.length == 2 && fields[0].equals(framework) ? Long.parseLong(fields[1]) : -1;
        } catch (IOException | NumberFormatException | NullPointerException e) {
            return -1;
        }
    }

    private void writeMark() {
        if (mark == null) {
            return;
        }
        try {
            Files.writeString(mark.toPath(), framework + " " + lastWritten + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("tproxy logfile: cannot remember the last entry written in " + mark + ": " + e);
        }
    }
}
