package dev.tproxy.itests.distribution;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tproxy.itests.lab.Lab;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A private copy of the built distribution ({@code distribution/target/tproxy}) whose bin/ scripts a test runs as an
 * operator would, with a clean environment (no inherited {@code TPROXY_*}, this test's JVM as JAVA_HOME). Whatever
 * it started is stopped by {@link #close()} through its own PID file.
 */
final class Installation implements AutoCloseable {
    record Run(int exitCode, String out, String err) {
        String both() {
            return out + err;
        }
    }

    private final Path home;

    private Installation(Path home) {
        this.home = home;
    }

    static Installation copyTo(Path dir) {
        Path built = Lab.projectRoot().resolve("distribution/target/tproxy");
        assertTrue(Files.isExecutable(built.resolve("bin/tproxy")), "build the distribution first: " + built);
        Path home = dir.resolve("tproxy");
        Run copy = new Installation(dir).run(Duration.ofSeconds(60), List.of("cp", "-a", built.toString(), home.toString()), Map.of());
        assertTrue(copy.exitCode() == 0, copy.both());
        return new Installation(home);
    }

    Path home() {
        return home;
    }

    Path resolve(String relative) {
        return home.resolve(relative);
    }

    /** Runs {@code bin/…} (relative to the installation), optionally in a network namespace, with extra environment. */
    Run run(Duration timeout, Optional<String> namespace, Map<String, String> env, String... command) {
        List<String> line = new ArrayList<>();
        namespace.ifPresent(ns -> line.addAll(List.of("ip", "netns", "exec", ns)));
        line.add(home.resolve(command[0]).toString());
        line.addAll(List.of(command).subList(1, command.length));
        return run(timeout, line, env);
    }

    Run run(Duration timeout, String... command) {
        return run(timeout, Optional.empty(), Map.of(), command);
    }

    /** Starts {@code bin/…} without waiting for it; output goes to {@code log/<name>.test.out}. */
    Process launch(Optional<String> namespace, Map<String, String> env, String... command) throws IOException {
        List<String> line = new ArrayList<>();
        namespace.ifPresent(ns -> line.addAll(List.of("ip", "netns", "exec", ns)));
        line.add(home.resolve(command[0]).toString());
        line.addAll(List.of(command).subList(1, command.length));
        Files.createDirectories(home.resolve("log"));
        ProcessBuilder builder = builder(line, env).redirectErrorStream(true)
            .redirectOutput(home.resolve("log/" + Path.of(command[0]).getFileName() + ".test.out").toFile());
        return builder.start();
    }

    Optional<Long> pidFromFile() {
        try {
            String text = Files.readString(home.resolve("data/tproxy.pid")).trim();
            return text.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        Optional<Long> pid = pidFromFile();
        if (pid.isPresent() && ProcessHandle.of(pid.get()).map(ProcessHandle::isAlive).orElse(false)) {
            run(Duration.ofSeconds(60), "bin/stop");
            ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private ProcessBuilder builder(List<String> line, Map<String, String> extra) {
        ProcessBuilder builder = new ProcessBuilder(line).directory(home.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.startsWith("TPROXY_") || key.equals("NOTIFY_SOCKET") || key.startsWith("WATCHDOG_")
            || key.equals("JOURNAL_STREAM"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.putAll(extra);
        return builder;
    }

    private Run run(Duration timeout, List<String> line, Map<String, String> env) {
        try {
            Process process = builder(line, env).start();
            process.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", line) + " did not finish within " + timeout);
            }
            return new Run(process.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
