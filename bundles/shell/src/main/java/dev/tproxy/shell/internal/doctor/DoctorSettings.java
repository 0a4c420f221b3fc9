package dev.tproxy.shell.internal.doctor;

/**
 * What the host is expected to use for diverted packets: the fwmark TPROXY sets and the routing table that
 * delivers marked packets locally. The defaults are those of {@code native/tproxy-host}.
 *
 * @param mark the fwmark, 1..0xffffffff
 * @param table the routing table, 1..0xffffffff except the kernel's own 253..255
 */
public record DoctorSettings(long mark, long table) {
    public static final long DEFAULT_MARK = 1;
    public static final long DEFAULT_TABLE = 100;

    public static DoctorSettings defaults() {
        return new DoctorSettings(DEFAULT_MARK, DEFAULT_TABLE);
    }

    /** Parses the options as an operator gives them (decimal or 0x hex); the message names the option. */
    public static DoctorSettings parse(String mark, String table) {
        long parsedMark = number("--mark", mark);
        long parsedTable = number("--table", table);
        if (parsedTable >= 253 && parsedTable <= 255) {
            throw new IllegalArgumentException("--table: " + parsedTable + " is one of the kernel's own tables "
                    + "(default, main, local); tproxy-host uses 100");
        }
        return new DoctorSettings(parsedMark, parsedTable);
    }

    private static long number(String option, String text) {
        String value = text == null ? "" : text.trim();
        try {
            long parsed = value.startsWith("0x") || value.startsWith("0X") ? Long.parseLong(value.substring(2), 16)
                    : Long.parseLong(value);
            if (parsed >= 1 && parsed <= 0xffff_ffffL) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below, with the accepted forms
        }
        throw new IllegalArgumentException(option + ": '" + text + "' is not a number in 1..4294967295 (e.g. 1 or 0x1)");
    }

    /** The options {@code native/tproxy-host up} needs beyond its defaults to use these settings. */
    String hostScriptOptions() {
        return (mark == DEFAULT_MARK ? "" : " --mark " + mark) + (table == DEFAULT_TABLE ? "" : " --table " + table);
    }
}
