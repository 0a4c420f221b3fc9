package dev.tproxy.itests.hostile;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Shell;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A small C tool from itests/src/test/c, compiled with gcc and run inside a lab namespace: thousands of sockets
 * cost a C process a few MiB, a JVM far more. It talks in lines: it prints READY when set up, answers lines
 * written to its stdin, and exits when its stdin ends (also when the test's JVM dies).
 */
final class NativeTool implements AutoCloseable {
    private final String name;
    private final Process process;
    private final BufferedReader out;
    private final OutputStream in;

    private NativeTool(String name, Process process) {
        this.name = name;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = process.getOutputStream();
    }

    /** Compiles {@code itests/src/test/c/<name>.c} (once per run) and returns the binary. */
    static Path compile(String name) {
        Path source = Lab.projectRoot().resolve("itests/src/test/c/" + name + ".c");
        Path binary = Lab.projectRoot().resolve("itests/target/native-tools/" + name);
        try {
            Files.createDirectories(binary.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Shell.run(Duration.ofSeconds(60), "gcc", "-O2", "-Wall", "-Werror", "-o", binary.toString(), source.toString());
        return binary;
    }

    /** Starts the compiled tool in {@code namespace} and returns once it printed READY; fails with its output. */
    static NativeTool start(Lab lab, String namespace, String name, Duration ready, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(compile(name).toString()));
        command.addAll(arguments);
        try {
            Process process = lab.processIn(namespace, command.toArray(String[]::new))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            NativeTool tool = new NativeTool(name, process);
            tool.awaitLine("READY", ready);
            return tool;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines printed before {@code wanted}, and that line; fails when the tool exits or time runs out first. */
    List<String> awaitLine(String wanted, Duration limit) {
        CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
            List<String> seen = new ArrayList<>();
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    seen.add(line);
                    if (line.startsWith(wanted)) {
                        return seen;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            throw new IllegalStateException(name + " ended before printing " + wanted + ": " + seen);
        });
        try {
            return lines.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(name + ": no line " + wanted + " within " + limit, e);
        }
    }

    /** Writes one line to the tool and returns its answer, the next line starting with {@code answer}. */
    String ask(String line, String answer, Duration limit) {
        try {
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> lines = awaitLine(answer, limit);
        return lines.get(lines.size() - 1);
    }

    /** Ends the tool's stdin, which ends the tool, and waits for it to exit (it closes its sockets as it exits). */
    @Override
    public void close() {
        try {
            in.close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
