package dev.tproxy.proxy.internal.engine;

import dev.tproxy.socket.api.BufferMemory;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.TransparentSocketService;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One event loop's pipes and copy buffers, within a budget fixed at start. A direction holds one only while
 * bytes flow, so idle connections cost none. Copy buffers come from {@link BufferMemory} slots; once nearly all
 * of them hold bytes that wait for a slow sink, new copies only peek (see {@link CopyTransit}), so stalled
 * connections can never starve the others. Loop thread only. Budget: docs/design.md, "Memory".
 */
final class TransitPool {
    /** Buffers kept for one loop's transient use (a pump holds one at a time) and for hot-update adoption. */
    static final int RESERVE = 8;
    /** Idle buffers kept warm; the pages of the others go back to the kernel after {@link #IDLE_NANOS}. */
    private static final int WARM_COPIES = 16;
    /** Idle pipes and cold buffers unused this long are released: a quiet proxy holds neither. */
    private static final long IDLE_NANOS = 5_000_000_000L;

    private final TransparentSocketService sockets;
    private final BufferMemory memory;
    private final int maxPipes;
    private final int maxIdlePipes;
    private final ArrayDeque<PipeTransit> idlePipes = new ArrayDeque<>();
    private final ArrayDeque<CopyTransit> warmCopies = new ArrayDeque<>();
    private final ArrayDeque<CopyTransit> coldCopies = new ArrayDeque<>();
    private int pipesOpen;
    private int copiesMade;
    private int copiesOut;

    /** @param copyBuffers the budget: at most this many copy buffers of {@link CopyTransit#SIZE} bytes (> RESERVE) */
    TransitPool(TransparentSocketService sockets, int copyBuffers, int maxPipes, int maxIdlePipes) {
        if (copyBuffers <= RESERVE) {
            throw new IllegalArgumentException("a loop needs more than " + RESERVE + " copy buffers, got " + copyBuffers);
        }
        this.sockets = sockets;
        this.memory = sockets.openBufferMemory(copyBuffers, CopyTransit.SIZE);
        this.maxPipes = maxPipes;
        this.maxIdlePipes = maxIdlePipes;
    }

    /** A pipe of {@code pipeSize} if one can be had, else a copy buffer. */
    Transit takePipe(int pipeSize) {
        while (!idlePipes.isEmpty()) {
            PipeTransit idle = idlePipes.pollLast();
            if (idle.pipe.capacity() >= pipeSize || idle.pipe.capacity() >= 1 << 20) {
                return idle;
            }
            discard(idle);
        }
        if (pipesOpen < maxPipes) {
            try {
                Pipe pipe = sockets.openPipe(pipeSize);
                pipesOpen++;
                return new PipeTransit(pipe);
            } catch (NativeException e) {
                // Out of descriptors or pipe memory: copying still works, more slowly.
            }
        }
        return takeCopy();
    }

    /** A pipe parked by an earlier version, with the bytes still in it, counted in this pool from now on. */
    Transit reclaimPipe(Pipe pipe, long pending) {
        pipesOpen++;
        return new PipeTransit(pipe, pending);
    }

    /**
     * A copy buffer. When the buffers out (bytes waiting for their sinks, mostly) leave only the reserve, it peeks
     * instead of reading, so it never holds bytes between pumps.
     */
    Transit takeCopy() {
        CopyTransit copy = nextCopy();
        copy.peekOnly(copiesOut >= memory.slots() - RESERVE);
        copiesOut++;
        return copy;
    }

    private CopyTransit nextCopy() {
        CopyTransit copy = warmCopies.pollLast();
        if (copy == null) {
            copy = coldCopies.pollLast();
        }
        if (copy == null && copiesMade < memory.slots()) {
            copy = new CopyTransit(memory.slot(copiesMade), copiesMade);
            copiesMade++;
        }
        if (copy == null) {
            // Only a hot update carrying over more waiting bytes than this budget holds gets here.
            copy = new CopyTransit(ByteBuffer.allocateDirect(CopyTransit.SIZE), -1);
        }
        return copy;
    }

    /** A copy buffer holding bytes parked by an earlier version, still to be written. */
    Transit reclaimCopy(ByteBuffer pending) {
        CopyTransit copy = (CopyTransit) takeCopy();
        copy.peekOnly(false);
        return copy.withPending(pending);
    }

    /** Takes back an empty transit for reuse. */
    void give(Transit transit) {
        if (transit.pending() != 0) {
            discard(transit);
        } else if (transit instanceof PipeTransit pipe) {
            if (idlePipes.size() < maxIdlePipes) {
                pipe.idleSince = System.nanoTime();
                idlePipes.addLast(pipe);
            } else {
                discard(pipe);
            }
        } else {
            giveCopy((CopyTransit) transit);
        }
    }

    private void giveCopy(CopyTransit copy) {
        copiesOut--;
        if (copy.slot >= 0) {
            copy.idleSince = System.nanoTime();
            warmCopies.addLast(copy);
        }
    }

    /** Closes a transit that still holds bytes (its connection is gone) or that is not wanted back. */
    void discard(Transit transit) {
        if (transit instanceof PipeTransit pipe) {
            pipe.pipe.close();
            pipesOpen--;
        } else {
            giveCopy((CopyTransit) transit);
        }
    }

    /**
     * The sweep: closes pipes idle too long (oldest at the head) and gives the pages of buffers idle too long,
     * beyond a few kept warm, back to the kernel.
     */
    void trim(long now) {
        while (!idlePipes.isEmpty() && now - idlePipes.peekFirst().idleSince > IDLE_NANOS) {
            discard(idlePipes.pollFirst());
        }
        while (warmCopies.size() > WARM_COPIES && now - warmCopies.peekFirst().idleSince > IDLE_NANOS) {
            CopyTransit cold = warmCopies.pollFirst();
            memory.release(cold.slot);
            coldCopies.addLast(cold);
        }
    }

    void closeAll() {
        while (!idlePipes.isEmpty()) {
            discard(idlePipes.pollLast());
        }
        warmCopies.clear();
        coldCopies.clear();
        memory.close();
    }
}
