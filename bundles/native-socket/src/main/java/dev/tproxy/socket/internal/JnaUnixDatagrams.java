package dev.tproxy.socket.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.tproxy.socket.api.UnixDatagrams;
import java.nio.charset.StandardCharsets;
import org.osgi.service.component.annotations.Component;

/**
 * socket(AF_UNIX, SOCK_DGRAM) + sendto per message: notifications are a handful a second at most, so nothing is
 * kept open or preallocated (a socket kept open would also outlive a restart of the receiver).
 */
@Component(service = UnixDatagrams.class)
public final class JnaUnixDatagrams implements UnixDatagrams {
    private static final int PATH_OFFSET = 2;
    private static final int PATH_MAX = Linux.SIZEOF_SOCKADDR_UN - PATH_OFFSET;

    @Override
    public void send(String address, byte[] message) {
        byte[] path = encode(address);
        try (Memory sockaddr = new Memory(Linux.SIZEOF_SOCKADDR_UN); Memory payload = new Memory(Math.max(1, message.length))) {
            sockaddr.clear();
            sockaddr.setShort(0, (short) Linux.AF_UNIX);
            sockaddr.write(PATH_OFFSET, path, 0, path.length);
            payload.write(0, message, 0, message.length);
            int fd = LibC.socket(Linux.AF_UNIX, Linux.SOCK_DGRAM | Linux.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw Errors.lastError("socket(AF_UNIX, SOCK_DGRAM)");
            }
            try {
                // an abstract name's length is exact (no terminating NUL); a path's includes its NUL
                int length = PATH_OFFSET + path.length + (path[0] == 0 ? 0 : 1);
                if (LibC.sendto(fd, Pointer.nativeValue(payload), message.length, Linux.MSG_NOSIGNAL,
                        Pointer.nativeValue(sockaddr), length) < 0) {
                    throw Errors.lastError("sendto(" + address + ")");
                }
            } finally {
                LibC.close(fd);
            }
        }
    }

    /** The sun_path bytes: {@code @name} becomes a NUL then name (the abstract namespace). */
    static byte[] encode(String address) {
        if (address == null || address.isEmpty() || address.equals("@")) {
            throw new IllegalArgumentException("no AF_UNIX address given");
        }
        byte[] path = address.getBytes(StandardCharsets.UTF_8);
        if (path[0] == '@') {
            path[0] = 0;
        }
        if (path.length + (path[0] == 0 ? 0 : 1) > PATH_MAX) {
            throw new IllegalArgumentException("AF_UNIX address longer than " + (PATH_MAX - 1) + " bytes: " + address);
        }
        return path;
    }
}
