package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.Addresses;
import dev.tproxy.proxy.internal.config.AccessLogFormat;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Formats access-log lines, on the log's own thread (one instance per thread: it caches the time of the last
 * second). Both formats start from the time the connection ended, ISO-8601 with milliseconds and the zone's
 * offset, as in log/tproxy.log:
 * <pre>
 * text: 2026-12-04T02:30:00.123Z connection 7 closed: listener=default client=… destination=… upstream=… from-client=12 from-server=345 duration=1.2s reason=completed
 * json: {"time":"2026-12-04T02:30:00.123Z","id":7,"listener":"default","client":"198.18.1.2:40312",…,"duration_ms":1200.000,"reason":"completed"}
 * </pre>
 */
final class AccessLogLines {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
    private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("XXX");

    private final ZoneId zone;
    private long cachedSecond = Long.MIN_VALUE;
    private String secondText;
    private String offsetText;

    AccessLogLines(ZoneId zone) {
        this.zone = zone;
    }

    String format(ClosedConnection connection, AccessLogFormat format) {
        return format == AccessLogFormat.JSON ? json(connection) : text(connection);
    }

    String text(ClosedConnection connection) {
        StringBuilder line = new StringBuilder(220);
        appendTime(line, connection.endedMillis());
        return line.append(' ').append(connection.line()).toString();
    }

    String json(ClosedConnection connection) {
        StringBuilder line = new StringBuilder(260);
        line.append("{\"time\":\"");
        appendTime(line, connection.endedMillis());
        line.append("\",\"id\":").append(connection.id());
        string(line.append(",\"listener\":"), connection.listener());
        address(line.append(",\"client\":"), connection.client());
        address(line.append(",\"destination\":"), connection.destination());
        address(line.append(",\"upstream\":"), connection.upstream());
        line.append(",\"from_client\":").append(connection.fromClient());
        line.append(",\"from_server\":").append(connection.fromServer());
        appendMillis(line.append(",\"duration_ms\":"), connection.durationNanos());
        string(line.append(",\"reason\":"), connection.reason());
        return line.append('}').toString();
    }

    /** {@code 2026-12-04T02:30:00.123+01:00}; the date and offset are formatted once per second. */
    private void appendTime(StringBuilder line, long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        if (second != cachedSecond) {
            ZonedDateTime time = Instant.ofEpochSecond(second).atZone(zone);
            secondText = SECONDS.format(time);
            offsetText = OFFSET.format(time);
            cachedSecond = second;
        }
        int millis = (int) Math.floorMod(epochMillis, 1000);
        line.append(secondText).append('.');
        pad3(line, millis);
        line.append(offsetText);
    }

    /** Milliseconds with three decimals (microseconds), e.g. {@code 0.412}. */
    private static void appendMillis(StringBuilder line, long nanos) {
        long micros = Math.max(0, nanos) / 1000;
        line.append(micros / 1000).append('.');
        pad3(line, (int) (micros % 1000));
    }

    private static void pad3(StringBuilder line, int value) {
        if (value < 100) {
            line.append('0');
        }
        if (value < 10) {
            line.append('0');
        }
        line.append(value);
    }

    private static void address(StringBuilder line, InetSocketAddress address) {
        if (address == null) {
            line.append("null");
        } else {
            string(line, Addresses.format(address));
        }
    }

    /** A JSON string: quotes, backslashes and control characters escaped. */
    static void string(StringBuilder line, String value) {
        line.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> line.append("\\\"");
                case '\\' -> line.append("\\\\");
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                default -> {
                    if (c < 0x20) {
                        line.append(String.format("\\u%04x", (int) c));
                    } else {
                        line.append(c);
                    }
                }
            }
        }
        line.append('"');
    }
}
