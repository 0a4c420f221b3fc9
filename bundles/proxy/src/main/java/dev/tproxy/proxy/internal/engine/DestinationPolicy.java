package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.RefusalReason;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Destinations the proxy never connects to, whatever a rule diverts to it: defense in depth behind the host's
 * rules (docs/design.md, "Admission"). The kernel itself drops some of these before they reach a listener.
 */
final class DestinationPolicy {
    private static final byte[] LIMITED_BROADCAST = {(byte) 255, (byte) 255, (byte) 255, (byte) 255};

    private final LocalAddresses local;

    DestinationPolicy(LocalAddresses local) {
        this.local = local;
    }

    /** LOOP for the proxy's own listener, DESTINATION for any other forbidden destination, null for an allowed one. */
    RefusalReason check(InetSocketAddress destination, int listenerPort) {
        InetAddress address = destination.getAddress();
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isMulticastAddress()
                || isThisNetwork(address) || isIpv4InIpv6(address) || isBroadcast(address)) {
            return RefusalReason.DESTINATION;
        }
        if (local.isLocal(address)) {
            return destination.getPort() == listenerPort ? RefusalReason.LOOP : RefusalReason.DESTINATION;
        }
        return null;
    }

    /** 0.0.0.0/8: "this network", never a destination. */
    private static boolean isThisNetwork(InetAddress address) {
        return address instanceof Inet4Address && address.getAddress()[0] == 0;
    }

    private boolean isBroadcast(InetAddress address) {
        return address instanceof Inet4Address
                && (java.util.Arrays.equals(address.getAddress(), LIMITED_BROADCAST) || local.isBroadcast(address));
    }

    /** IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) IPv6 addresses. */
    private static boolean isIpv4InIpv6(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        boolean mapped = bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
        boolean compatible = bytes[10] == 0 && bytes[11] == 0;
        return mapped || compatible;   // :: and ::1 are compatible in form; refused above either way
    }
}
