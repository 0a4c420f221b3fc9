package dev.tproxy.check;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.felix.fileinstall.shaded.util.properties.TypedProperties;

/**
 * Reads a {@code .cfg} or {@code .config} file as fileinstall 3.7 does (its own {@link TypedProperties}: typed
 * values such as {@code I"9876"} and arrays, {@code ${name}} substituted), so the check sees the values the
 * runtime would hand to Config Admin.
 */
final class ConfigFiles {
    private final Map<String, String> properties;

    /** {@code properties}: what {@code ${name}} may refer to (the runtime's framework and system properties). */
    ConfigFiles(Map<String, String> properties) {
        this.properties = Map.copyOf(properties);
    }

    Map<String, Object> read(Path file) throws IOException {
        TypedProperties typed = new TypedProperties((name, key, value) -> lookup(value));
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            typed.load(reader);
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (String key : typed.keySet()) {
            values.put(key, typed.get(key));
        }
        return values;
    }

    private String lookup(String name) {
        String value = properties.get(name);
        return value != null ? value : System.getProperty(name);
    }

    /** fileinstall's rule: {@code a.b-c.cfg} is a factory configuration of PID {@code a.b}; {@code a.b.cfg} is PID a.b. */
    static String pid(Path file) {
        String name = file.getFileName().toString();
        String base = name.substring(0, name.lastIndexOf('.'));
        int dash = base.indexOf('-');
        return dash > 0 ? base.substring(0, dash) : base;
    }
}
