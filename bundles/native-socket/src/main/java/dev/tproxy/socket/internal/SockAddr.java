package dev.tproxy.socket.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * Encodes and decodes struct sockaddr_in / sockaddr_in6 in native memory seen through a direct buffer in native
 * byte order (plain memory accesses, where JNA's Memory getters and setters are a JNI call each); ports in network
 * byte order.
 */
final class SockAddr {
    private SockAddr() {}

    static int family(InetAddress address) {
        return address instanceof Inet6Address ? Linux.AF_INET6 : Linux.AF_INET;
    }

    /** Writes {@code address} at {@code offset} and returns the sockaddr's length. */
    static int write(ByteBuffer memory, int offset, InetAddress address, int port) {
        for (int i = 0; i < Linux.SIZEOF_SOCKADDR_IN6; i++) {
            memory.put(offset + i, (byte) 0);
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            memory.putShort(offset, (short) Linux.AF_INET);
            writePort(memory, offset + Linux.OFFSETOF_SIN_PORT, port);
            memory.put(offset + Linux.OFFSETOF_SIN_ADDR, bytes, 0, 4);
            return Linux.SIZEOF_SOCKADDR_IN;
        }
        memory.putShort(offset, (short) Linux.AF_INET6);
        writePort(memory, offset + Linux.OFFSETOF_SIN6_PORT, port);
        memory.put(offset + Linux.OFFSETOF_SIN6_ADDR, bytes, 0, 16);
        memory.putInt(offset + Linux.OFFSETOF_SIN6_SCOPE_ID, ((Inet6Address) address).getScopeId());
        return Linux.SIZEOF_SOCKADDR_IN6;
    }

    /**
     * Reads the sockaddr at {@code offset}, keeping its family: an IPv4-mapped IPv6 address stays an
     * {@link Inet6Address} (InetAddress.getByAddress would turn it into IPv4).
     */
    static InetSocketAddress read(ByteBuffer memory, int offset) {
        int family = memory.getShort(offset) & 0xffff;
        try {
            if (family == Linux.AF_INET) {
                byte[] bytes = new byte[4];
                memory.get(offset + Linux.OFFSETOF_SIN_ADDR, bytes);
                return new InetSocketAddress(InetAddress.getByAddress(bytes), readPort(memory, offset + Linux.OFFSETOF_SIN_PORT));
            }
            if (family == Linux.AF_INET6) {
                byte[] bytes = new byte[16];
                memory.get(offset + Linux.OFFSETOF_SIN6_ADDR, bytes);
                int scope = memory.getInt(offset + Linux.OFFSETOF_SIN6_SCOPE_ID);
                InetAddress address = scope != 0 ? Inet6Address.getByAddress(null, bytes, scope)
                        : Inet6Address.getByAddress(null, bytes, (java.net.NetworkInterface) null);
                return new InetSocketAddress(address, readPort(memory, offset + Linux.OFFSETOF_SIN6_PORT));
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("malformed address from the kernel", e);
        }
        throw new IllegalStateException("unexpected address family " + family);
    }

    private static void writePort(ByteBuffer memory, int offset, int port) {
        memory.put(offset, (byte) (port >>> 8));
        memory.put(offset + 1, (byte) port);
    }

    private static int readPort(ByteBuffer memory, int offset) {
        return ((memory.get(offset) & 0xff) << 8) | (memory.get(offset + 1) & 0xff);
    }
}
