package dev.tproxy.socket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ThreadPrioritiesTest {
    /** proc(5): field 19 of /proc/thread-self/stat, counted from 1, is the nice value. */
    private static int niceOfCallingThread() throws Exception {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[19 - 3]);
    }

    @Test
    void onlyTheCallingThreadGetsNice19() throws Exception {
        int before = niceOfCallingThread();
        AtomicReference<Object> lowered = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                new JnaThreadPriorities().lowerCallingThread();
                lowered.set(niceOfCallingThread());
            } catch (Exception | Error e) {
                lowered.set(e);
            }
        });
        thread.start();
        thread.join(10_000);
        assertEquals(19, lowered.get());
        assertEquals(before, niceOfCallingThread(), "the other threads keep theirs");
    }
}
