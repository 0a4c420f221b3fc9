package dev.tproxy.itests.distribution;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The test's own end of the notify protocol, as systemd binds it: an AF_UNIX datagram socket at a path (the JDK
 * has no AF_UNIX datagrams, so JNA). A path, not an abstract name, because the runtime runs in a lab network
 * namespace and abstract names are per namespace. Every datagram is kept with the time it arrived.
 */
final class NotifyReceiver implements AutoCloseable {
    record Message(long nanos, String text) {}

    interface C extends Library {
        C LIBC = Native.load("c", C.class);

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, Memory address, int length) throws LastErrorException;

        int setsockopt(int fd, int level, int name, Memory value, int length) throws LastErrorException;

        long recv(int fd, Memory buffer, long length, int flags);

        int close(int fd);
    }

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;

    private final int fd;
    private final Path path;
    private final List<Message> messages = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean open = true;

    NotifyReceiver(Path path) {
        this.path = path;
        fd = C.LIBC.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        try (Memory address = new Memory(110); Memory timeout = new Memory(16)) {
            address.clear();
            address.setShort(0, (short) AF_UNIX);
            address.write(2, bytes, 0, bytes.length);
            C.LIBC.bind(fd, address, 2 + bytes.length + 1);
            timeout.setLong(0, 0);
            timeout.setLong(8, 200_000); // 200 ms: the reader looks at `open` that often
            C.LIBC.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, 16);
        }
        reader = new Thread(this::read, "notify-receiver");
        reader.setDaemon(true);
        reader.start();
    }

    Path path() {
        return path;
    }

    List<Message> messages() {
        return List.copyOf(messages);
    }

    private void read() {
        try (Memory buffer = new Memory(4096)) {
            while (open) {
                long n = C.LIBC.recv(fd, buffer, 4096, 0);
                if (n > 0) {
                    messages.add(new Message(System.nanoTime(), new String(buffer.getByteArray(0, (int) n), StandardCharsets.UTF_8)));
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        open = false;
        reader.join(2000);
        C.LIBC.close(fd);
    }
}
