package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.EpollEvents;
import dev.tproxy.socket.api.HandleParking.Flow;
import dev.tproxy.socket.api.IoStatus;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.NativeHandle;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps the bytes of parked connections moving while their owner is away (a hot update of the proxy, an update of
 * this bundle, a restart's hand-over): each parked {@link Flow} is spliced, source to pipe to sink, with an
 * edge-triggered epoll on one of {@link #KEEPERS} threads (one per core, as the engine's loops: one thread would
 * carry, while parked, what all the loops carried), until its entry is stopped. Like the proxy's relay it reads
 * only into an empty pipe, so the kernel's buffers carry the back-pressure. A flow that meets its source's end of stream,
 * urgent data or an error halts and leaves that to its owner: the end of stream and the urgent data stay queued,
 * the error is written into the flow. The threads, their epolls and eventfds exist only while something moves.
 */
final class ParkedFlows implements AutoCloseable {
    private static final int EVENTS = EpollEvents.IN | EpollEvents.OUT | EpollEvents.RDHUP | EpollEvents.PRI
            | EpollEvents.EDGE_TRIGGERED;
    /** Transfers per flow per turn: a fast flow yields to the others, and is taken up again at once. */
    private static final int ROUNDS = 32;
    private static final long WAKEUP = 0;
    private static final int HANDLE_BITS = 8;
    /** Threads that move flows: one per core (at most 8), each given every KEEPERS-th entry. */
    static final int KEEPERS = Math.min(8, Math.max(1, Runtime.getRuntime().availableProcessors()));
    /** Pipes this lot may hold open for idle directions that got bytes while parked (each 2 descriptors). */
    static final int MAX_OPENED_PIPES = 1024;

    private final Map<Long, Moving> moving = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong();
    /** Pipes opened here and not yet given back with a stopped entry. */
    private final AtomicInteger openedPipes = new AtomicInteger();
    /** The threads that move the flows, each made when an entry is first given to it while there are any. */
    private final Keeper[] keepers = new Keeper[KEEPERS];
    private boolean closing;

    /** One parked entry's flows; its monitor is held while they move, and by {@link #stop}. */
    static final class Moving {
        private final long token;
        private final Keeper keeper;
        private final List<NativeHandle> handles;
        private final MovingFlow[] flows;
        private final BitSet registered = new BitSet();
        /** A flow without a pipe may get one here (not in a process whose hand-over may still be undone). */
        private final boolean opensPipes;
        private int pipesOpened;
        private boolean stopped;

        private Moving(long token, Keeper keeper, List<? extends NativeHandle> handles, List<Flow> flows, boolean opensPipes) {
            this.token = token;
            this.keeper = keeper;
            this.opensPipes = opensPipes;
            this.handles = new ArrayList<>(handles);
            this.flows = flows.stream().map(MovingFlow::new).toArray(MovingFlow[]::new);
        }
    }

    /** The handles (with any pipe opened while parked) and the flows as they stand. */
    record Stopped(List<NativeHandle> handles, List<Flow> flows) {}

    private static final class MovingFlow {
        final int source;
        final int sink;
        final int pipeSize;
        int pipe;
        long pending;
        long moved;
        int sourceErrno;
        int sinkErrno;
        /** End of stream or urgent data at the source, or an error: the owner's to handle. */
        boolean halted;

        MovingFlow(Flow flow) {
            source = flow.source();
            sink = flow.sink();
            pipeSize = flow.pipeSize();
            pipe = flow.pipe();
            pending = flow.pending();
            moved = flow.moved();
            sourceErrno = flow.sourceErrno();
            sinkErrno = flow.sinkErrno();
            halted = flow.failed();
        }

        Flow flow() {
            return new Flow(source, sink, pipe, pipeSize, pending, moved, sourceErrno, sinkErrno);
        }
    }

    /**
     * Starts moving {@code flows} over {@code handles}; null when there is nothing to move. The handles stay the
     * caller's: {@link #stop} gives them back, with the pipes opened meanwhile. Without {@code opensPipes}, only
     * the flows that hold a pipe move: bytes read into a pipe of this process's own would die with it, were it
     * killed before its hand-over is confirmed (the sender takes everything back then, and its pipes hold what
     * this process left in them).
     */
    synchronized Moving start(List<? extends NativeHandle> handles, List<Flow> flows, boolean opensPipes) {
        if (flows.isEmpty() || closing) {
            return null;
        }
        long token = tokens.incrementAndGet();
        int slot = (int) (token % KEEPERS);
        if (keepers[slot] == null || keepers[slot].dead) {
            keepers[slot] = new Keeper(slot);
        }
        Keeper keeper = keepers[slot];
        Moving entry = new Moving(token, keeper, handles, flows, opensPipes);
        moving.put(entry.token, entry);
        try {
            synchronized (entry) {
                for (MovingFlow flow : entry.flows) {
                    for (int index : new int[] {flow.source, flow.sink}) {
                        if (!entry.registered.get(index)) {
                            // Registered edge-triggered, epoll reports the socket's readiness now: the flow starts at once.
                            keeper.epoll.register(entry.handles.get(index), EVENTS, entry.token << HANDLE_BITS | index);
                            entry.registered.set(index);
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            stop(entry); // a closed handle, say: it stays parked, standing still, as before flows moved
            return null;
        }
        return entry;
    }

    /** Stops an entry's flows: when this returns, no byte of theirs moves any more. */
    Stopped stop(Moving entry) {
        Stopped stopped;
        synchronized (entry) {
            entry.stopped = true;
            for (int index = entry.registered.nextSetBit(0); index >= 0; index = entry.registered.nextSetBit(index + 1)) {
                entry.keeper.epoll.unregister(entry.handles.get(index));
            }
            List<Flow> flows = new ArrayList<>();
            for (MovingFlow flow : entry.flows) {
                flows.add(flow.flow());
            }
            stopped = new Stopped(List.copyOf(entry.handles), List.copyOf(flows));
        }
        synchronized (this) {
            moving.remove(entry.token);
            openedPipes.addAndGet(-entry.pipesOpened); // the owner's from now on
            if (moving.isEmpty()) {
                retireKeepers();
            }
        }
        return stopped;
    }

    /** Retires every keeper; they are made again as entries come. Returns them, to wait for. */
    private List<Keeper> retireKeepers() {
        List<Keeper> retired = new ArrayList<>();
        for (int slot = 0; slot < KEEPERS; slot++) {
            if (keepers[slot] != null) {
                keepers[slot].retire();
                retired.add(keepers[slot]);
                keepers[slot] = null;
            }
        }
        return retired;
    }

    /** A thread that moves flows, with its epoll; it closes both when retired. */
    private final class Keeper {
        final JnaEpoll epoll = JnaEpoll.open(256);
        final JnaEventFd wakeup = JnaEventFd.open();
        /** Entries whose flows used their turn with work left: this keeper's thread only. */
        final Deque<Moving> again = new ArrayDeque<>();
        final Thread thread;
        volatile boolean retired;
        /** The thread ended on something unexpected: its entries stand still, the next start makes a new keeper. */
        volatile boolean dead;

        Keeper(int slot) {
            thread = new Thread(this::run, "tproxy-parked-flows-" + slot);
            epoll.register(wakeup, EpollEvents.IN, WAKEUP);
            thread.setDaemon(true);
            thread.start();
        }

        void retire() {
            retired = true;
            try {
                wakeup.signal();
            } catch (RuntimeException closed) {
                // the thread is gone already
            }
        }

        private void run() {
            try {
                while (!retired) {
                    int ready = epoll.await(again.isEmpty() ? -1 : 0);
                    for (int i = 0; i < ready && !retired; i++) {
                        long token = epoll.readyToken(i);
                        if (token == WAKEUP) {
                            wakeup.drain();
                            continue;
                        }
                        Moving entry = moving.get(token >>> HANDLE_BITS);
                        if (entry != null) {
                            turn(entry, (int) (token & ((1 << HANDLE_BITS) - 1)), epoll.readyEvents(i));
                        }
                    }
                    for (int queued = again.size(); queued > 0 && !retired; queued--) {
                        turn(again.poll(), -1, 0);
                    }
                }
            } catch (RuntimeException | Error unexpected) {
                dead = true; // an epoll failure, say: nothing here can know better; what is parked stays parked
            } finally {
                epoll.close();
                wakeup.close();
            }
        }

        /** Moves an entry's flows until each would block, halts, or used its turn. */
        private void turn(Moving entry, int readyHandle, int events) {
            boolean more = false;
            synchronized (entry) {
                if (entry.stopped) {
                    return;
                }
                for (MovingFlow flow : entry.flows) {
                    if ((events & EpollEvents.PRI) != 0 && flow.source == readyHandle) {
                        flow.halted = true; // urgent data: splice stops at its mark; the owner copies it
                    }
                    try {
                        more |= !flow.halted && move(entry, flow);
                    } catch (RuntimeException unexpected) {
                        flow.halted = true; // a closed handle, say: whatever it is, the owner finds it
                    }
                }
            }
            if (more) {
                again.add(entry);
            }
        }
    }

    private boolean claimPipeBudget() {
        if (openedPipes.incrementAndGet() > MAX_OPENED_PIPES) {
            openedPipes.decrementAndGet();
            return false;
        }
        return true;
    }

    /** @return true when the turn ended with work left */
    private boolean move(Moving entry, MovingFlow flow) {
        StreamSocket source = (StreamSocket) entry.handles.get(flow.source);
        StreamSocket sink = (StreamSocket) entry.handles.get(flow.sink);
        for (int round = 0; round < ROUNDS; round++) {
            if (flow.pending > 0) {
                long written;
                try {
                    written = ((Pipe) entry.handles.get(flow.pipe)).spliceTo(sink, flow.pending);
                } catch (NativeException e) {
                    flow.sinkErrno = e.errno();
                    flow.halted = true;
                    return false;
                }
                if (written == IoStatus.WOULD_BLOCK) {
                    return false; // the sink's next writable edge
                }
                flow.pending -= written;
                flow.moved += written;
                continue;
            }
            if (flow.pipe < 0) {
                if (!entry.opensPipes) {
                    return false;
                }
                // An idle direction parks without a pipe: it gets one when bytes come, not before, within a budget.
                try {
                    if (source.receiveQueued() == 0 || !claimPipeBudget()) {
                        return false;
                    }
                } catch (NativeException e) {
                    flow.halted = true; // the socket failed: its owner finds out
                    return false;
                }
                try {
                    entry.handles.add(JnaPipe.open(flow.pipeSize));
                } catch (NativeException e) {
                    openedPipes.decrementAndGet();
                    flow.halted = true; // no descriptor for a pipe now: the owner moves it
                    return false;
                }
                entry.pipesOpened++;
                flow.pipe = entry.handles.size() - 1;
            }
            Pipe pipe = (Pipe) entry.handles.get(flow.pipe);
            long read;
            try {
                read = source.spliceTo(pipe, pipe.capacity());
            } catch (NativeException e) {
                flow.sourceErrno = e.errno();
                flow.halted = true;
                return false;
            }
            if (read == IoStatus.WOULD_BLOCK) {
                return false; // the source's next readable edge
            }
            if (read == 0) {
                flow.halted = true; // end of stream: still queued for the owner, who passes it on
                return false;
            }
            flow.pending += read;
        }
        return true;
    }

    /** Stops the keepers' threads; every entry must have been stopped first, and none is started from now on. */
    @Override
    public void close() {
        List<Keeper> last;
        synchronized (this) {
            closing = true;
            last = retireKeepers();
        }
        for (Keeper keeper : last) {
            try {
                keeper.thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
