package dev.tproxy.itests.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/tproxy --check} and the check every start makes, on a copy of the real distribution: the shipped etc/
 * passes; a bad value makes {@code bin/start} fail with EX_CONFIG naming the file and the field, and nothing runs.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ConfigCheckIT {
    private static final Duration RUN = Duration.ofSeconds(60);
    private static final String LISTENER = "etc/dev.tproxy.listener-default.config";

    @TempDir
    Path temp;

    @Test
    void theShippedConfigurationPasses() {
        try (Installation tproxy = Installation.copyTo(temp)) {
            Installation.Run check = tproxy.run(RUN, "bin/tproxy", "--check");
            assertEquals(0, check.exitCode(), check.both());
            assertTrue(check.out().contains("configuration files valid (1 listener)"), check.out());
            assertEquals("", check.err());
        }
    }

    @Test
    void aPassIsRememberedButAnEditAfterItIsCheckedAgain() throws IOException {
        try (Installation tproxy = Installation.copyTo(temp)) {
            assertEquals(0, tproxy.run(RUN, "bin/tproxy", "--check").exitCode());
            assertTrue(Files.isRegularFile(tproxy.resolve("data/config-checked")), "a pass is remembered");
            Path file = tproxy.resolve(LISTENER);
            Files.writeString(file, Files.readString(file).replace("port=I\"9876\"", "port=I\"70000\""));

            Installation.Run start = tproxy.run(RUN, "bin/start");
            assertEquals(78, start.exitCode(), "EX_CONFIG: " + start.both());
            assertTrue(start.err().contains(LISTENER + ": port: must be 1..65535, was 70000"), start.err());
            assertFalse(tproxy.pidFromFile().isPresent(), "no runtime was launched");
        }
    }

    @Test
    void aBadPortStopsTheStartNamingFileAndField() throws IOException {
        try (Installation tproxy = Installation.copyTo(temp)) {
            Path file = tproxy.resolve(LISTENER);
            Files.writeString(file, Files.readString(file).replace("port=I\"9876\"", "port=I\"70000\""));

            Installation.Run check = tproxy.run(RUN, "bin/tproxy", "--check");
            assertEquals(78, check.exitCode(), check.both());
            assertTrue(check.err().contains(LISTENER + ": port: must be 1..65535, was 70000"), check.err());

            Installation.Run start = tproxy.run(RUN, "bin/start");
            assertEquals(78, start.exitCode(), "EX_CONFIG: " + start.both());
            assertTrue(start.err().contains(LISTENER + ": port: must be 1..65535, was 70000"), start.err());
            assertFalse(tproxy.pidFromFile().isPresent(), "no runtime was launched");

            Installation.Run service = tproxy.run(RUN, "bin/tproxy", "--service");
            assertEquals(78, service.exitCode(), "what systemd runs refuses too: " + service.both());
            assertTrue(service.err().contains("port: must be 1..65535, was 70000"), service.err());
            assertEquals(3, tproxy.run(RUN, "bin/status").exitCode(), "not running");
        }
    }
}
