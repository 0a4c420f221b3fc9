package dev.tproxy.shell.internal.doctor;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What the doctor may ask of the host: read-only, so that a check never changes what it looks at. */
public interface HostProbe {

    /** The file's content, or empty when it does not exist or cannot be read. */
    Optional<String> read(String path);

    /** The names in a directory, sorted; empty when it does not exist. */
    List<String> list(String directory);

    /**
     * Runs a command and waits at most {@code timeout}. Never throws: a command that cannot start or does not
     * finish in time yields {@link ExecResult#NOT_RUN} with the reason as its error output.
     */
    ExecResult run(Duration timeout, String... command);
}
