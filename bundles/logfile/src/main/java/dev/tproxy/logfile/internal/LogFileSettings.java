package dev.tproxy.logfile.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.osgi.service.log.LogLevel;

/**
 * Where and what to log, read from framework properties (they must be known before Config Admin runs, and the
 * launcher scripts set them): {@value #FILE} (default {@code ${tproxy.home}/log/tproxy.log}), {@value #LEVEL}
 * (threshold, default INFO), {@value #CONSOLE} (also echo to stdout, for foreground mode), {@value #ROTATE_SIZE}
 * (bytes, or with a k/m/g suffix, default 10m) and {@value #ROTATE_KEEP} (rotated files kept, default 3).
 * The access log has its own file and rotation under {@value #ACCESS} ({@link #accessLog}).
 * A bad value falls back to its default and is reported in {@link #problems()}.
 */
record LogFileSettings(Path file, LogLevel threshold, boolean console, long rotateBytes, int rotateKeep, List<String> problems) {
    static final String FILE = "tproxy.log.file";
    static final String LEVEL = "tproxy.log.level";
    static final String CONSOLE = "tproxy.log.console";
    static final String ROTATE_SIZE = "tproxy.log.rotate.size";
    static final String ROTATE_KEEP = "tproxy.log.rotate.keep";
    static final String HOME = "tproxy.home";
    /** The access log's properties: {@code tproxy.access.log.file}, {@code .rotate.size}, {@code .rotate.keep}. */
    static final String ACCESS = "tproxy.access.log";
    static final long DEFAULT_ROTATE_BYTES = 10L << 20;
    static final int DEFAULT_ROTATE_KEEP = 3;

    LogFileSettings {
        problems = List.copyOf(problems);
    }

    static LogFileSettings from(UnaryOperator<String> properties) {
        List<String> problems = new ArrayList<>();
        Path path = file(properties, FILE, "tproxy.log");
        LogLevel threshold = LogLevel.INFO;
        String level = value(properties, LEVEL);
        if (level != null) {
            try {
                threshold = LogLevel.valueOf(level.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add(LEVEL + "=" + level + " is not one of AUDIT ERROR WARN INFO DEBUG TRACE; using INFO");
            }
        }
        boolean console = Boolean.parseBoolean(value(properties, CONSOLE));
        return rotated(properties, path, threshold, console, ROTATE_SIZE, ROTATE_KEEP, problems);
    }

    /** The access log's file and rotation; every line is written (no threshold), never to the console. */
    static LogFileSettings accessLog(UnaryOperator<String> properties) {
        Path path = file(properties, ACCESS + ".file", "access.log");
        return rotated(properties, path, LogLevel.TRACE, false, ACCESS + ".rotate.size", ACCESS + ".rotate.keep",
                new ArrayList<>());
    }

    private static Path file(UnaryOperator<String> properties, String key, String name) {
        String file = value(properties, key);
        if (file != null) {
            return Path.of(file);
        }
        String home = value(properties, HOME);
        return (home == null ? Path.of("") : Path.of(home)).resolve("log").resolve(name);
    }

    private static LogFileSettings rotated(UnaryOperator<String> properties, Path path, LogLevel threshold,
            boolean console, String sizeKey, String keepKey, List<String> problems) {
        long rotateBytes = DEFAULT_ROTATE_BYTES;
        String size = value(properties, sizeKey);
        if (size != null) {
            try {
                rotateBytes = bytes(size);
            } catch (IllegalArgumentException e) {
                problems.add(sizeKey + "=" + size + " is not a positive size like 10485760, 512k or 10m; using 10m");
            }
        }
        int rotateKeep = DEFAULT_ROTATE_KEEP;
        String keep = value(properties, keepKey);
        if (keep != null) {
            try {
                rotateKeep = Integer.parseInt(keep);
                if (rotateKeep < 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                rotateKeep = DEFAULT_ROTATE_KEEP;
                problems.add(keepKey + "=" + keep + " is not a count of files; using " + DEFAULT_ROTATE_KEEP);
            }
        }
        return new LogFileSettings(path.toAbsolutePath(), threshold, console, rotateBytes, rotateKeep, problems);
    }

    static long bytes(String size) {
        String text = size.toLowerCase(Locale.ROOT);
        int shift = switch (text.charAt(text.length() - 1)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        long number = Long.parseLong(shift == 0 ? text : text.substring(0, text.length() - 1));
        if (number < 1 || number > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException(size);
        }
        return number << shift;
    }

    private static String value(UnaryOperator<String> properties, String key) {
        String value = properties.apply(key);
        return value == null || value.isBlank() ? null : value.strip();
    }
}
