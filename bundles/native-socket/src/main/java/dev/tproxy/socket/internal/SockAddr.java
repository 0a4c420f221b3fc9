package dev.tproxy.socket.internal;

import com.sun.jna.Memory;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Encodes and decodes struct sockaddr_in / sockaddr_in6 in native memory (ports in network byte order). */
final class SockAddr {
    private SockAddr() {}

    static int family(InetAddress address) {
        return address instanceof Inet6Address ? Linux.AF_INET6 : Linux.AF_INET;
    }

    /** Writes {@code address} at {@code offset} and returns the sockaddr's length. */
    static int write(Memory memory, long offset, InetAddress address, int port) {
        memory.setMemory(offset, Linux.SIZEOF_SOCKADDR_IN6, (byte) 0);
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            memory.setShort(offset, (short) Linux.AF_INET);
            writePort(memory, offset + Linux.OFFSETOF_SIN_PORT, port);
            memory.write(offset + Linux.OFFSETOF_SIN_ADDR, bytes, 0, 4);
            return Linux.SIZEOF_SOCKADDR_IN;
        }
        memory.setShort(offset, (short) Linux.AF_INET6);
        writePort(memory, offset + Linux.OFFSETOF_SIN6_PORT, port);
        memory.write(offset + Linux.OFFSETOF_SIN6_ADDR, bytes, 0, 16);
        memory.setInt(offset + Linux.OFFSETOF_SIN6_SCOPE_ID, ((Inet6Address) address).getScopeId());
        return Linux.SIZEOF_SOCKADDR_IN6;
    }

    /** Reads the sockaddr at {@code offset}; an IPv4-mapped IPv6 address comes back as IPv4. */
    static InetSocketAddress read(Memory memory, long offset) {
        int family = memory.getShort(offset) & 0xffff;
        try {
            if (family == Linux.AF_INET) {
                byte[] bytes = memory.getByteArray(offset + Linux.OFFSETOF_SIN_ADDR, 4);
                return new InetSocketAddress(InetAddress.getByAddress(bytes), readPort(memory, offset + Linux.OFFSETOF_SIN_PORT));
            }
            if (family == Linux.AF_INET6) {
                byte[] bytes = memory.getByteArray(offset + Linux.OFFSETOF_SIN6_ADDR, 16);
                int scope = memory.getInt(offset + Linux.OFFSETOF_SIN6_SCOPE_ID);
                InetAddress address = InetAddress.getByAddress(bytes);
                if (address instanceof Inet6Address && scope != 0) {
                    address = Inet6Address.getByAddress(null, bytes, scope);
                }
                return new InetSocketAddress(address, readPort(memory, offset + Linux.OFFSETOF_SIN6_PORT));
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("malformed address from the kernel", e);
        }
        throw new IllegalStateException("unexpected address family " + family);
    }

    private static void writePort(Memory memory, long offset, int port) {
        memory.setByte(offset, (byte) (port >>> 8));
        memory.setByte(offset + 1, (byte) port);
    }

    private static int readPort(Memory memory, long offset) {
        return ((memory.getByte(offset) & 0xff) << 8) | (memory.getByte(offset + 1) & 0xff);
    }
}
