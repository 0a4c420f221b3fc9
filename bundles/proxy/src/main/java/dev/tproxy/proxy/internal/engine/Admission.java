package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.Cidr;
import dev.tproxy.proxy.api.CloseReason;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.api.UpstreamFailure;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Whether a freshly accepted client is relayed at all (ACL, loop guard, listener and per-client limits), and
 * every count that decision touches, from accept to close: accepted, refused by reason, active, per client,
 * upstream failures, closed. The only writer of a listener's connection counts; any thread.
 */
final class Admission {
    private final DestinationPolicy destinations;

    Admission(DestinationPolicy destinations) {
        this.destinations = destinations;
    }

    /**
     * Counts an accepted client and admits it, reserving its place under the limits, or counts the refusal.
     *
     * @return null when admitted (end it with {@link #closed}), otherwise why it is refused
     */
    RefusalReason admit(ListenerRuntime listener, ListenerSettings settings, InetSocketAddress client,
            InetSocketAddress destination) {
        ListenerCounters counters = listener.counters();
        counters.countAccepted();
        RefusalReason refusal = check(settings, client, destination);
        if (refusal == null) {
            refusal = reserve(listener, settings, client.getAddress());
        }
        if (refusal != null) {
            counters.countRefused(refusal);
        }
        return refusal;
    }

    /** A client refused before it could be admitted (e.g. out of descriptors to accept it properly). */
    void refuse(ListenerRuntime listener, RefusalReason reason) {
        listener.counters().countAccepted();
        listener.counters().countRefused(reason);
    }

    /** The reason to refuse on policy alone (ACL, destination policy), or null. */
    RefusalReason check(ListenerSettings settings, InetSocketAddress client, InetSocketAddress destination) {
        if (!allowed(settings, client)) {
            return RefusalReason.ACL;
        }
        return destinations.check(destination, settings.port());
    }

    private static RefusalReason reserve(ListenerRuntime listener, ListenerSettings limits, InetAddress client) {
        int perClient = limits.maxConnectionsPerClient() > 0 ? limits.maxConnectionsPerClient() : Integer.MAX_VALUE;
        if (!listener.clients().tryAdd(client, perClient)) {
            return RefusalReason.CLIENT_LIMIT;
        }
        if (!listener.counters().tryCountActive(limits.maxConnections())) {
            listener.clients().remove(client);
            return RefusalReason.CONNECTION_LIMIT;
        }
        return null;
    }

    /**
     * An admitted client that cannot be relayed after all (no descriptor for its upstream socket): its place is
     * given back and it counts as refused.
     */
    void withdraw(ListenerRuntime listener, InetAddress client, RefusalReason reason) {
        listener.counters().withdrawActive();
        listener.clients().remove(client);
        listener.counters().countRefused(reason);
    }

    /** An admitted connection carried over from the previous version: counted whatever the limits. */
    void carriedOver(ListenerRuntime listener, InetAddress client) {
        listener.counters().countActive();
        listener.clients().add(client);
    }

    /** An admitted connection ended; {@code upstreamFailure} says why its upstream connect failed, or is null. */
    void closed(ListenerRuntime listener, InetAddress client, CloseReason reason, UpstreamFailure upstreamFailure,
            long durationNanos) {
        if (upstreamFailure != null) {
            listener.counters().countUpstreamFailure(upstreamFailure);
        }
        listener.counters().countClosed(reason, durationNanos);
        listener.clients().remove(client);
    }

    private static boolean allowed(ListenerSettings settings, InetSocketAddress client) {
        for (Cidr network : settings.allowedClients()) {
            if (network.contains(client.getAddress())) {
                return true;
            }
        }
        return false;
    }
}
