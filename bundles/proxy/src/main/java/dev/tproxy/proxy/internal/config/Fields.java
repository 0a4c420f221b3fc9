package dev.tproxy.proxy.internal.config;

import dev.tproxy.proxy.api.Durations;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads configuration values written as text, refusing a bad one with the field's name, its value and the range. */
final class Fields {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})([kmg]?)");

    private Fields() {}

    static int integer(String field, String value, int min, int max) {
        return (int) longValue(field, value, min, max);
    }

    static long longValue(String field, String value, long min, long max) {
        long parsed;
        try {
            String text = value == null ? "" : value.trim();
            if (!text.matches("-?[0-9]{1,19}")) {
                throw new NumberFormatException(text);
            }
            parsed = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ConfigurationError(field, "not a whole number: '" + value + "' (allowed " + min + ".." + max + ")");
        }
        if (parsed < min || parsed > max) {
            throw new ConfigurationError(field, "must be " + min + ".." + max + ", was " + parsed);
        }
        return parsed;
    }

    static Duration duration(String field, String value, Duration min, Duration max) {
        if (value != null && value.trim().startsWith("-")) {
            throw new ConfigurationError(field, "must not be negative, was '" + value + "'");
        }
        Duration parsed;
        try {
            parsed = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationError(field, e.getMessage());
        }
        if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
            throw new ConfigurationError(field, "must be between " + Durations.format(min) + " and " + Durations.format(max)
                    + ", was '" + value + "'");
        }
        return parsed;
    }

    /** A size in bytes written {@code 65536}, {@code 64k}, {@code 32m} or {@code 1g}. */
    static long size(String field, String value, long min, long max) {
        Matcher matcher = SIZE.matcher(value == null ? "" : value.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new ConfigurationError(field, "malformed size '" + value + "' (expected e.g. 65536, 64k, 32m, 1g)");
        }
        long bytes = Long.parseLong(matcher.group(1)) << switch (matcher.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        if (bytes < min || bytes > max) {
            throw new ConfigurationError(field, "must be between " + formatSize(min) + " and " + formatSize(max) + ", was '" + value + "'");
        }
        return bytes;
    }

    static String formatSize(long bytes) {
        if (bytes % (1 << 30) == 0) {
            return (bytes >> 30) + "g";
        }
        if (bytes % (1 << 20) == 0) {
            return (bytes >> 20) + "m";
        }
        return bytes % 1024 == 0 ? (bytes >> 10) + "k" : String.valueOf(bytes);
    }
}
