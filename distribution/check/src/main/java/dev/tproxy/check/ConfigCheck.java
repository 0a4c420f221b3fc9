package dev.tproxy.check;

import dev.tproxy.proxy.internal.config.EngineConfig;
import dev.tproxy.proxy.internal.config.EngineSettings;
import dev.tproxy.proxy.internal.config.ListenerConfig;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code bin/tproxy --check}: validates every configuration file in etc/ as the runtime would, before it runs.
 * Each problem is one line naming the file and the field, e.g.
 * {@code etc/dev.tproxy.listener-default.config: port: must be 1..65535, was 70000}. Exit 0 when every file is
 * valid, {@value #EX_CONFIG} (sysexits' EX_CONFIG) when one is not, {@value #EX_USAGE} on a bad command line.
 */
public final class ConfigCheck {
    static final int EX_CONFIG = 78;
    static final int EX_USAGE = 64;

    private final Path etc;
    private final ConfigFiles files;
    private final PrintStream out;
    private final PrintStream err;
    private final Map<Path, ListenerSettings> listeners = new LinkedHashMap<>();
    private int problems;

    ConfigCheck(Path etc, Map<String, String> properties, PrintStream out, PrintStream err) {
        this.etc = etc;
        this.files = new ConfigFiles(properties);
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: ConfigCheck TPROXY_HOME");
            System.exit(EX_USAGE);
        }
        Path home = Path.of(args[0]).toAbsolutePath().normalize();
        System.exit(new ConfigCheck(home.resolve("etc"), Map.of("tproxy.home", home.toString()), System.out, System.err).run());
    }

    /** Checks every {@code *.cfg} and {@code *.config} file (fileinstall's filter for etc/); returns the exit status. */
    int run() {
        List<Path> found;
        try (Stream<Path> list = Files.list(etc)) {
            found = list.filter(file -> file.getFileName().toString().matches(".*\\.(cfg|config)") && Files.isRegularFile(file))
                .sorted().collect(Collectors.toList());
        } catch (IOException e) {
            err.println(etc + ": cannot be read: " + e.getMessage());
            return EX_CONFIG;
        }
        found.forEach(this::check);
        checkListenersApart();
        if (problems > 0) {
            err.println(etc + ": " + problems + " problem" + (problems == 1 ? "" : "s") + " in " + found.size()
                + " configuration files; the runtime would refuse them");
            return EX_CONFIG;
        }
        out.println(etc + ": " + found.size() + " configuration files valid (" + listeners.size() + " listener"
            + (listeners.size() == 1 ? "" : "s") + ")");
        return 0;
    }

    private void check(Path file) {
        Map<String, Object> values;
        try {
            values = files.read(file);
        } catch (IOException | RuntimeException e) {
            problem(file, "cannot be read: " + e.getMessage());
            return;
        }
        try {
            switch (ConfigFiles.pid(file)) {
                case ListenerConfig.PID -> {
                    warnUnknown(file, ListenerConfig.class, values);
                    listeners.put(file, ListenerSettings.from(AnnotationValues.of(ListenerConfig.class, values)));
                }
                case EngineConfig.PID -> {
                    warnUnknown(file, EngineConfig.class, values);
                    EngineSettings.from(AnnotationValues.of(EngineConfig.class, values));
                }
                default -> { } // another bundle's configuration: it was read without error, which is all we know of it
            }
        } catch (IllegalArgumentException e) {
            problem(file, e.getMessage());
        }
    }

    private void warnUnknown(Path file, Class<?> type, Map<String, Object> values) {
        for (String key : AnnotationValues.unknown(type, values.keySet())) {
            err.println(name(file) + ": warning: " + key + ": no such field (the runtime ignores it)");
        }
    }

    /** Two listeners on one port and address cannot both bind; neither can two share a name in the listings. */
    private void checkListenersApart() {
        List<Map.Entry<Path, ListenerSettings>> all = new ArrayList<>(listeners.entrySet());
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                ListenerSettings a = all.get(i).getValue();
                ListenerSettings b = all.get(j).getValue();
                Path later = all.get(j).getKey();
                if (a.name().equals(b.name())) {
                    problem(later, "name: '" + b.name() + "' is also the name in " + name(all.get(i).getKey()));
                } else if (a.port() == b.port() && overlap(a.bindAddresses(), b.bindAddresses())) {
                    problem(later, "port: " + b.port() + " on the same address is also in " + name(all.get(i).getKey()));
                }
            }
        }
    }

    private static boolean overlap(List<InetAddress> a, List<InetAddress> b) {
        for (InetAddress x : a) {
            for (InetAddress y : b) {
                if (x.equals(y) || x.getClass() == y.getClass() && (x.isAnyLocalAddress() || y.isAnyLocalAddress())) {
                    return true;
                }
            }
        }
        return false;
    }

    private void problem(Path file, String message) {
        problems++;
        err.println(name(file) + ": " + message);
    }

    private String name(Path file) {
        Path parent = etc.getFileName();
        return (parent == null ? "" : parent + "/") + file.getFileName();
    }
}
