package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.Addresses;
import dev.tproxy.proxy.api.Durations;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * What the access log says about a connection that ended, taken on its event loop and turned into text later, by
 * the log's own thread ({@link AccessLogLines}): the loops do not format log lines.
 */
record ClosedConnection(long id, String listener, InetSocketAddress client, InetSocketAddress destination,
        InetSocketAddress upstream, long fromClient, long fromServer, long durationNanos, String reason,
        long endedMillis) {

    /** {@code connection 7 closed: listener=default client=… destination=… upstream=… from-client=… …} */
    String line() {
        return "connection " + id + " closed: listener=" + listener + " client=" + Addresses.format(client)
                + " destination=" + Addresses.format(destination) + " upstream=" + Addresses.format(upstream)
                + " from-client=" + fromClient + " from-server=" + fromServer
                + " duration=" + Durations.format(Duration.ofNanos(durationNanos)) + " reason=" + reason;
    }
}
