package dev.tproxy.socket.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.NativeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Addresses as systemd writes them; a send to a socket nobody binds fails with the errno named. */
class UnixDatagramsTest {
    @Test
    void anAbstractNameStartsWithNul() {
        assertArrayEquals(new byte[] {0, 'n', 'o', 't', 'e'}, JnaUnixDatagrams.encode("@note"));
        assertArrayEquals("/run/systemd/notify".getBytes(StandardCharsets.UTF_8), JnaUnixDatagrams.encode("/run/systemd/notify"));
    }

    @Test
    void emptyOrOverlongAddressesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> JnaUnixDatagrams.encode(""));
        assertThrows(IllegalArgumentException.class, () -> JnaUnixDatagrams.encode("@"));
        assertThrows(IllegalArgumentException.class, () -> JnaUnixDatagrams.encode("/" + "x".repeat(107)));
    }

    @Test
    void aDatagramArrivesWhole() {
        String name = "@tproxy-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        byte[] path = JnaUnixDatagrams.encode(name);
        int fd = LibC.socket(Linux.AF_UNIX, Linux.SOCK_DGRAM | Linux.SOCK_CLOEXEC, 0);
        try (com.sun.jna.Memory address = new com.sun.jna.Memory(Linux.SIZEOF_SOCKADDR_UN);
                com.sun.jna.Memory buffer = new com.sun.jna.Memory(256)) {
            address.clear();
            address.setShort(0, (short) Linux.AF_UNIX);
            address.write(2, path, 0, path.length);
            assertEquals(0, LibC.bind(fd, com.sun.jna.Pointer.nativeValue(address), 2 + path.length), "bind");
            new JnaUnixDatagrams().send(name, "READY=1\nSTATUS=ok".getBytes(StandardCharsets.UTF_8));
            long n = LibC.recv(fd, com.sun.jna.Pointer.nativeValue(buffer), 256, 0);
            assertEquals("READY=1\nSTATUS=ok", new String(buffer.getByteArray(0, (int) n), StandardCharsets.UTF_8));
        } finally {
            LibC.close(fd);
        }
    }

    @Test
    void aPathNobodyBindsIsNamedInTheError(@TempDir Path dir) {
        NativeException e = assertThrows(NativeException.class,
            () -> new JnaUnixDatagrams().send(dir.resolve("absent").toString(), "READY=1".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Errno.ENOENT, e.errno(), e.getMessage());
    }
}
