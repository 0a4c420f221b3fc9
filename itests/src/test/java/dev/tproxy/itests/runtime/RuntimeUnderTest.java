package dev.tproxy.itests.runtime;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Shell;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The built distribution (distribution/target/tproxy), copied to a fresh directory and started with bin/start
 * inside the lab's router namespace: the real Felix runtime with SCR, Config Admin, fileinstall and Gogo.
 * Configuration goes through etc/ files, inspection through bin/client, as an operator would do it.
 */
public final class RuntimeUnderTest implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Lab lab;
    private Path home;
    /** Every installation this runtime ran from (bin/restart NEW_HOME moves it), removed at close. */
    private final java.util.List<Path> homes = new java.util.ArrayList<>();
    private boolean started;
    private final Map<String, String> written = new java.util.HashMap<>();

    private RuntimeUnderTest(Lab lab, Path home) {
        this.lab = lab;
        this.home = home;
        homes.add(home);
    }

    /** A fresh copy of the distribution whose default listener has {@code listener} over its defaults. */
    public static RuntimeUnderTest install(Lab lab, Map<String, Object> listener) {
        Path built = Lab.projectRoot().resolve("distribution/target/tproxy");
        if (!Files.isRegularFile(built.resolve("bin/tproxy"))) {
            throw new IllegalStateException("no distribution at " + built + ": run mvn package first");
        }
        RuntimeUnderTest runtime = new RuntimeUnderTest(lab, copyOf(built));
        runtime.writeListener("default", listener);
        return runtime;
    }

    private static Path copyOf(Path built) {
        try {
            Path home = Files.createTempDirectory("tproxy-it-");
            for (String part : new String[] {"bin", "etc", "bundle", "deploy", "lib"}) {
                copyTree(built.resolve(part), home.resolve(part));
            }
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Another installation of the distribution, not started, with this one's etc/ (as an operator unpacking a new
     * version copies it across): for {@link #restart(Path)}. Removed at close.
     */
    public Path installAnotherHome() {
        Path other = copyOf(Lab.projectRoot().resolve("distribution/target/tproxy"));
        homes.add(other);
        try {
            copyTree(home.resolve("etc"), other.resolve("etc"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return other;
    }

    /**
     * bin/restart in the router namespace, into {@code newHome} when not null: its exit code and output. After a
     * success this object is the new runtime's (its home, PID, console and log).
     */
    public Shell.Result restart(Path newHome) {
        // Its waits bounded below the lab's minute, so that a failure is bin/restart's own message.
        List<String> command = new ArrayList<>(List.of("env", "TPROXY_START_TIMEOUT=20", home.resolve("bin/restart").toString()));
        if (newHome != null) {
            command.add(newHome.toString());
        }
        Shell.Result result;
        try {
            result = lab.tryExec(lab.router(), command.toArray(String[]::new));
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + diagnostics(newHome), e);
        }
        if (result.exitCode() == 0 && newHome != null) {
            home = newHome;
        }
        return result.exitCode() == 0 ? result : new Shell.Result(result.exitCode(), result.output() + diagnostics(newHome));
    }

    /** The ends of the logs of this home and of {@code other}, for a failure's message. */
    private String diagnostics(Path other) {
        StringBuilder text = new StringBuilder();
        for (Path installation : other == null || other.equals(home) ? List.of(home) : List.of(home, other)) {
            for (String file : new String[] {"log/tproxy.out", "log/tproxy.log"}) {
                try {
                    List<String> lines = Files.exists(installation.resolve(file)) ? Files.readAllLines(installation.resolve(file)) : List.of();
                    text.append("\n--- last lines of ").append(installation.resolve(file)).append(":\n")
                            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
                } catch (IOException e) {
                    text.append("\n--- ").append(file).append(": ").append(e);
                }
            }
        }
        return text.toString();
    }

    public Path home() {
        return home;
    }

    /** Resident memory of the runtime's JVM, in KiB (VmRSS). */
    public long residentKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
            throw new IllegalStateException("no VmRSS");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the runtime in the router namespace and waits until listener "default" listens. */
    public RuntimeUnderTest start() {
        return start(new String[0]);
    }

    /**
     * Starts the runtime with {@code wrapper} between {@code ip netns exec} and bin/start (e.g. setpriv to drop
     * privileges) and waits until listener "default" listens or says why it cannot.
     */
    public RuntimeUnderTest start(String... wrapper) {
        long logStart = logSize();
        started = true;
        try {
            String[] command = java.util.Arrays.copyOf(wrapper, wrapper.length + 1);
            command[wrapper.length] = home.resolve("bin/start").toString();
            lab.exec(lab.router(), command);
            awaitLog(logStart, line -> line.contains("listener default: listening on") || line.contains("listener default: not listening"));
            // Every bundle in deploy/ started too: a test's baseline (descriptors, memory) must not precede, say,
            // the metrics bundle's HTTP server, which fileinstall may start after the proxy. The framework's own
            // event, not fileinstall's "Started bundle" line: a bundle that could not start at its first try (its
            // imports not resolved yet) is started later without that line (a CI run saw it).
            for (String bundle : deployedBundles()) {
                awaitLog(logStart, line -> line.contains("Events.Bundle." + bundle + ": BundleEvent STARTED"));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    /** The symbolic names of the bundles in deploy/. */
    private java.util.List<String> deployedBundles() {
        try (java.util.stream.Stream<Path> files = Files.list(home.resolve("deploy"))) {
            java.util.List<String> names = new java.util.ArrayList<>();
            for (Path jar : files.filter(file -> file.getFileName().toString().endsWith(".jar")).toList()) {
                try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile())) {
                    names.add(file.getManifest().getMainAttributes().getValue("Bundle-SymbolicName").split(";")[0].strip());
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites listener {@code name}'s configuration file and waits until the proxy has applied or refused it. */
    public String reconfigure(String name, Map<String, Object> listener) {
        if (render(name, listener).equals(written.get(name))) {
            return "unchanged";
        }
        long logStart = logSize();
        writeListener(name, listener);
        return awaitLog(logStart, line -> line.contains("listener " + name + ": ")
                && (line.contains("reconfigured") || line.contains("listening on") || line.contains("rejected")
                        || line.contains("cannot apply")));
    }

    private static String render(String name, Map<String, Object> overrides) {
        Map<String, Object> values = new java.util.TreeMap<>(overrides);
        values.putIfAbsent("name", name);
        StringBuilder text = new StringBuilder();
        values.forEach((key, value) -> text.append(key).append('=').append(typed(value)).append('\n'));
        return text.toString();
    }

    /** What the test last wrote to listener {@code name}'s file. */
    public String writtenListener(String name) {
        return written.get(name);
    }

    /** Listener {@code name}'s file as it is now. */
    public String listenerFile(String name) {
        try {
            return Files.readString(home.resolve("etc/dev.tproxy.listener-" + name + ".config"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void writeListener(String name, Map<String, Object> overrides) {
        String text = render(name, overrides);
        written.put(name, text);
        try {
            Path target = home.resolve("etc/dev.tproxy.listener-" + name + ".config");
            Path temporary = home.resolve("etc/.listener-" + name + ".tmp");
            Files.writeString(temporary, text);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String typed(Object value) {
        if (value instanceof Integer number) {
            return "I\"" + number + "\"";
        }
        if (value instanceof String[] array) {
            StringBuilder list = new StringBuilder("[");
            for (int i = 0; i < array.length; i++) {
                list.append(i == 0 ? "" : ",").append('"').append(array[i]).append('"');
            }
            return list.append(']').toString();
        }
        return "\"" + value + "\"";
    }

    /** Writes a file into etc/ before start (or live: fileinstall picks it up within a second). */
    public void writeEtc(String file, String content) {
        try {
            Files.writeString(home.resolve("etc").resolve(file), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes a file from etc/: fileinstall deletes its configuration. */
    public void deleteEtc(String file) {
        try {
            Files.deleteIfExists(home.resolve("etc").resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The id of the installed bundle named exactly {@code symbolicName} (not dev.tproxy.proxy-api for dev.tproxy.proxy), from {@code lb -s}. */
    public String bundleId(String symbolicName) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("(?m)^\\s*(\\d+)\\|.*\\|" + java.util.regex.Pattern.quote(symbolicName) + " \\(")
                .matcher(console("lb -s " + symbolicName));
        if (!matcher.find()) {
            throw new AssertionError("no bundle " + symbolicName + " in:\n" + console("lb -s"));
        }
        return matcher.group(1);
    }

    public long logSizeNow() {
        return logSize();
    }

    /** Runs one console command through bin/client and returns its output; a failing command fails. */
    public String console(String command) {
        return Shell.run(WAIT, home.resolve("bin/client").toString(), command);
    }

    /** Runs one console command and returns exit code and output. */
    public Shell.Result tryConsole(String command) {
        return Shell.tryRun(WAIT, home.resolve("bin/client").toString(), command);
    }

    /** A console command's {@code --json} output, parsed. */
    public Object json(String command) {
        return dev.tproxy.itests.lab.Json.parse(console(command).trim());
    }

    /** A number from {@code tproxy:stats --json}, e.g. {@code stat("total", "refused", "acl")}. */
    public long stat(Object... path) {
        return dev.tproxy.itests.lab.Json.number(json("tproxy:stats --json"), path);
    }

    /** CPU seconds (user + system) the runtime's JVM has used so far. */
    public double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long pid() {
        try {
            return Long.parseLong(Files.readString(home.resolve("data/tproxy.pid")).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Descriptors the runtime's JVM holds open now. */
    public int openFiles() {
        try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid()), "fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The runtime's open descriptors, its pipes counted apart: how many pipes the relays hold at a moment depends on
     * the bytes in flight then (and the idle pools), so only the others compare between two moments under traffic.
     */
    public record Descriptors(int pipes, int others) {
        @Override
        public String toString() {
            return others + " (and " + pipes + " pipe ends)";
        }
    }

    public Descriptors descriptors() {
        int pipes = 0;
        int others = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid()), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("pipe:")) {
                        pipes++;
                    } else {
                        others++;
                    }
                } catch (java.nio.file.NoSuchFileException closedMeanwhile) {
                    // gone between the listing and the look
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Descriptors(pipes, others);
    }

    public String log() {
        try {
            Path log = home.resolve("log/tproxy.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long logSize() {
        try {
            Path log = home.resolve("log/tproxy.log");
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for a log line written after byte {@code from} that matches; returns it. */
    public String awaitLog(long from, Predicate<String> wanted) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Path log = home.resolve("log/tproxy.log");
        while (System.nanoTime() < deadline) {
            try {
                byte[] bytes = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
                if (bytes.length > from) {
                    String tail = new String(bytes, (int) from, bytes.length - (int) from, StandardCharsets.UTF_8);
                    for (String line : tail.split("\n")) {
                        if (wanted.test(line)) {
                            return line;
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            sleep(100);
        }
        throw new IllegalStateException("no matching log line within " + WAIT + "; log:\n" + log() + "\nout:\n" + out());
    }

    /** Waits until {@code condition} holds, polling; fails with {@code what} after the deadline. */
    public static void await(String what, Duration limit, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit + " waiting for " + what);
            }
            sleep(50);
        }
    }

    private String out() {
        try {
            Path out = home.resolve("log/tproxy.out");
            return Files.exists(out) ? Files.readString(out) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the runtime (bin/stop, by its PID file) and removes its directory. */
    @Override
    public void close() {
        if (started) {
            Shell.tryRun(WAIT, home.resolve("bin/stop").toString());
            started = false;
        }
        for (Path installation : homes) {
            try (Stream<Path> paths = Files.walk(installation)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                // Leftovers in /tmp are harmless; the test result matters more.
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
