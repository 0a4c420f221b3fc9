package dev.tproxy.itests.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Shell;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A process without the capabilities gets a message that names the one it needs. */
class CapabilityMessageIT {

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Shell.Result probe(String... prefix) {
        String[] command = new String[prefix.length + 4];
        System.arraycopy(prefix, 0, command, 0, prefix.length);
        command[prefix.length] = java();
        command[prefix.length + 1] = "-cp";
        command[prefix.length + 2] = System.getProperty("java.class.path");
        command[prefix.length + 3] = CapabilityProbe.class.getName();
        return Shell.tryRun(Duration.ofSeconds(60), command);
    }

    @Test
    void withoutNetRawAndNetAdminTheMessageNamesTheCapability() {
        Shell.Result result = probe("setpriv", "--inh-caps=-all", "--bounding-set=-net_raw,-net_admin", "--");
        assertEquals(0, result.exitCode(), result.output());
        String expected = "REFUSED setsockopt(IP_TRANSPARENT): EPERM (Operation not permitted) - needs CAP_NET_RAW (Linux >= 5.17) or CAP_NET_ADMIN";
        assertTrue(result.output().contains(expected), result.output());
    }

    @Test
    void withTheCapabilitiesTheSameProbeOpensTheListener() {
        Shell.Result result = probe();
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("OPENED"), result.output());
    }
}
