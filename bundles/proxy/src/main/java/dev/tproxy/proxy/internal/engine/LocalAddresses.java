package dev.tproxy.proxy.internal.engine;


import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

/** The host's own addresses (in the proxy's network namespace), re-read at most every few seconds. */
final class LocalAddresses {
    private static final long REFRESH_NANOS = 5_000_000_000L;

    private volatile Set<InetAddress> addresses = Set.of();
    private volatile long readAt = Long.MIN_VALUE;

    boolean isLocal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
            return true;
        }
        long now = System.nanoTime();
        if (readAt == Long.MIN_VALUE || now - readAt > REFRESH_NANOS) {
            addresses = read();
            readAt = now;
        }
        return addresses.contains(address);
    }

    private static Set<InetAddress> read() {
        Set<InetAddress> all = new HashSet<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    all.add(address);
                }
            }
        } catch (SocketException e) {
            // Without the list only loopback and wildcard count as local; the port check still applies.
        }
        return Set.copyOf(all);
    }
}
