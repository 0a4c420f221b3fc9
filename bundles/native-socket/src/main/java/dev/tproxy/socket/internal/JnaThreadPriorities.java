package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.ThreadPriorities;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * Every thread of this process (each in /proc/self/task) gets {@code nice}; threads started later inherit it from
     * the thread that starts them. For a runtime that handed everything over and only stops now: its last work then
     * yields the CPU to the runtime that relays. A thread that ended meanwhile is skipped.
     *
     * @return how many threads it set
     */
    static int setEveryThread(int nice) throws IOException {
        int set = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                if (LibC.setpriority(PRIO_PROCESS, Integer.parseInt(task.getFileName().toString()), nice) == 0) {
                    set++;
                }
            }
        }
        return set;
    }
}
