package dev.tproxy.socket.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.sun.jna.Memory;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class SockAddrTest {
    private final Memory memory = new Memory(Linux.SIZEOF_SOCKADDR_STORAGE);
    /** What the code uses: the same native memory as a buffer in native byte order. */
    private final ByteBuffer view = memory.getByteBuffer(0, memory.size()).order(ByteOrder.nativeOrder());

    @Test
    void ipv4RoundTripsWithThePortInNetworkOrder() throws Exception {
        int length = SockAddr.write(view, 0, InetAddress.getByName("198.18.1.2"), 0x1f90);
        assertEquals(Linux.SIZEOF_SOCKADDR_IN, length);
        assertEquals(0x1f, memory.getByte(2));
        assertEquals((byte) 0x90, memory.getByte(3));
        assertEquals(Linux.AF_INET, memory.getShort(0), "the family in host byte order, where the kernel reads it");
        assertEquals(198, memory.getByte(4) & 0xff);
        assertEquals(new InetSocketAddress("198.18.1.2", 8080), SockAddr.read(view, 0));
    }

    @Test
    void ipv6RoundTrips() throws Exception {
        int length = SockAddr.write(view, 0, InetAddress.getByName("2001:2:0:1::2"), 443);
        assertEquals(Linux.SIZEOF_SOCKADDR_IN6, length);
        assertEquals(new InetSocketAddress("2001:2:0:1::2", 443), SockAddr.read(view, 0));
    }

    @Test
    void ipv4MappedIpv6KeepsItsFamily() throws Exception {
        memory.clear();
        memory.setShort(0, (short) Linux.AF_INET6);
        memory.setByte(3, (byte) 80);
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 198, 18, 1, 2};
        memory.write(Linux.OFFSETOF_SIN6_ADDR, mapped, 0, 16);
        InetSocketAddress address = SockAddr.read(view, 0);
        assertInstanceOf(Inet6Address.class, address.getAddress(), "an IPv6 socket's peer stays IPv6");
        assertArrayEquals(mapped, address.getAddress().getAddress());
        assertEquals(80, address.getPort());
        assertEquals(Linux.SIZEOF_SOCKADDR_IN6, SockAddr.write(view, 0, address.getAddress(), 80), "and is written back as IPv6");
    }
}
