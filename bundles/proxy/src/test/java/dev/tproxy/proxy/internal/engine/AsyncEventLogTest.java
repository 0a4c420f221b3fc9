package dev.tproxy.proxy.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.logfile.api.AccessLog;
import dev.tproxy.proxy.internal.config.AccessLogFormat;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AsyncEventLogTest {
    /** Records what reaches the log service; the first line may be held to keep the writer busy. */
    private static final class Recording implements EventLog {
        final List<String> lines = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        final CountDownLatch writerBusy = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean holdFirst;
        /** The thread that writes the lines: the log's writer. */
        volatile Thread writer;

        @Override
        public void info(String message) {
            record("INFO " + message);
        }

        @Override
        public void warn(String message) {
            record("WARN " + message);
        }

        @Override
        public void error(String message, Throwable cause) {
            record("ERROR " + message + " " + cause.getMessage());
        }

        private void record(String line) {
            writer = Thread.currentThread();
            lines.add(line);
            if (holdFirst && lines.size() == 1) {
                writerBusy.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Test
    void writesEveryLineInOrderAndFormatsConnectionLinesOnItsOwnThread() {
        Recording target = new Recording();
        try (AsyncEventLog log = new AsyncEventLog(target)) {
            log.info("one");
            log.connectionClosed(closed(7), AccessLogFormat.TEXT);
            log.warn("two");
            log.error("three", new IllegalStateException("cause"));
        }
        assertEquals(List.of("INFO one",
                "INFO connection 7 closed: listener=default client=198.18.1.2:40312 destination=198.18.2.2:80"
                        + " upstream=198.18.1.2:40313 from-client=1234 from-server=56789 duration=1s reason=completed",
                "WARN two", "ERROR three cause"), target.lines);
    }

    @Test
    void withAnAccessLogConnectionLinesGoThereFormattedAsTheListenerSaysAndOtherLinesStay() {
        Recording target = new Recording();
        List<List<String>> batches = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        AccessLog accessLog = lines -> batches.add(List.copyOf(lines));
        try (AsyncEventLog log = new AsyncEventLog(target)) {
            log.accessLog(accessLog);
            log.info("one");
            log.connectionClosed(closed(7), AccessLogFormat.TEXT);
            log.connectionClosed(closed(8), AccessLogFormat.JSON);
            log.accessLogGone(lines -> { });   // another one going away changes nothing
            log.connectionClosed(closed(9), AccessLogFormat.TEXT);
        }
        assertEquals(List.of("INFO one"), target.lines);
        List<String> written = batches.stream().flatMap(List::stream).toList();
        assertEquals(3, written.size(), written::toString);
        assertTrue(written.get(0).endsWith(" connection 7 closed: listener=default client=198.18.1.2:40312"
                + " destination=198.18.2.2:80 upstream=198.18.1.2:40313 from-client=1234 from-server=56789 duration=1s"
                + " reason=completed"), written.get(0));
        assertTrue(written.get(1).startsWith("{\"time\":\"") && written.get(1).contains(",\"id\":8,"), written.get(1));
        assertTrue(written.get(2).contains(" connection 9 closed: "), written.get(2));
    }

    @Test
    void whenTheAccessLogGoesAwayConnectionLinesGoToTheLogServiceAgain() {
        Recording target = new Recording();
        AccessLog accessLog = lines -> { };
        try (AsyncEventLog log = new AsyncEventLog(target)) {
            log.accessLog(accessLog);
            log.accessLogGone(accessLog);
            log.connectionClosed(closed(7), AccessLogFormat.JSON);
        }
        assertEquals(1, target.lines.size());
        assertTrue(target.lines.get(0).startsWith("INFO connection 7 closed: listener=default"), target.lines::toString);
    }

    static ClosedConnection closed(long id) {
        return new ClosedConnection(id, "default", new InetSocketAddress("198.18.1.2", 40312),
                new InetSocketAddress("198.18.2.2", 80), new InetSocketAddress("198.18.1.2", 40313), 1234, 56789,
                1_200_000_000L, "completed", 1_764_815_400_123L);
    }

    @Test
    void withNothingToWriteTheWriterSleepsUntilALineComesAndWritesItAtOnce() throws InterruptedException {
        Recording target = new Recording();
        try (AsyncEventLog log = new AsyncEventLog(target)) {
            log.info("first");
            awaitLines(target, 1);
            awaitState(target.writer, Thread.State.WAITING);   // not TIMED_WAITING: no wake-up while nothing is logged
            log.info("second");   // within the batch window of the last drain: idle, so it wakes the writer
            awaitLines(target, 2);
            awaitState(target.writer, Thread.State.WAITING);
        }
        assertEquals(List.of("INFO first", "INFO second"), target.lines);
    }

    private static void awaitLines(Recording target, int count) throws InterruptedException {
        for (int i = 0; i < 500 && target.lines.size() < count; i++) {
            Thread.sleep(10);
        }
        assertEquals(count, target.lines.size(), target.lines::toString);
    }

    private static void awaitState(Thread thread, Thread.State state) throws InterruptedException {
        for (int i = 0; i < 500 && thread.getState() != state; i++) {
            Thread.sleep(10);
        }
        assertEquals(state, thread.getState());
        assertEquals(AsyncEventLog.THREAD_NAME, thread.getName());
    }

    @Test
    void aFullQueueDropsLinesWithoutBlockingAndSaysHowMany() throws InterruptedException {
        Recording target = new Recording();
        target.holdFirst = true;
        try (AsyncEventLog log = new AsyncEventLog(target)) {
            log.warn("first");
            assertTrue(target.writerBusy.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 16_384 + 10; i++) {
                log.info("line " + i);
            }
            target.release.countDown();
        }
        // the count is reported after the batch that was being written when the lines were lost
        assertEquals(1 + 1 + 16_384, target.lines.size());
        assertEquals("WARN log: 10 lines dropped (the log could not keep up)", target.lines.get(1));
        assertEquals("INFO line 0", target.lines.get(2));
        assertEquals("INFO line 16383", target.lines.get(16_385));
    }
}
