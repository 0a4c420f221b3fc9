package dev.tproxy.proxy.internal.engine;

import dev.tproxy.socket.api.Epoll;
import dev.tproxy.socket.api.EpollEvents;
import dev.tproxy.socket.api.EventFd;
import dev.tproxy.socket.api.NativeHandle;
import dev.tproxy.socket.api.TransparentSocketService;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * One thread, one epoll. Every connection belongs to one loop for life, so relays need no locks. Other threads
 * talk to the loop only through {@link #execute(Runnable)}, which queues the task and wakes the loop.
 */
public final class EventLoop implements Runnable {
    /** Something registered in this loop's epoll; {@code side} tells which of its handles is ready. */
    interface Handler {
        void onReady(int side, int events);

        /** Handling this one's event failed unexpectedly: deal with it alone (the loop carries on with the rest). */
        void onFailure(Throwable cause);
    }

    static final int SWEEP_MILLIS = 200;
    private static final int MAX_EVENTS = 256;
    private static final int WAKEUP_SLOT = 0;

    final int index;
    final TransitPool transits;
    private final Epoll epoll;
    private final EventFd wakeup;
    private final EventLog log;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /**
     * Tasks run per round at most: a burst of them (adopting every connection after an update, a task each) is
     * spread over rounds with the relays' I/O between, instead of holding up every relay of the loop until the last.
     */
    static final int TASKS_PER_ROUND = 8;
    private final ArrayDeque<Relay> pending = new ArrayDeque<>();
    private final List<Runnable> sweepers = new ArrayList<>();
    private Handler[] handlers = new Handler[1024];
    private int[] freeSlots = new int[1024];
    private int freeCount;
    private int nextSlot = 1;
    private int[] freedThisRound = new int[64];
    private int freedCount;
    private volatile boolean running = true;
    private long nextSweep;
    private final TransparentSocketService sockets;
    /** A descriptor held in reserve: out of descriptors, closing it lets one pending client be accepted and reset. */
    private EventFd spare;

    EventLoop(int index, TransparentSocketService sockets, TransitPool transits, EventLog log) {
        this.index = index;
        this.transits = transits;
        this.log = log;
        this.sockets = sockets;
        Epoll openedEpoll = sockets.openEpoll(MAX_EVENTS);
        EventFd openedWakeup = null;
        try {
            openedWakeup = sockets.openEventFd();
            this.spare = sockets.openEventFd();
            openedEpoll.register(openedWakeup, EpollEvents.IN, WAKEUP_SLOT);
        } catch (RuntimeException e) {
            if (spare != null) {
                spare.close();
            }
            if (openedWakeup != null) {
                openedWakeup.close();
            }
            openedEpoll.close();
            throw e;
        }
        this.epoll = openedEpoll;
        this.wakeup = openedWakeup;
        this.thread = new Thread(this, "tproxy-loop-" + index);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop thread (at once when called from it). */
    public void execute(Runnable task) {
        if (inLoop()) {
            task.run();
            return;
        }
        tasks.add(task);
        wakeup.signal();
    }

    /** Runs {@code task} on the loop thread and completes with its result. */
    <T> CompletableFuture<T> submit(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** Registers a handle; the handler hears of its readiness with {@code side}. Loop thread only. */
    int register(NativeHandle handle, int events, Handler handler, int side) {
        int slot = allocate(handler);
        epoll.register(handle, events, token(slot, side));
        return slot;
    }

    /** Registers a further handle of a handler that already has {@code slot}. */
    void register(NativeHandle handle, int events, int slot, int side) {
        epoll.register(handle, events, token(slot, side));
    }

    void unregister(NativeHandle handle) {
        epoll.unregister(handle);
    }

    /** Frees a slot after this round of events, so a stale event of the same round cannot reach a new owner. */
    void freeSlot(int slot) {
        handlers[slot] = null;
        if (freedCount == freedThisRound.length) {
            freedThisRound = Arrays.copyOf(freedThisRound, freedCount * 2);
        }
        freedThisRound[freedCount++] = slot;
    }

    private static long token(int slot, int side) {
        return ((long) slot << 1) | side;
    }

    private int allocate(Handler handler) {
        int slot;
        if (freeCount > 0) {
            slot = freeSlots[--freeCount];
        } else {
            slot = nextSlot++;
            if (slot >= handlers.length) {
                handlers = Arrays.copyOf(handlers, handlers.length * 2);
                freeSlots = Arrays.copyOf(freeSlots, freeSlots.length * 2);
            }
        }
        handlers[slot] = handler;
        return slot;
    }

    /** Gives up the reserved descriptor (so one accept can succeed); false if it is already spent. */
    boolean spendSpare() {
        if (spare == null) {
            return false;
        }
        spare.close();
        spare = null;
        return true;
    }

    /** Takes a descriptor in reserve again, if one is free by now. */
    void reserveSpare() {
        if (spare == null) {
            try {
                spare = sockets.openEventFd();
            } catch (RuntimeException e) {
                // Still out of descriptors: the acceptor backs off and tries again later.
            }
        }
    }

    /** Asks the loop to pump {@code relay} again after this round (it used its budget). */
    void again(Relay relay) {
        pending.addLast(relay);
    }

    /**
     * Calls {@code action} for each relay on this loop; it may end or park them. A relay the action fails on is
     * dealt with alone ({@link Handler#onFailure}). Loop thread only.
     */
    void forEachRelay(Consumer<Relay> action) {
        for (int slot = 1; slot < nextSlot; slot++) {
            if (handlers[slot] instanceof Relay relay) {
                try {
                    action.accept(relay);
                } catch (RuntimeException | LinkageError | StackOverflowError e) {
                    failed(relay, e);
                }
            }
        }
    }

    /** One handler failed: it alone pays (its connection is reset, or its acceptor backs off), and says so. */
    private void failed(Handler handler, Throwable cause) {
        try {
            handler.onFailure(cause);
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            log.error("event loop " + index + ": could not deal with a failure", e);
        }
    }

    /** Runs {@code sweeper} on the loop every {@value #SWEEP_MILLIS} ms (timeouts, paused accepts). */
    void everySweep(Runnable sweeper) {
        sweepers.add(sweeper);
    }

    @Override
    public void run() {
        nextSweep = System.nanoTime() + SWEEP_MILLIS * 1_000_000L;
        while (running) {
            try {
                round();
            } catch (RuntimeException | Error e) {
                log.error("event loop " + index + ": unexpected failure, continuing", e);
            }
        }
        close();
    }

    private void round() {
        long now = System.nanoTime();
        int timeout = pending.isEmpty() && tasks.isEmpty() ? (int) Math.max(0, (nextSweep - now) / 1_000_000L) : 0;
        int ready = epoll.await(timeout);
        for (int i = 0; i < ready; i++) {
            long token = epoll.readyToken(i);
            int slot = (int) (token >>> 1);
            if (slot == WAKEUP_SLOT) {
                wakeup.drain();
                continue;
            }
            Handler handler = handlers[slot];
            if (handler != null) {
                try {
                    handler.onReady((int) (token & 1), epoll.readyEvents(i));
                } catch (RuntimeException | LinkageError | StackOverflowError e) {
                    failed(handler, e);
                }
            }
        }
        for (int i = 0, n = pending.size(); i < n; i++) {
            Relay relay = pending.pollFirst();
            try {
                relay.resume();
            } catch (RuntimeException | LinkageError | StackOverflowError e) {
                failed(relay, e);
            }
        }
        Runnable task;
        for (int run = 0; run < TASKS_PER_ROUND && (task = tasks.poll()) != null; run++) {
            try {
                task.run();
            } catch (RuntimeException | LinkageError | StackOverflowError e) {
                log.error("event loop " + index + ": a task failed", e);
            }
        }
        for (int i = 0; i < freedCount; i++) {
            freeSlots[freeCount++] = freedThisRound[i];
        }
        freedCount = 0;
        if (System.nanoTime() - nextSweep >= 0) {
            for (int i = 0; i < sweepers.size(); i++) {   // no iterator: the loop allocates nothing per round
                try {
                    sweepers.get(i).run();
                } catch (RuntimeException | LinkageError | StackOverflowError e) {
                    log.error("event loop " + index + ": a sweep failed", e);
                }
            }
            nextSweep = System.nanoTime() + SWEEP_MILLIS * 1_000_000L;
        }
    }

    /** Closes what a loop that was never started holds (the engine could not start all of its loops). */
    void closeUnstarted() {
        close();
    }

    /** Stops the loop; it closes its epoll and pools on the way out. */
    void stop() {
        running = false;
        wakeup.signal();
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    private void close() {
        for (Runnable task; (task = tasks.poll()) != null; ) {
            task.run();
        }
        transits.closeAll();
        epoll.close();
        wakeup.close();
        if (spare != null) {
            spare.close();
        }
    }
}
