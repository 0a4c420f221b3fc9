package dev.tproxy.logfile.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogLevel;

class LogFileSettingsTest {
    @Test
    void defaultsFollowTheHome() {
        LogFileSettings settings = LogFileSettings.from(Map.of("tproxy.home", "/opt/tproxy")::get);
        assertEquals(new LogFileSettings(Path.of("/opt/tproxy/log/tproxy.log"), LogLevel.INFO, false, 10 << 20, 3, List.of()), settings);
    }

    @Test
    void everythingCanBeSet() {
        LogFileSettings settings = LogFileSettings.from(Map.of("tproxy.log.file", "/var/log/t.log", "tproxy.log.level", "debug",
            "tproxy.log.console", "true", "tproxy.log.rotate.size", "512k", "tproxy.log.rotate.keep", "7")::get);
        assertEquals(new LogFileSettings(Path.of("/var/log/t.log"), LogLevel.DEBUG, true, 512 << 10, 7, List.of()), settings);
    }

    @Test
    void badValuesFallBackAndAreReported() {
        LogFileSettings settings = LogFileSettings.from(Map.of("tproxy.home", "/h", "tproxy.log.level", "LOUD",
            "tproxy.log.rotate.size", "-1m", "tproxy.log.rotate.keep", "x")::get);
        assertEquals(LogLevel.INFO, settings.threshold());
        assertEquals(10 << 20, settings.rotateBytes());
        assertEquals(3, settings.rotateKeep());
        assertEquals(3, settings.problems().size(), settings.problems().toString());
        assertTrue(settings.problems().get(0).startsWith("tproxy.log.level=LOUD"));
        assertFalse(settings.console());
    }

    @Test
    void sizes() {
        assertEquals(100, LogFileSettings.bytes("100"));
        assertEquals(3L << 30, LogFileSettings.bytes("3G"));
    }
}
