package dev.tproxy.socket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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

    /** The nice value of every thread of this process. */
    private static List<Integer> niceOfEveryThread() throws Exception {
        List<Integer> nice = new ArrayList<>();
        try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String stat = Files.readString(task.resolve("stat"));
                nice.add(Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19 - 3]));
            }
        }
        return nice;
    }

    @Test
    void everyThreadOfTheProcessGetsTheValueAndThreadsStartedLaterInheritIt() throws Exception {
        int before = niceOfCallingThread();
        CountDownLatch end = new CountDownLatch(1);
        Thread running = new Thread(() -> awaitQuietly(end));
        running.start();
        try {
            int set = JnaThreadPriorities.setEveryThread(before + 5);
            assertTrue(set >= 2, "this thread and the running one at least: " + set);
            assertEquals(List.of(before + 5), niceOfEveryThread().stream().distinct().toList());
            AtomicReference<Object> later = new AtomicReference<>();
            Thread started = new Thread(() -> {
                try {
                    later.set(niceOfCallingThread());
                } catch (Exception e) {
                    later.set(e);
                }
            });
            started.start();
            started.join(10_000);
            assertEquals(before + 5, later.get());
        } finally {
            end.countDown();
            running.join(10_000);
            // back for the tests that follow in this JVM (raising a priority needs root, which the netns tests have)
            JnaThreadPriorities.setEveryThread(before);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
