package dev.tproxy.shell.internal.doctor;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** {@link HostProbe} on the real host: procfs reads and commands run through {@link ProcessBuilder}. */
public final class LinuxHostProbe implements HostProbe {
    // A service user's PATH often lacks the sbin directories where ip, nft and iptables-save live.
    private static final List<String> EXTRA_PATH = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");

    @Override
    public Optional<String> read(String path) {
        try {
            return Optional.of(Files.readString(Path.of(path), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<String> list(String directory) {
        try (Stream<Path> entries = Files.list(Path.of(directory))) {
            return entries.map(entry -> entry.getFileName().toString()).sorted().toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    @Override
    public ExecResult run(Duration timeout, String... command) {
        Optional<String> executable = locate(command[0]);
        if (executable.isEmpty()) {
            return ExecResult.notRun(command[0] + ": not installed (not on PATH, /usr/sbin or /sbin)");
        }
        List<String> line = new ArrayList<>(List.of(command));
        line.set(0, executable.get());
        Path out = null;
        Path err = null;
        try {
            // Output goes to files rather than pipes: a large ruleset cannot block the command, and no reader
            // threads are needed.
            out = Files.createTempFile("tproxy-doctor", ".out");
            err = Files.createTempFile("tproxy-doctor", ".err");
            ProcessBuilder builder = new ProcessBuilder(line).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().put("LC_ALL", "C");
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return ExecResult.notRun(command[0] + ": no answer within " + timeout.toMillis() + " ms");
            }
            return new ExecResult(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            return ExecResult.notRun(command[0] + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExecResult.notRun(command[0] + ": interrupted");
        } finally {
            delete(out);
            delete(err);
        }
    }

    private static Optional<String> locate(String name) {
        if (name.contains("/")) {
            return Optional.of(name);
        }
        Set<String> directories = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            directories.addAll(List.of(path.split(File.pathSeparator)));
        }
        directories.addAll(EXTRA_PATH);
        return directories.stream().filter(directory -> !directory.isEmpty())
                .map(directory -> Path.of(directory, name)).filter(Files::isExecutable)
                .map(Path::toString).findFirst();
    }

    private static void delete(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temp file left behind is harmless
            }
        }
    }
}
