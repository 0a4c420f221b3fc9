package dev.tproxy.proxy.internal.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The watchdog's probe: answered by a loop that makes progress, never by one that is stuck. */
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
}
