package dev.tproxy.proxy.internal.engine;

import dev.tproxy.socket.api.EpollEvents;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.IoStatus;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.StreamSocket;

/**
 * One direction of a relay: source socket to sink socket through a transit. Reads only when the transit is
 * empty and stops reading while the sink is full, so the kernel's buffers carry the back-pressure; end of stream
 * from the source, once everything before it is written, becomes a FIN to the sink. The first
 * {@value #SPLICE_AFTER_BYTES} bytes are copied, the rest spliced; why a short copying read saves a read, and
 * when the sink gets TCP_NODELAY: docs/design.md, "Event loops".
 */
final class Direction {
    static final long SPLICE_AFTER_BYTES = CopyTransit.SIZE;

    private final StreamSocket source;
    private final StreamSocket sink;
    private final int sourceSide;
    private final int sinkSide;
    private final TransitPool pool;
    private final int pipeSize;
    private boolean sinkNoDelay;
    private boolean sinkWritten;
    private Transit transit;
    private boolean copyOnly;
    /** The last read emptied the source's receive queue: nothing to read until its next readable edge. */
    private boolean sourceDrained;
    /** The source's peer has closed or failed: read until the end of stream or the error, whatever reads return. */
    private boolean sourceClosing;
    /** The source's peer has sent its FIN (in order, so every byte before it is queued). */
    private boolean sourceFinReceived;
    /** The source reported an error (a reset): read until the error, which the relay passes on as a reset. */
    private boolean sourceFailed;
    /**
     * The source has urgent data queued (EPOLLPRI): copy, since splice stops at the urgent mark, and read until it
     * would block, since a read also stops short at the mark (docs/design.md, "Urgent data").
     */
    private boolean sourceUrgent;
    private boolean sourceEnded;
    private boolean finished;
    private long bytes;

    private Direction(StreamSocket source, int sourceSide, StreamSocket sink, int sinkSide, boolean sinkNoDelay,
            TransitPool pool, int pipeSize) {
        this.source = source;
        this.sourceSide = sourceSide;
        this.sink = sink;
        this.sinkSide = sinkSide;
        this.sinkNoDelay = sinkNoDelay;
        this.pool = pool;
        this.pipeSize = pipeSize;
    }

    /** Client to server. The upstream socket has no TCP_NODELAY yet: it gets it before its second write. */
    static Direction fromClient(StreamSocket client, StreamSocket upstream, TransitPool pool, int pipeSize) {
        return new Direction(client, Relay.CLIENT, upstream, Relay.UPSTREAM, false, pool, pipeSize);
    }

    /** Server to client. The client's socket inherited TCP_NODELAY from its listening socket. */
    static Direction fromServer(StreamSocket upstream, StreamSocket client, TransitPool pool, int pipeSize) {
        return new Direction(upstream, Relay.UPSTREAM, client, Relay.CLIENT, true, pool, pipeSize);
    }

    /**
     * Moves bytes until a socket would block or {@code budget} transfers are used.
     *
     * @param otherFinished the opposite direction has finished: when this one finishes too, the relay closes both
     *        sockets at once, and the close sends the FIN that a shutdown would have sent
     * @return true when the budget ran out with work left (call again soon)
     * @throws RelayFault when a socket fails; says which side
     */
    boolean pump(int budget, boolean otherFinished) {
        while (budget-- > 0) {
            if (transit != null && transit.pending() > 0) {
                long moved = drain();
                if (moved > 0) {
                    bytes += moved;
                }
                if (transit.leftBytesInSource()) {
                    // Peeked, and the sink took less: the rest is still the source's. Read it once the sink drains.
                    sourceEnded = false;
                    sourceDrained = false;
                    returnTransit();
                    return false;
                }
                if (moved == IoStatus.WOULD_BLOCK) {
                    return false;
                }
                continue;
            }
            if (sourceEnded) {
                finish(otherFinished);
                return false;
            }
            if (sourceDrained) {
                returnTransit();
                return false;
            }
            if (transit != null && transit.isPipe() != wantsPipe()) {
                returnTransit();
            }
            if (transit == null) {
                transit = takeTransit();
            }
            long moved = fill();
            if (moved == IoStatus.WOULD_BLOCK) {
                sourceUrgent = false;
                returnTransit();
                return false;
            }
            if (moved == IoStatus.END_OF_STREAM) {
                sourceEnded = true;
            } else {
                afterRead(moved);
            }
        }
        returnTransit();
        return true;
    }

    /** The source has a readable edge: new bytes, its peer's FIN (RDHUP), or an error (ERR, HUP); epoll's bits. */
    void sourceReadable(int events) {
        sourceDrained = false;
        sourceClosing |= (events & (EpollEvents.ERR | EpollEvents.HUP | EpollEvents.RDHUP)) != 0;
        sourceFinReceived |= (events & EpollEvents.RDHUP) != 0;
        sourceFailed |= (events & EpollEvents.ERR) != 0;
        sourceUrgent |= (events & EpollEvents.PRI) != 0;
    }

    /** Nothing to read until the source's next readable edge (the relay knows none came yet). */
    void awaitSourceEdge() {
        sourceDrained = true;
    }

    private Transit takeTransit() {
        return wantsPipe() ? pool.takePipe(pipeSize) : pool.takeCopy();
    }

    private boolean wantsPipe() {
        return splicing() && !copyOnly && !sourceUrgent;
    }

    /** Past the first bytes: asked only with the transit empty, so {@code bytes} counts everything read. */
    private boolean splicing() {
        return bytes >= SPLICE_AFTER_BYTES;
    }

    /** A copying read that returned less than it asked for emptied the receive queue (docs/design.md). */
    private void afterRead(long moved) {
        if (transit instanceof CopyTransit copy && moved < copy.capacity() && !sourceUrgent) {
            if (!sourceClosing) {
                sourceDrained = true;
            } else if (sourceFinReceived && !sourceFailed) {
                sourceEnded = true;
            }
        }
    }

    private long fill() {
        try {
            return transit.fill(source);
        } catch (NativeException e) {
            if (e.errno() == Errno.EINVAL && transit.isPipe()) {
                // This socket cannot splice: copy from now on.
                copyOnly = true;
                pool.give(transit);
                transit = pool.takeCopy();
                return fill();
            }
            throw new RelayFault(sourceSide, e.errno(), e.getMessage());
        }
    }

    private long drain() {
        try {
            if (sinkWritten && !sinkNoDelay) {
                sink.setNoDelay(true);
                sinkNoDelay = true;
            }
            long moved = transit.drain(sink);
            sinkWritten |= moved > 0;
            return moved;
        } catch (NativeException e) {
            throw new RelayFault(sinkSide, e.errno(), e.getMessage());
        }
    }

    private void finish(boolean otherFinished) {
        if (!finished) {
            finished = true;
            returnTransit();
            if (otherFinished) {
                return;
            }
            try {
                sink.shutdownOutput();
            } catch (NativeException e) {
                throw new RelayFault(sinkSide, e.errno(), e.getMessage());
            }
        }
    }

    /** Gives an empty transit back to the pool: idle directions hold none. */
    private void returnTransit() {
        if (transit != null && transit.pending() == 0) {
            pool.give(transit);
            transit = null;
        }
    }

    /** Gives back or closes the transit; the connection is ending. */
    void discard() {
        if (transit != null) {
            if (transit.pending() == 0) {
                pool.give(transit);
            } else {
                pool.discard(transit);
            }
            transit = null;
        }
    }

    boolean finished() {
        return finished;
    }

    long bytes() {
        return bytes;
    }

    long buffered() {
        return transit == null ? 0 : transit.pending();
    }

    /** Bytes wait in a copy buffer (which belongs to this version's memory), not in a pipe. */
    boolean holdsCopiedBytes() {
        return transit != null && !transit.isPipe() && transit.pending() > 0;
    }

    /** What a hot update carries over besides the transit (see {@link RelayParking}). */
    record Facts(boolean sourceEnded, boolean finished, long bytes, boolean copyOnly, int pipeSize, boolean sinkNoDelay,
            boolean sinkWritten) {}

    Facts facts() {
        return new Facts(sourceEnded, finished, bytes, copyOnly, pipeSize, sinkNoDelay, sinkWritten);
    }

    /** Hands over the transit, with the bytes still in it, for parking; the direction holds none afterwards. */
    Transit detachTransit() {
        Transit detached = transit;
        transit = null;
        return detached;
    }

    /** Carries on where a parked direction stopped: its facts, and its transit with the bytes in it (or null). */
    Direction resume(Facts facts, Transit parked) {
        sinkNoDelay = facts.sinkNoDelay();
        sinkWritten = facts.sinkWritten();
        sourceEnded = facts.sourceEnded();
        finished = facts.finished();
        bytes = facts.bytes();
        copyOnly = facts.copyOnly();
        // Urgent data may have come in while parked, its edge consumed by the old version: read past any mark.
        sourceUrgent = true;
        transit = parked;
        return this;
    }
}
