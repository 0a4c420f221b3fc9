package dev.tproxy.proxy.internal.engine;

import dev.tproxy.socket.api.EpollEvents;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.IoStatus;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.NativeHandle;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * One direction of a relay: source socket to sink socket through a transit. Reads only when the transit is
 * empty and stops reading while the sink is full, so the kernel's buffers carry the back-pressure. End of
 * stream from the source, once everything before it is written, becomes a FIN to the sink (half-close); the
 * other direction is not touched.
 *
 * <p>The first {@value #SPLICE_AFTER_BYTES} bytes are copied (recv, send), the rest spliced. A copying read that
 * returns less than the buffer holds has emptied the socket's receive queue, so the next read waits for the
 * socket's next readable edge instead of costing a syscall that would only say EAGAIN: most short exchanges
 * (a request, a reply) then take one read each. A splice read can stop short because the pipe ran out of slots,
 * so spliced directions read until EAGAIN. Likewise, once the source's peer has sent its FIN (EPOLLRDHUP, no
 * error), a short copying read has taken the last bytes before it: the end of stream is certain, so it is relayed
 * without the read that would only return 0. A server that answers and closes at once costs one read, not two.
 *
 * <p>Nagle's algorithm holds back a small segment only while an earlier small one is unacknowledged, so the first
 * write to a sink goes out at once without TCP_NODELAY. A sink that lacks it (the upstream socket; the client's
 * inherits it from the listener) gets it just before its second write: a connection that sends one request costs
 * no setsockopt for it, and every later write is as prompt as with TCP_NODELAY from the start.
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
    private boolean sourceEnded;
    private boolean finished;
    private long bytes;

    /** @param sinkNoDelay the sink already has TCP_NODELAY; if not, it gets it before its second write */
    Direction(StreamSocket source, int sourceSide, StreamSocket sink, int sinkSide, boolean sinkNoDelay, TransitPool pool,
            int pipeSize) {
        this.source = source;
        this.sinkNoDelay = sinkNoDelay;
        this.sourceSide = sourceSide;
        this.sink = sink;
        this.sinkSide = sinkSide;
        this.pool = pool;
        this.pipeSize = pipeSize;
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
                if (moved == IoStatus.WOULD_BLOCK) {
                    return false;
                }
                bytes += moved;
                continue;
            }
            if (sourceEnded) {
                finish(otherFinished);
                return false;
            }
            if (sourceDrained) {
                release();
                return false;
            }
            if (transit != null && splicing() && !transit.isPipe()) {
                release();
            }
            if (transit == null) {
                transit = takeTransit();
            }
            long moved = fill();
            if (moved == IoStatus.WOULD_BLOCK) {
                release();
                return false;
            }
            if (moved == IoStatus.END_OF_STREAM) {
                sourceEnded = true;
            } else {
                afterRead(moved);
            }
        }
        return true;
    }

    /** The source has a readable edge: new bytes, its peer's FIN (RDHUP), or an error (ERR, HUP); epoll's bits. */
    void sourceReadable(int events) {
        sourceDrained = false;
        sourceClosing |= (events & (EpollEvents.ERR | EpollEvents.HUP | EpollEvents.RDHUP)) != 0;
        sourceFinReceived |= (events & EpollEvents.RDHUP) != 0;
        sourceFailed |= (events & EpollEvents.ERR) != 0;
    }

    /** Nothing to read until the source's next readable edge (the relay knows none came yet). */
    void awaitSourceEdge() {
        sourceDrained = true;
    }

    private Transit takeTransit() {
        if (copyOnly) {
            return pool.takeCopy();
        }
        return splicing() ? pool.take(pipeSize) : pool.borrowCopy();
    }

    /** Past the first bytes: asked only with the transit empty, so {@code bytes} counts everything read. */
    private boolean splicing() {
        return bytes >= SPLICE_AFTER_BYTES;
    }

    /** A copying read that returned less than it asked for emptied the receive queue (see the class comment). */
    private void afterRead(long moved) {
        if (transit instanceof CopyTransit copy && moved < copy.capacity()) {
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
            release();
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

    private void release() {
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

    boolean sourceEnded() {
        return sourceEnded;
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

    /**
     * Writes this direction's state under {@code prefix} (JDK types only) and its pipe, if it holds one, to
     * {@code handles}: what a new version of this class needs to carry on where this one stopped.
     */
    void park(String prefix, Map<String, Object> state, List<NativeHandle> handles) {
        state.put(prefix + "sourceEnded", sourceEnded);
        state.put(prefix + "finished", finished);
        state.put(prefix + "bytes", bytes);
        state.put(prefix + "copyOnly", copyOnly);
        state.put(prefix + "pipeSize", pipeSize);
        state.put(prefix + "sinkNoDelay", sinkNoDelay);
        state.put(prefix + "sinkWritten", sinkWritten);
        if (transit instanceof PipeTransit pipe) {
            state.put(prefix + "pipe", handles.size());
            state.put(prefix + "pending", pipe.pending());
            handles.add(pipe.pipe);
        } else if (transit instanceof CopyTransit copy && copy.pending() > 0) {
            state.put(prefix + "copy", copy.buffer());
        }
        transit = null;
    }

    static Direction adopt(String prefix, Map<String, Object> state, List<NativeHandle> handles, StreamSocket source,
            int sourceSide, StreamSocket sink, int sinkSide, TransitPool pool) {
        // Parked by a version that gave every sink TCP_NODELAY up front when these keys are missing.
        boolean sinkNoDelay = (Boolean) state.getOrDefault(prefix + "sinkNoDelay", true);
        Direction direction = new Direction(source, sourceSide, sink, sinkSide, sinkNoDelay, pool,
                (Integer) state.get(prefix + "pipeSize"));
        direction.sinkWritten = (Boolean) state.getOrDefault(prefix + "sinkWritten", true);
        direction.sourceEnded = (Boolean) state.get(prefix + "sourceEnded");
        direction.finished = (Boolean) state.get(prefix + "finished");
        direction.bytes = (Long) state.get(prefix + "bytes");
        direction.copyOnly = (Boolean) state.get(prefix + "copyOnly");
        if (state.get(prefix + "pipe") instanceof Integer index) {
            direction.transit = pool.adopt((Pipe) handles.get(index), (Long) state.get(prefix + "pending"));
        } else if (state.get(prefix + "copy") instanceof ByteBuffer buffer) {
            direction.transit = new CopyTransit(buffer);
        }
        return direction;
    }
}
