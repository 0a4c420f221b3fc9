package dev.tproxy.proxy.internal.engine;

import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

/** The host's own addresses and broadcast addresses (in the proxy's network namespace), re-read every few seconds. */
class LocalAddresses {
    private static final long REFRESH_NANOS = 5_000_000_000L;

    private volatile Snapshot snapshot = new Snapshot(Set.of(), Set.of());
    private volatile long readAt = Long.MIN_VALUE;

    /** The host's addresses and the broadcast addresses of its networks, read at one moment. */
    record Snapshot(Set<InetAddress> local, Set<InetAddress> broadcast) {}

    boolean isLocal(InetAddress address) {
        return address.isLoopbackAddress() || address.isAnyLocalAddress() || current().local.contains(address);
    }

    boolean isBroadcast(InetAddress address) {
        return current().broadcast.contains(address);
    }

    private Snapshot current() {
        long now = System.nanoTime();
        if (readAt == Long.MIN_VALUE || now - readAt > REFRESH_NANOS) {
            snapshot = read();
            readAt = now;
        }
        return snapshot;
    }

    Snapshot read() {
        Set<InetAddress> local = new HashSet<>();
        Set<InetAddress> broadcast = new HashSet<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InterfaceAddress address : nic.getInterfaceAddresses()) {
                    local.add(address.getAddress());
                    if (address.getBroadcast() != null) {
                        broadcast.add(address.getBroadcast());
                    }
                }
            }
        } catch (SocketException e) {
            // Without the list only loopback and wildcard count as local; the other checks still apply.
        }
        return new Snapshot(Set.copyOf(local), Set.copyOf(broadcast));
    }
}
