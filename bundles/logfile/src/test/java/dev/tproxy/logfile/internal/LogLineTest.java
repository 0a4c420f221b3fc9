package dev.tproxy.logfile.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogLevel;

class LogLineTest {
    private final LogLine line = new LogLine(ZoneOffset.ofHours(1));

    @Test
    void oneLineWithTimeLevelBundleLoggerAndMessage() {
        FakeLog.Entry entry = new FakeLog.Entry(1, 1_700_000_000_123L, LogLevel.INFO, null, "dev.tproxy.X", "listening on 9876", null);
        assertEquals("2023-11-14T23:13:20.123+01:00 INFO  [-] dev.tproxy.X: listening on 9876", line.format(entry));
    }

    @Test
    void exceptionIsSummarisedWithCausesAndMessagesStayOnOneLine() {
        Exception failure = new IllegalStateException("bind failed\nport 9876", new IOException("EADDRINUSE"));
        FakeLog.Entry entry = new FakeLog.Entry(1, 0, LogLevel.ERROR, null, "", "two\nlines", failure);
        assertEquals("1970-01-01T01:00:00.000+01:00 ERROR [-] two\\nlines | java.lang.IllegalStateException: bind failed\\nport 9876;"
            + " caused by java.io.IOException: EADDRINUSE", line.format(entry));
    }
}
