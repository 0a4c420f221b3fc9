package dev.tproxy.socket.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** A task's or process's /proc stat file, proc(5): its fields counted from 1, the command's parentheses skipped. */
final class ProcStat {
    private ProcStat() {}

    /** Field {@code number} (3 and on: after the command) of {@code stat}; empty when the task or process ended. */
    static Optional<String> field(Path stat, int number) {
        try {
            String text = Files.readString(stat);
            return Optional.of(text.substring(text.lastIndexOf(')') + 2).split(" ")[number - 3]);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
