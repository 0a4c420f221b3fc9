package dev.tproxy.proxy.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tproxy.proxy.internal.config.AccessLogFormat;
import java.net.InetSocketAddress;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class AccessLogLinesTest {
    /** 2025-12-04T02:30:00.045Z */
    private static final long ENDED = 1_764_815_400_045L;

    private static ClosedConnection connection(InetSocketAddress upstream, long durationNanos, String reason) {
        return new ClosedConnection(7, "lan", new InetSocketAddress("198.18.1.2", 40312),
                new InetSocketAddress("2001:2:0:2::2", 443), upstream, 12, 3456, durationNanos, reason, ENDED);
    }

    @Test
    void textIsTheTimeThenTodaysLine() {
        AccessLogLines lines = new AccessLogLines(ZoneOffset.UTC);
        assertEquals("2025-12-04T02:30:00.045Z connection 7 closed: listener=lan client=198.18.1.2:40312"
                + " destination=[2001:2:0:2::2]:443 upstream=198.18.1.2:40313 from-client=12 from-server=3456"
                + " duration=1s reason=completed",
                lines.format(connection(new InetSocketAddress("198.18.1.2", 40313), 1_200_000_000L, "completed"),
                        AccessLogFormat.TEXT));
    }

    @Test
    void jsonHasEveryKeyWithNumbersAsNumbersAndNullForNoUpstream() {
        AccessLogLines lines = new AccessLogLines(ZoneId.of("+01:00"));
        assertEquals("{\"time\":\"2025-12-04T03:30:00.045+01:00\",\"id\":7,\"listener\":\"lan\","
                + "\"client\":\"198.18.1.2:40312\",\"destination\":\"[2001:2:0:2::2]:443\",\"upstream\":null,"
                + "\"from_client\":12,\"from_server\":3456,\"duration_ms\":5002.007,"
                + "\"reason\":\"upstream refused (\\\"a\\\\b\\\"\\n\\u0001)\"}",
                lines.format(connection(null, 5_002_007_999L, "upstream refused (\"a\\b\"\n\u0001)"), AccessLogFormat.JSON));
    }

    @Test
    void theTimeFollowsEachMillisecondAcrossSeconds() {
        AccessLogLines lines = new AccessLogLines(ZoneOffset.UTC);
        ClosedConnection first = connection(null, 0, "completed");
        assertEquals("{\"time\":\"2025-12-04T02:30:00.045Z\"", lines.json(first).substring(0, 34));
        ClosedConnection next = new ClosedConnection(8, "lan", first.client(), first.destination(), null, 0, 0, 999,
                "completed", ENDED + 1_000 - 45 + 7);
        assertEquals("{\"time\":\"2025-12-04T02:30:01.007Z\"", lines.json(next).substring(0, 34));
        assertEquals("\"duration_ms\":0.000", lines.json(next).replaceAll(".*(\"duration_ms\":[0-9.]+).*", "$1"));
    }
}
