package dev.tproxy.itests.lab;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * A client / router / server lab in network namespaces, made by {@code native/lab/lab.sh} and torn down on
 * {@link #close()}. Never skips: when the lab cannot be built (not root, no iproute2), creation fails.
 */
public final class Lab implements AutoCloseable {
    public static final String CLIENT_V4 = "198.18.1.2";
    public static final String ROUTER_CLIENT_SIDE_V4 = "198.18.1.1";
    public static final String ROUTER_SERVER_SIDE_V4 = "198.18.2.1";
    public static final String SERVER_V4 = "198.18.2.2";
    public static final String CLIENT_V6 = "2001:2:0:1::2";
    public static final String ROUTER_CLIENT_SIDE_V6 = "2001:2:0:1::1";
    public static final String ROUTER_SERVER_SIDE_V6 = "2001:2:0:2::1";
    public static final String SERVER_V6 = "2001:2:0:2::2";

    private final String prefix;
    private boolean closed;
    private boolean intercepting;

    private Lab(String prefix) {
        this.prefix = prefix;
    }

    /** Builds a new lab with a unique prefix; the JVM's shutdown hook tears it down if the test does not. */
    public static Lab create() {
        String prefix = "tpx" + randomSuffix() + "-";
        Lab lab = new Lab(prefix);
        Shell.run(Duration.ofSeconds(30), labScript().toString(), "up", prefix);
        Runtime.getRuntime().addShutdownHook(new Thread(lab::close, "lab-teardown-" + prefix));
        return lab;
    }

    /** The project's top directory: the nearest one, from the working directory up, that has native/lab/lab.sh. */
    public static Path projectRoot() {
        String start = System.getProperty("tproxy.root", System.getProperty("user.dir"));
        for (Path dir = Path.of(start).toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (java.nio.file.Files.isRegularFile(dir.resolve("native/lab/lab.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no native/lab/lab.sh above " + start);
    }

    public static Path labScript() {
        return projectRoot().resolve("native/lab/lab.sh");
    }

    public String client() { return prefix + "cli"; }
    public String router() { return prefix + "rtr"; }
    public String server() { return prefix + "srv"; }
    public String prefix() { return prefix; }

    /**
     * Diverts TCP flows from the client to {@code dports} (e.g. "80" or "80,443") into a transparent listener on
     * {@code listenerPort} in the router, using the project's own host integration (native/tproxy-host).
     */
    public void intercept(int listenerPort, String dports, String... options) {
        List<String> command = new ArrayList<>(List.of(hostScript(), "up", "--port", String.valueOf(listenerPort),
                "--dports", dports, "--in-iface", "cli0"));
        command.addAll(List.of(options));
        exec(router(), command.toArray(String[]::new));
        intercepting = true;
    }

    public static String hostScript() {
        return projectRoot().resolve("native/tproxy-host").toString();
    }

    /** Runs a command inside a namespace of this lab and returns its output; a non-zero exit fails. */
    public String exec(String namespace, String... command) {
        return Shell.run(Duration.ofSeconds(60), withNetns(namespace, command));
    }

    /** Runs a command inside a namespace and returns its result whatever its exit status. */
    public Shell.Result tryExec(String namespace, String... command) {
        return Shell.tryRun(Duration.ofSeconds(60), withNetns(namespace, command));
    }

    /** Starts a process inside a namespace; the caller owns it. */
    public ProcessBuilder processIn(String namespace, String... command) {
        return new ProcessBuilder(withNetns(namespace, command));
    }

    /** Runs {@code task} on a fresh thread that has entered {@code namespace}: sockets it opens live there. */
    public <T> T inNamespace(String namespace, Callable<T> task) throws Exception {
        return Netns.call(namespace, task);
    }

    private static String[] withNetns(String namespace, String... command) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        all.addAll(List.of(command));
        return all.toArray(String[]::new);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (intercepting) {
            // Leaves no state file behind in /run/tproxy-host, which the host shares with every namespace.
            tryExec(router(), hostScript(), "down");
        }
        Shell.tryRun(Duration.ofSeconds(30), labScript().toString(), "down", prefix);
    }

    private static String randomSuffix() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom random = new SecureRandom();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }
}
