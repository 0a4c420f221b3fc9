package dev.tproxy.socket.api;

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

    /** What was parked under one key. */
    record Parked(String key, Map<String, Object> state, List<NativeHandle> handles) {}
}
