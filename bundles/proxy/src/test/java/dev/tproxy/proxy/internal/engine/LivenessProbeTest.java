package dev.tproxy.proxy.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The watchdog's probe: answered by a loop that makes progress, never by one that is stuck; and queued tasks,
 * however many, share the loop with its relays.
 */
class LivenessProbeTest extends LoopbackEngineTest {
    @Test
    void aLiveLoopAnswersAndAStuckOneDoesNotUntilItMovesAgain() throws Exception {
        start(Map.of(), LoopbackServers.ECHO);
        fixture.engine.probeLoops().get(10, TimeUnit.SECONDS);

        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stuck = new CountDownLatch(1);
        fixture.engine.loops().all().get(0).execute(() -> {
            stuck.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(stuck.await(10, TimeUnit.SECONDS));
        CompletableFuture<Void> probe = fixture.engine.probeLoops();
        // not a timing assertion: the loop cannot run the probe while it runs the blocking task
        assertFalse(probe.isDone(), "a stuck loop does not answer");
        release.countDown();
        probe.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aBurstOfTasksLetsTheLoopsRelaysMoveBetweenThem() throws Exception {
        start(Map.of(), LoopbackServers.ECHO);
        try (Socket client = fixture.connect()) {
            client.getOutputStream().write('a');
            assertEquals('a', client.getInputStream().read());
            EventLoop loop = fixture.engine.loops().all().get(0);
            CountDownLatch release = new CountDownLatch(1);
            loop.execute(() -> await(release));
            // 100 tasks of 3 ms, as after an update (a task per connection to adopt); the last looks for the echo
            AtomicBoolean echoedMeanwhile = new AtomicBoolean();
            CompletableFuture<Void> last = new CompletableFuture<>();
            for (int i = 0; i < 99; i++) {
                loop.execute(() -> sleep(3));
            }
            loop.execute(() -> {
                echoedMeanwhile.set(available(client) > 0);
                last.complete(null);
            });
            client.getOutputStream().write('b'); // queued at the proxy while the loop is held, before any task ran
            release.countDown();
            last.get(10, TimeUnit.SECONDS);
            assertTrue(echoedMeanwhile.get(), "the relay moved 'b' there and back while the tasks ran");
            assertEquals('b', client.getInputStream().read());
        }
    }

    private static int available(Socket socket) {
        try {
            return socket.getInputStream().available();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
