package dev.tproxy.proxy.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every field fed generated malformed, out-of-range and hostile values: validation never throws anything but a
 * {@link ConfigurationError} that names the field it was given, and never accepts a value it cannot use.
 */
class ListenerSettingsFuzzTest {
    private static final String[] HOSTILE = {"", " ", "-1", "0", "-0", "65536", "2147483648", "-2147483649",
        "99999999999999999999", "1e3", "0x10", "NaN", "null", "true", "9876 ", " 9876", "٣", "１２３", "5s5",
        "-5s", "1y", "10 m", "ms", "0ms", "999999999999d", "198.18.0.0/", "/8", "198.18.0.0/-1", "::/129", "1.2.3",
        "1.2.3.4.5", "256.0.0.1", "::ffff:1.2.3.4", "fe80::1%eth0", "localhost", "router.example", "*", "0.0.0.0/0,::/0",
        "client ", "CLIENT", "bridge", "\u0000", "\n", "a".repeat(10_000), "${port}", "'; drop table --"};

    @Test
    void everyFieldRefusesHostileValuesByName() throws Exception {
        Random random = new Random(20261125);
        int accepted = 0;
        int refused = 0;
        for (Method attribute : ListenerConfig.class.getDeclaredMethods()) {
            String field = attribute.getName().replace('_', '.');
            List<String> values = new ArrayList<>(List.of(HOSTILE));
            for (int i = 0; i < 200; i++) {
                values.add(randomText(random));
            }
            for (String value : values) {
                Object property = attribute.getReturnType() == String[].class ? new String[] {value} : value;
                try {
                    ListenerSettings settings = ListenerSettings.from(ListenerConfigs.of(Map.of(field, property)));
                    assertUsable(settings);
                    accepted++;
                } catch (ConfigurationError e) {
                    assertEquals(field, e.field(), "value '" + value + "' of " + field + " blamed on " + e.field());
                    assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
                    refused++;
                } catch (RuntimeException e) {
                    fail(field + "='" + value + "' threw " + e);
                }
            }
        }
        assertTrue(refused > accepted, "refused " + refused + ", accepted " + accepted);
    }

    private static void assertUsable(ListenerSettings settings) {
        assertTrue(settings.port() >= 1 && settings.port() <= 65535);
        assertTrue(!settings.connectTimeout().isNegative() && !settings.connectTimeout().isZero());
        assertTrue(!settings.idleTimeout().isNegative());
        assertTrue(settings.maxConnections() >= 1 && settings.maxConnectionsPerClient() >= 0);
        assertTrue(!settings.bindAddresses().isEmpty() && !settings.allowedClients().isEmpty());
        assertTrue(settings.pipeSize() >= 4096 && settings.pipeSize() <= 1 << 20);
        assertTrue(settings.name().length() <= 32);
    }

    private static String randomText(Random random) {
        String alphabet = "0123456789-+.:/%smhdxyzabcdef ,\t\u00e9";
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(24);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }
}
