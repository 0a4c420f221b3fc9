package dev.tproxy.itests.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tproxy.itests.lab.Lab;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as an administrator uses it: a copy of {@code distribution/target/tproxy} in a temporary
 * directory, started with {@code bin/start}, driven through {@code bin/client}, hot-updated by copying jars into
 * {@code deploy/}, stopped with {@code bin/stop}. One runtime serves all tests (in order); whatever happens, it is
 * stopped at the end through its own PID file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DistributionIT {
    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration COMMAND = Duration.ofSeconds(60);
    private static final Duration SETTLE = Duration.ofSeconds(60);
    /** One row of {@code lb}: {@code    14|Active     |    1|tproxy console (0.1.0.2026…)|0.1.0.2026…}. */
    private static final Pattern LB_ROW = Pattern.compile("^\\s*(\\d+)\\|(\\w+)\\s*\\|\\s*\\d+\\|(.*) \\(([^()]*)\\)\\|.*$");

    @TempDir
    static Path temp;

    private Path home;
    private long frameworkPid;
    /** The runtime runs in a lab namespace: its default listener must not bind in the host's namespace. */
    private Lab lab;

    record Run(int exitCode, String out, String err) {
        String both() {
            return out + err;
        }
    }

    record Row(long id, String state, String name, String version) {}

    @BeforeAll
    void copyAndStart() throws IOException {
        Path built = Lab.projectRoot().resolve("distribution/target/tproxy");
        assertTrue(Files.isExecutable(built.resolve("bin/tproxy")), "build the distribution first: " + built);
        home = temp.resolve("tproxy");
        copyTree(built, home);

        lab = Lab.create();
        Run start = runIn(lab.router(), START, "bin/start");
        assertEquals(0, start.exitCode(), "bin/start:\n" + start.both());
        frameworkPid = pidFromFile().orElseThrow(() -> new AssertionError("no PID file after bin/start"));
        assertTrue(alive(frameworkPid), "the PID in the PID file is running");
    }

    @AfterAll
    void stopWhateverHappened() throws IOException {
        if (home == null) {
            return;
        }
        Optional<Long> pid = pidFromFile();
        if (pid.isPresent() && alive(pid.get())) {
            run(Duration.ofSeconds(60), "bin/stop");
            ProcessHandle.of(pid.get()).ifPresent(process -> {
                if (process.isAlive()) {
                    process.destroyForcibly();
                }
            });
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void everyBundleIsActive() {
        // the framework, the platform (bundle/), fileinstall (lib/fileinstall.jar, start level 2), the project (deploy/)
        long expected = 1 + countJars("bundle") + 1 + countJars("deploy");
        List<Row> rows = awaitRows("every bundle Active", r -> r.size() == expected
            && r.stream().allMatch(row -> row.state().equals("Active")));
        assertTrue(rows.stream().anyMatch(row -> row.name().equals("tproxy console")), rows.toString());
        assertTrue(rows.stream().anyMatch(row -> row.name().equals("tproxy logfile")), rows.toString());
        Run lb = run(COMMAND, "bin/client", "lb");
        assertEquals(0, lb.exitCode(), lb.both());
        assertTrue(lb.out().startsWith("START LEVEL 2"), lb.out());
        assertTrue(rows.stream().anyMatch(row -> row.name().startsWith("Apache Felix File Install")), rows.toString());
    }

    @Test
    @Order(1)
    void theDataPathsBundlesStartBeforeTheOthersAndEachStartsOnce() throws IOException {
        long expected = 1 + countJars("bundle") + 1 + countJars("deploy");
        awaitRows("every bundle Active", r -> r.size() == expected
            && r.stream().allMatch(row -> row.state().equals("Active")));
        // fileinstall's watchers of deploy/ split it: the data path's bundles in fileinstall's own start, the rest after
        Path file = home.resolve("log/tproxy.log");
        Instant deadline = Instant.now().plus(SETTLE);
        List<String> log = Files.readAllLines(file);
        long deployed = countJars("deploy");
        while (log.stream().filter(line -> line.contains("Started bundle: file:") && line.contains("/deploy/")).count()
                < deployed
                && Instant.now().isBefore(deadline)) {
            pause(); // the log file is written a moment after the event
            log = Files.readAllLines(file);
        }
        assertTrue(log.stream().noneMatch(line -> line.contains("Error while starting bundle")), String.join("\n", log));
        int listening = indexOf(log, line -> line.contains("listener default: listening on"));
        assertTrue(listening >= 0, "the default listener's line in tproxy.log");
        try (Stream<Path> jars = Files.list(home.resolve("deploy"))) {
            for (Path jar : jars.collect(Collectors.toList())) {
                String name = jar.getFileName().toString();
                List<Integer> at = new ArrayList<>();
                for (int i = 0; i < log.size(); i++) {
                    if (log.get(i).contains("Started bundle: file:") && log.get(i).endsWith("/deploy/" + name)) {
                        at.add(i);
                    }
                }
                assertEquals(1, at.size(), "one watcher starts " + name + ", once: " + at);
                if (Pattern.matches("dev\\.tproxy\\.(console|shell|metrics|systemd)\\.jar", name)) {
                    assertTrue(at.get(0) > listening, name + " starts after the listener binds");
                }
            }
        }
    }

    private static int indexOf(List<String> lines, Predicate<String> match) {
        for (int i = 0; i < lines.size(); i++) {
            if (match.test(lines.get(i))) {
                return i;
            }
        }
        return -1;
    }

    @Test
    @Order(2)
    void aFailingCommandExitsNonZeroWithOneLine() {
        Run run = run(COMMAND, "bin/client", "no-such-command-here");
        assertNotEquals(0, run.exitCode());
        assertEquals(1, run.exitCode(), "status 1: the command threw");
        List<String> lines = run.both().lines().collect(Collectors.toList());
        assertEquals(1, lines.size(), "one line, no stack trace: " + lines);
        assertTrue(lines.get(0).contains("no-such-command-here"), lines.get(0));
    }

    @Test
    @Order(3)
    void consoleSocketIsOwnerOnly() throws IOException {
        Path socket = home.resolve("data/console.sock");
        assertTrue(Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther(), "a socket");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
        assertEquals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"), Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    @Order(4)
    void defaultListenerIsATypedFactoryConfiguration() {
        String config = "d = ((cm:listConfigurations \"(&(service.factoryPid=dev.tproxy.listener)(service.pid=dev.tproxy.listener~default))\") 0)"
            + " processedProperties $null";
        Run scalars = run(COMMAND, "bin/client", config + " ; each [name port backlog source.mode upstream.mark connect.timeout idle.timeout"
            + " max.connections max.connections.per.client pipe.size] { v = $d get $it ; echo $it (($v getClass) getSimpleName) ($v toString) } ; echo");
        assertEquals(0, scalars.exitCode(), scalars.both());
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("name", "String default");
        expected.put("port", "Integer 9876");
        expected.put("backlog", "Integer 1024");
        expected.put("source.mode", "String client");
        expected.put("upstream.mark", "Integer 0");
        expected.put("connect.timeout", "String 5s");
        expected.put("idle.timeout", "String 1h");
        expected.put("max.connections", "Integer 8192");
        expected.put("max.connections.per.client", "Integer 0");
        expected.put("pipe.size", "Integer 262144");
        List<String> expectedLines = expected.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.toList());
        assertEquals(expectedLines, scalars.out().lines().filter(line -> !line.isBlank()).collect(Collectors.toList()));

        Run whole = run(COMMAND, "bin/client", config + " ; $d toString");
        assertTrue(whole.out().contains("bind.addresses=[Ljava.lang.String;"), whole.out());
        assertTrue(whole.out().contains("allowed.clients=[Ljava.lang.String;"), whole.out());
        assertEquals(List.of("0.0.0.0", "::"), lines(run(COMMAND, "bin/client", config + " ; $d get bind.addresses")));
        assertEquals(List.of("0.0.0.0/0", "::/0"), lines(run(COMMAND, "bin/client", config + " ; $d get allowed.clients")));
    }

    @Test
    @Order(5)
    void configurationFilesInEtcApplyLive() throws IOException {
        Path file = home.resolve("etc/dev.tproxy.itest.cfg");
        String value = "d = (cm:listConfigurations \"(service.pid=dev.tproxy.itest)\") ; if { $d } { (($d 0) processedProperties $null) get answer } { echo absent }";
        Files.writeString(file, "answer = 42\n");
        awaitOutput(value, "42");
        Files.writeString(file, "answer = 43\n");
        awaitOutput(value, "43");
        Files.delete(file);
        awaitOutput(value, "absent");
    }

    @Test
    @Order(6)
    void aNewerJarInDeployUpdatesTheSameBundleWithoutRestart() throws IOException {
        List<Row> before = awaitRows("every bundle Active", r -> r.stream().allMatch(row -> row.state().equals("Active")));
        Row console = find(before, "tproxy console");
        Row logfile = find(before, "tproxy logfile");
        String stamp = "itest" + System.currentTimeMillis();
        String consoleVersion = restamp(home.resolve("deploy/dev.tproxy.console.jar"), stamp);
        String logfileVersion = restamp(home.resolve("deploy/dev.tproxy.logfile.jar"), stamp);

        List<Row> after = awaitRows("both bundles updated and Active", r -> r.stream().anyMatch(row ->
                row.name().equals("tproxy console") && row.version().equals(consoleVersion) && row.state().equals("Active"))
            && r.stream().anyMatch(row ->
                row.name().equals("tproxy logfile") && row.version().equals(logfileVersion) && row.state().equals("Active")));
        assertEquals(console.id(), find(after, "tproxy console").id(), "same bundle id: an update, not a new install");
        assertEquals(logfile.id(), find(after, "tproxy logfile").id(), "same bundle id: an update, not a new install");
        assertEquals(before.size(), after.size());
        assertEquals(Optional.of(frameworkPid), pidFromFile(), "no framework restart");
        assertTrue(alive(frameworkPid));
        Run status = run(COMMAND, "bin/status");
        assertEquals(0, status.exitCode(), status.both());
    }

    @Test
    @Order(7)
    void stopStopsTheRuntime() throws IOException {
        Run stop = run(Duration.ofSeconds(60), "bin/stop");
        assertEquals(0, stop.exitCode(), stop.both());
        assertFalse(alive(frameworkPid), "the runtime's PID is gone");
        Run status = run(COMMAND, "bin/status");
        assertEquals(3, status.exitCode(), status.both());
        assertFalse(Files.exists(home.resolve("data/tproxy.pid")), "PID file removed");
        assertFalse(Files.exists(home.resolve("data/console.sock"), LinkOption.NOFOLLOW_LINKS), "console socket removed");
        Run client = run(COMMAND, "bin/client", "lb");
        assertEquals(3, client.exitCode(), "client: console unreachable\n" + client.both());
    }

    @Test
    @Order(8)
    void theNextStartMapsTheClassArchiveTheFirstRunRecorded() throws IOException {
        List<Path> archives;
        try (Stream<Path> files = Files.list(home.resolve("data/cds"))) {
            archives = files.filter(file -> file.getFileName().toString().endsWith(".jsa")).collect(Collectors.toList());
        }
        assertEquals(1, archives.size(), "the first run recorded one class archive: " + archives);
        assertTrue(Files.size(archives.get(0)) > 1_000_000, "archive size " + Files.size(archives.get(0)));

        Path log = home.resolve("log/tproxy.log");
        long logBefore = Files.size(log);
        Run start = runIn(lab.router(), START, "bin/start");
        assertEquals(0, start.exitCode(), "bin/start:\n" + start.both());
        long pid = pidFromFile().orElseThrow(() -> new AssertionError("no PID file after bin/start"));
        String maps = Files.readString(Path.of("/proc/" + pid + "/maps"));
        assertTrue(maps.contains(archives.get(0).toString()), "the JVM maps " + archives.get(0));
        awaitRows("every bundle Active after the second start",
            rows -> rows.size() > 1 && rows.stream().allMatch(row -> row.state().equals("Active")));
        awaitOutput("tproxy:listeners", out -> out.contains(" running "), "a running listener");
        // classes from the archive list their methods in another order: SCR once logged an ERROR for every
        // component with a second public constructor of the same arity it happened to check first
        byte[] logNow = Files.readAllBytes(log);
        String thisStart = new String(logNow, (int) logBefore, logNow.length - (int) logBefore, StandardCharsets.UTF_8);
        assertFalse(thisStart.lines().anyMatch(line -> line.contains(" ERROR ")), "errors in the log:\n" + thisStart);
        assertEquals(0, run(Duration.ofSeconds(60), "bin/stop").exitCode());
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    private List<Row> awaitRows(String what, Predicate<List<Row>> done) {
        Instant deadline = Instant.now().plus(SETTLE);
        List<Row> rows = List.of();
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            Run lb = run(COMMAND, "bin/client", "lb");
            last = lb.both();
            if (lb.exitCode() == 0) {
                rows = rows(lb.out());
                if (done.test(rows)) {
                    return rows;
                }
            }
            pause();
        }
        return fail("timed out waiting for " + what + "; last lb:\n" + last);
    }

    private void awaitOutput(String command, String expected) {
        awaitOutput(command, out -> out.strip().equals(expected), "'" + expected + "'");
    }

    private void awaitOutput(String command, Predicate<String> done, String what) {
        Instant deadline = Instant.now().plus(SETTLE);
        Run last = null;
        while (Instant.now().isBefore(deadline)) {
            last = run(COMMAND, "bin/client", command);
            if (last.exitCode() == 0 && done.test(last.out())) {
                return;
            }
            pause();
        }
        fail("timed out waiting for " + what + " from " + command + "; last: " + last);
    }

    private static List<Row> rows(String lb) {
        List<Row> rows = new ArrayList<>();
        for (String line : lb.lines().collect(Collectors.toList())) {
            Matcher m = LB_ROW.matcher(line);
            if (m.matches()) {
                rows.add(new Row(Long.parseLong(m.group(1)), m.group(2), m.group(3), m.group(4)));
            }
        }
        return rows;
    }

    private static Row find(List<Row> rows, String name) {
        return rows.stream().filter(row -> row.name().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no bundle named " + name + " in " + rows));
    }

    private static List<String> lines(Run run) {
        assertEquals(0, run.exitCode(), run.both());
        return run.out().lines().filter(line -> !line.isBlank()).collect(Collectors.toList());
    }

    /**
     * Rewrites the bundle with a new Bundle-Version qualifier (a "newer build") and moves it over the original in
     * one rename, so fileinstall never sees a half-written jar.
     */
    private String restamp(Path jar, String qualifier) throws IOException {
        Path next = jar.resolveSibling("." + jar.getFileName() + ".next");
        String version;
        try (JarFile in = new JarFile(jar.toFile())) {
            Manifest manifest = new Manifest(in.getManifest());
            String[] parts = manifest.getMainAttributes().getValue("Bundle-Version").split("\\.");
            version = parts[0] + "." + parts[1] + "." + parts[2] + "." + qualifier;
            manifest.getMainAttributes().putValue("Bundle-Version", version);
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(next), manifest)) {
                for (Enumeration<JarEntry> entries = in.entries(); entries.hasMoreElements(); ) {
                    JarEntry entry = entries.nextElement();
                    if (entry.getName().equals(JarFile.MANIFEST_NAME)) {
                        continue;
                    }
                    out.putNextEntry(new JarEntry(entry.getName()));
                    try (InputStream data = in.getInputStream(entry)) {
                        data.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
        }
        Files.move(next, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return version;
    }

    private long countJars(String directory) {
        try (Stream<Path> files = Files.list(home.resolve(directory))) {
            return files.filter(file -> file.getFileName().toString().endsWith(".jar")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Optional<Long> pidFromFile() throws IOException {
        Path file = home.resolve("data/tproxy.pid");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String text = Files.readString(file).strip();
        return text.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(text));
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The built tree without what a run left in data/ and log/ (a copy is a fresh installation). */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path relative = from.relativize(source);
                boolean runState = relative.getNameCount() > 1
                    && (relative.getName(0).toString().equals("data") || relative.getName(0).toString().equals("log"));
                if (runState) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(source));
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private Run runIn(String namespace, Duration timeout, String... command) {
        List<String> line = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        line.addAll(List.of(command));
        line.set(4, home.resolve(command[0]).toString());
        return run(timeout, line);
    }

    private Run run(Duration timeout, String... command) {
        List<String> line = new ArrayList<>(List.of(command));
        line.set(0, home.resolve(command[0]).toString());
        return run(timeout, line);
    }

    private Run run(Duration timeout, List<String> line) {
        String[] command = line.toArray(String[]::new);
        ProcessBuilder builder = new ProcessBuilder(line).directory(home.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.startsWith("TPROXY_"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Run(process.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
