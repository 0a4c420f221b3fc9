package dev.tproxy.socket.api;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Keeps native handles open while the bundle that owns them is updated: the old version parks its listening
 * sockets and live connections here, the new version claims them. What is not claimed within its grace period
 * is closed, so nothing leaks when the owner is stopped for good. {@code state} must hold only JDK types and
 * this API's types: the classes of the bundle that parked it are gone after an update.
 *
 * <p>A parked connection's bytes keep moving: each {@link Flow} parked with it is spliced, source to pipe to sink,
 * until it is claimed, through an update of the owner, an update of this bundle, and a hand-over to another
 * process. The owner finds each flow as it was left (claimed flows say how many bytes moved and what is in the pipe).
 */
@ProviderType
public interface HandleParking {

    /**
     * Parks {@code handles} with {@code state} under {@code key}; anything already parked under that key is
     * closed first. The handles are closed after {@code grace} unless claimed.
     */
    default void park(String key, Map<String, Object> state, List<? extends NativeHandle> handles, Duration grace) {
        park(key, state, handles, grace, List.of());
    }

    /**
     * Parks as {@link #park(String, Map, List, Duration)} does, and keeps {@code flows} moving until the entry is
     * claimed (or expires).
     */
    void park(String key, Map<String, Object> state, List<? extends NativeHandle> handles, Duration grace, List<Flow> flows);

    /** Takes what is parked under {@code key}: it is the caller's from now on. */
    Optional<Parked> claim(String key);

    /** The keys parked now that start with {@code prefix}, in the order they were parked. */
    List<String> keys(String prefix);

    /**
     * Hands everything parked here to another runtime process of this user, waiting at the AF_UNIX socket
     * {@code socket} (it listens there when started with the framework property {@code tproxy.handover.receive}):
     * descriptors with SCM_RIGHTS, state and what is left of each grace period as bytes. Two-phase: only once the
     * receiver confirmed it holds everything are the handles here closed, and only then does the receiver park
     * them, so a connection never has two owners. On failure everything stays parked here, as before.
     *
     * @return the receiver's process id
     * @throws IOException when the hand-over did not complete (nothing was given away)
     */
    long handOver(String socket, Duration timeout) throws IOException;

    /** What was parked under one key, and what its flows did while parked. */
    record Parked(String key, Map<String, Object> state, List<NativeHandle> handles, List<Flow> flows) {
        public Parked(String key, Map<String, Object> state, List<NativeHandle> handles) {
            this(key, state, handles, List.of());
        }
    }

    /**
     * One direction of a parked connection, kept moving while parked: bytes from the stream socket at
     * {@code handles[source]} into the pipe at {@code handles[pipe]}, then into the stream socket at
     * {@code handles[sink]}. The pipe holds {@code pending} bytes; {@code pipe} is -1 when the direction has none,
     * and the lot opens one of {@code pipeSize} bytes when bytes come (it is added to the handles). Like the
     * proxy's own relay, it reads only into an empty pipe.
     *
     * <p>A flow stops, and leaves the rest to its owner, at its source's end of stream (still queued for the owner
     * to read), at urgent data, and at an error: {@code sourceErrno} or {@code sinkErrno}, which the owner must
     * treat as its own (the socket reported it once, to the lot). {@code moved} counts the bytes written to the
     * sink while parked.
     */
    record Flow(int source, int sink, int pipe, int pipeSize, long pending, long moved, int sourceErrno, int sinkErrno) {
        /** A flow as its owner parks it: nothing moved yet, no error. */
        public static Flow of(int source, int sink, int pipe, int pipeSize, long pending) {
            return new Flow(source, sink, pipe, pipeSize, pending, 0, 0, 0);
        }

        /** The same flow with {@code bytes} in its pipe. */
        public Flow withPending(long bytes) {
            return new Flow(source, sink, pipe, pipeSize, bytes, moved, sourceErrno, sinkErrno);
        }

        /** It stopped on an error (see {@link #sourceErrno()} and {@link #sinkErrno()}). */
        public boolean failed() {
            return sourceErrno != 0 || sinkErrno != 0;
        }
    }
}
