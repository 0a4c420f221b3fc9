package dev.tproxy.proxy.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ListenerSettingsTest {

    @Test
    void theDefaultsAreUsable() {
        ListenerSettings settings = ListenerSettings.from(ListenerConfigs.of(Map.of()));
        assertEquals(9876, settings.port());
        assertEquals(SourceMode.CLIENT, settings.sourceMode());
        assertEquals(Duration.ofSeconds(5), settings.connectTimeout());
        assertEquals(Duration.ofHours(1), settings.idleTimeout());
        assertEquals("0.0.0.0,::", settings.describe().get("bind.addresses"));
        assertEquals("0.0.0.0/0,::/0", settings.describe().get("allowed.clients"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "port|0|port: must be 1..65535, was 0",
        "port|70000|port: must be 1..65535, was 70000",
        "port|http|port: not a whole number: 'http' (allowed 1..65535)",
        "source.mode|bridge|source.mode: unknown mode 'bridge' (client or router)",
        "connect.timeout|-5s|connect.timeout: must not be negative, was '-5s'",
        "connect.timeout|soon|connect.timeout: malformed duration 'soon' (expected e.g. 250ms, 5s, 10m, 2h, 1d)",
        "connect.timeout|0|connect.timeout: must be between 1ms and 10m00s, was '0'",
        "idle.timeout|-1|idle.timeout: must not be negative, was '-1'",
        "max.connections|0|max.connections: must be 1..1000000, was 0",
        "max.connections.per.client|-2|max.connections.per.client: must be 0..1000000, was -2",
        "upstream.mark|4294967296|upstream.mark: must be 0..4294967295, was 4294967296",
        "pipe.size|100|pipe.size: must be 4096..1048576, was 100",
        "name|a b|name: must be 1-32 letters, digits, '.', '_' or '-', was 'a b'",
    })
    void aBadValueIsRefusedWithTheFieldsName(String field, String value, String message) {
        ConfigurationError error = assertThrows(ConfigurationError.class, () -> ListenerSettings.from(ListenerConfigs.of(Map.of(field, value))));
        assertEquals(field, error.field());
        assertEquals(message, error.getMessage());
    }

    @Test
    void malformedNetworksAndAddressesAreNamed() {
        ConfigurationError cidr = assertThrows(ConfigurationError.class,
                () -> ListenerSettings.from(ListenerConfigs.of(Map.of("allowed.clients", new String[] {"198.18.0.0/33"}))));
        assertEquals("allowed.clients: prefix length in '198.18.0.0/33' must be 0..32", cidr.getMessage());
        ConfigurationError name = assertThrows(ConfigurationError.class,
                () -> ListenerSettings.from(ListenerConfigs.of(Map.of("bind.addresses", new String[] {"router.example"}))));
        assertEquals("bind.addresses: 'router.example' is not an IP address", name.getMessage());
        ConfigurationError empty = assertThrows(ConfigurationError.class,
                () -> ListenerSettings.from(ListenerConfigs.of(Map.of("allowed.clients", new String[0]))));
        assertTrue(empty.getMessage().startsWith("allowed.clients: empty"), empty.getMessage());
    }

    @Test
    void onlyAddressOrPortChangesNeedNewSockets() {
        ListenerSettings base = ListenerSettings.from(ListenerConfigs.of(Map.of()));
        assertFalse(base.needsNewSockets(ListenerSettings.from(ListenerConfigs.of(Map.of("idle.timeout", "5s", "max.connections", "3")))));
        assertTrue(base.needsNewSockets(ListenerSettings.from(ListenerConfigs.of(Map.of("port", "9877")))));
        assertTrue(base.needsNewSockets(ListenerSettings.from(ListenerConfigs.of(Map.of("bind.addresses", new String[] {"198.18.1.1"})))));
    }
}
