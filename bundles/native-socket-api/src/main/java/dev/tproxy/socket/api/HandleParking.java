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
 */
@ProviderType
public interface HandleParking {

    /**
     * Parks {@code handles} with {@code state} under {@code key}; anything already parked under that key is
     * closed first. The handles are closed after {@code grace} unless claimed.
     */
    void park(String key, Map<String, Object> state, List<? extends NativeHandle> handles, Duration grace);

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

    /** What was parked under one key. */
    record Parked(String key, Map<String, Object> state, List<NativeHandle> handles) {}
}
