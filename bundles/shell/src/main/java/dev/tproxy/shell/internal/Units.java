package dev.tproxy.shell.internal;

import java.util.Locale;

/** Sizes and rates as people read them: {@code 1.2 MiB} (binary, like ls -h), {@code 940.0 Mbit/s} (decimal). */
final class Units {
    private static final String[] BYTE_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    private static final String[] BIT_UNITS = {"bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"};

    private Units() {}

    /** {@code 512 B}, {@code 1.2 KiB}, {@code 3.4 GiB}. */
    static String bytes(long count) {
        if (count < 1024) {
            return count + " B";
        }
        double value = count;
        int unit = 0;
        while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, BYTE_UNITS[unit]);
    }

    /** {@code 0 bit/s}, {@code 12.5 kbit/s}, {@code 940.0 Mbit/s}. */
    static String bitsPerSecond(long rate) {
        if (rate < 1000) {
            return rate + " bit/s";
        }
        double value = rate;
        int unit = 0;
        while (value >= 1000 && unit < BIT_UNITS.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, BIT_UNITS[unit]);
    }

    /** An enum constant as operators write it: {@code CONNECTION_LIMIT} becomes {@code connection-limit}. */
    static String label(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
