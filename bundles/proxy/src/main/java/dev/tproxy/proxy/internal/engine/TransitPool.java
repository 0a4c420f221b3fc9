package dev.tproxy.proxy.internal.engine;

import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.TransparentSocketService;
import java.util.ArrayDeque;

/**
 * One event loop's pipes and copy buffers. A direction holds one only while bytes flow, so idle connections
 * cost no pipe (two descriptors each). Loop thread only.
 */
final class TransitPool {
    private static final int IDLE_COPY_BUFFERS = 16;
    /** Idle pipes unused this long are closed: a quiet proxy holds no pipes (two descriptors each). */
    private static final long IDLE_PIPE_NANOS = 5_000_000_000L;

    private final TransparentSocketService sockets;
    private final int maxPipes;
    private final int maxIdlePipes;
    private final ArrayDeque<PipeTransit> idlePipes = new ArrayDeque<>();
    private final ArrayDeque<CopyTransit> idleCopies = new ArrayDeque<>();
    private int pipesOpen;

    TransitPool(TransparentSocketService sockets, int maxPipes, int maxIdlePipes) {
        this.sockets = sockets;
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

    /** A copy buffer. */
    Transit takeCopy() {
        CopyTransit copy = idleCopies.pollLast();
        return copy != null ? copy : new CopyTransit();
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
        } else if (idleCopies.size() < IDLE_COPY_BUFFERS) {
            idleCopies.addLast((CopyTransit) transit);
        }
    }

    /** Closes a transit that still holds bytes (its connection is gone) or that is not wanted back. */
    void discard(Transit transit) {
        if (transit instanceof PipeTransit pipe) {
            pipe.pipe.close();
            pipesOpen--;
        }
    }

    /** Closes pipes that have been idle too long (oldest are at the head). Called by the loop's sweep. */
    void trim(long now) {
        while (!idlePipes.isEmpty() && now - idlePipes.peekFirst().idleSince > IDLE_PIPE_NANOS) {
            discard(idlePipes.pollFirst());
        }
    }

    void closeAll() {
        while (!idlePipes.isEmpty()) {
            discard(idlePipes.pollLast());
        }
        idleCopies.clear();
    }
}
