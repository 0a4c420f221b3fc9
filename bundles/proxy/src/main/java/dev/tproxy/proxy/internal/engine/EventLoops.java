package dev.tproxy.proxy.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** The engine's event loops: runs work on every one of them and waits for it; stops them. */
final class EventLoops {
    private static final long ANSWER_MILLIS = 5000;

    private final List<EventLoop> loops;

    EventLoops(List<EventLoop> loops) {
        this.loops = List.copyOf(loops);
    }

    List<EventLoop> all() {
        return loops;
    }

    int size() {
        return loops.size();
    }

    /** Runs {@code task} on every loop at once and returns the results in loop order, once all are done. */
    <T> List<T> onEach(Function<EventLoop, T> task) {
        List<CompletableFuture<T>> parts = new ArrayList<>(loops.size());
        for (EventLoop loop : loops) {
            parts.add(loop.submit(() -> task.apply(loop)));
        }
        List<T> results = new ArrayList<>(parts.size());
        for (CompletableFuture<T> part : parts) {
            results.add(await(part));
        }
        return results;
    }

    /** Waits for work submitted to a loop; a loop that does not answer in time is an error, not a hang. */
    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(ANSWER_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("an event loop did not answer within " + ANSWER_MILLIS + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    void stop() {
        for (EventLoop loop : loops) {
            loop.stop();
        }
        for (EventLoop loop : loops) {
            try {
                loop.join(ANSWER_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
