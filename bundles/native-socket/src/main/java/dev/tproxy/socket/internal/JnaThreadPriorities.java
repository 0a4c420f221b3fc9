package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.ThreadPriorities;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.osgi.service.component.annotations.Component;

/** setpriority(PRIO_PROCESS, 0, 19): on Linux, "process" 0 is the calling thread (nice is per thread). */
@Component(service = ThreadPriorities.class)
public final class JnaThreadPriorities implements ThreadPriorities {
    static final int PRIO_PROCESS = 0;
    static final int LOWEST = 19;

    @Override
    public void lowerCallingThread() {
        if (LibC.setpriority(PRIO_PROCESS, 0, LOWEST) < 0) {
            throw Errors.lastError("setpriority(PRIO_PROCESS, calling thread, " + LOWEST + ")");
        }
    }

    /**
     * Every thread of this process (each in /proc/self/task) whose nice value is below {@code nice} gets it; one
     * already lower in priority (a thread at 19, a service started with a higher nice) keeps its own. Threads started
     * later inherit the value from the thread that starts them. For a runtime that handed everything over and only
     * stops now: its last work then yields the CPU to the runtime that relays. A thread that ends meanwhile is skipped.
     *
     * @return how many threads it set
     */
    static int lowerEveryThreadTo(int nice) throws IOException {
        int set = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                OptionalInt current = niceOf(task);
                if (current.isPresent() && current.getAsInt() < nice
                        && LibC.setpriority(PRIO_PROCESS, Integer.parseInt(task.getFileName().toString()), nice) == 0) {
                    set++;
                }
            }
        }
        return set;
    }

    /** The nice value of the task at {@code task} (a directory in /proc/self/task): stat's field 19. */
    static OptionalInt niceOf(Path task) {
        return ProcStat.field(task.resolve("stat"), 19).map(nice -> OptionalInt.of(Integer.parseInt(nice))).orElse(OptionalInt.empty());
    }
}
