package dev.tproxy.socket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ThreadPrioritiesTest {
    private static int niceOfCallingThread() {
        return JnaThreadPriorities.niceOf(Path.of("/proc/thread-self")).orElseThrow();
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

    /** The nice value of each thread of this process, by thread id (the ones that end while it reads are left out). */
    private static Map<Integer, Integer> niceOfEveryThread() throws Exception {
        Map<Integer, Integer> nice = new HashMap<>();
        try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                JnaThreadPriorities.niceOf(task).ifPresent(value -> nice.put(Integer.parseInt(task.getFileName().toString()), value));
            }
        }
        return nice;
    }

    @Test
    void everyThreadGetsAtLeastTheValueThoseLowerKeepTheirsAndThreadsStartedLaterInheritIt() throws Exception {
        int target = Math.min(niceOfCallingThread() + 5, 18);
        CountDownLatch end = new CountDownLatch(1);
        CountDownLatch lowest = new CountDownLatch(1);
        Thread atNineteen = new Thread(() -> {
            new JnaThreadPriorities().lowerCallingThread();
            lowest.countDown();
            awaitQuietly(end);
        });
        atNineteen.start();
        lowest.await(10, TimeUnit.SECONDS);
        Map<Integer, Integer> before = niceOfEveryThread();
        try {
            assertTrue(before.containsValue(19), "a thread already lower than the value: " + before);
            JnaThreadPriorities.lowerEveryThreadTo(target);
            Map<Integer, Integer> after = niceOfEveryThread();
            before.forEach((tid, nice) -> {
                if (after.containsKey(tid)) {
                    assertEquals(Math.max(nice, target), after.get(tid), "thread " + tid + ", nice " + nice + " before");
                }
            });
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
            assertEquals(target, later.get());
        } finally {
            end.countDown();
            atNineteen.join(10_000);
            // back for the tests that follow in this JVM (raising a priority needs root, which CI has)
            before.forEach((tid, nice) -> LibC.setpriority(JnaThreadPriorities.PRIO_PROCESS, tid, nice));
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
