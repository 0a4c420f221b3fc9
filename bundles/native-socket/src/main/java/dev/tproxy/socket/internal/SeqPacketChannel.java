package dev.tproxy.socket.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.tproxy.socket.api.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A blocking AF_UNIX {@code SOCK_SEQPACKET} connection between two runtimes on one host: each message arrives
 * whole and alone, with the descriptors sent beside it (SCM_RIGHTS). Every wait has a deadline. Rarely used (a
 * restart), so it allocates freely.
 */
final class SeqPacketChannel implements AutoCloseable {
    /** Large enough for a parked relay with a full copy buffer; the kernel's default socket buffer is ~208 KiB. */
    static final int MAX_MESSAGE = 160 * 1024;
    /** SCM_MAX_FD is 253; a parked entry carries a handful. */
    static final int MAX_DESCRIPTORS = 64;
    private static final int PATH_OFFSET = 2;

    private final int fd;
    /** msghdr, iovec, control and data memory, allocated once per connection: a hand-over sends hundreds of messages. */
    private final Memory header = new Memory(Linux.SIZEOF_MSGHDR);
    private final Memory iov = new Memory(Linux.SIZEOF_IOVEC);
    private final Memory control = new Memory(Linux.SIZEOF_CMSGHDR + align(4 * MAX_DESCRIPTORS));
    private final Memory data = new Memory(MAX_MESSAGE);

    private SeqPacketChannel(int fd) {
        this.fd = fd;
    }

    /** A received message: its bytes and the descriptors that came with it (now this process's, close-on-exec). */
    record Message(byte[] bytes, int[] descriptors) {}

    /**
     * Listens at {@code path} (replacing a socket file left there) and waits for one connection from a process of
     * this user. The socket is bound under a temporary name, made owner-only and listening, and only then renamed to
     * {@code path}: whoever sees the file can connect.
     */
    static SeqPacketChannel acceptOne(Path path, Duration timeout) throws IOException {
        int listener = open();
        Path binding = path.resolveSibling(path.getFileName() + ".binding");
        try {
            Files.deleteIfExists(path);
            Files.deleteIfExists(binding);
            try (Memory address = address(binding.toString())) {
                if (LibC.bind(listener, Pointer.nativeValue(address), (int) address.size()) != 0) {
                    throw new IOException(Errors.lastError("bind(" + binding + ")").getMessage());
                }
            }
            Files.setPosixFilePermissions(binding, PosixFilePermissions.fromString("rw-------"));
            if (LibC.listen(listener, 1) != 0) {
                throw new IOException(Errors.lastError("listen(" + binding + ")").getMessage());
            }
            Files.move(binding, path, StandardCopyOption.ATOMIC_MOVE);
            awaitReadable(listener, timeout, "a connection on " + path);
            int accepted = LibC.accept4(listener, 0, 0, Linux.SOCK_CLOEXEC);
            if (accepted < 0) {
                throw new IOException(Errors.lastError("accept(" + path + ")").getMessage());
            }
            SeqPacketChannel channel = new SeqPacketChannel(accepted);
            long ownUid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (channel.peerUid() != ownUid) {
                channel.close();
                throw new IOException("refused a connection on " + path + " from uid " + channel.peerUid());
            }
            return channel;
        } finally {
            LibC.close(listener);
            Files.deleteIfExists(path);
            Files.deleteIfExists(binding);
        }
    }

    static SeqPacketChannel connect(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("no hand-over socket at " + path);
        }
        int fd = open();
        try (Memory address = address(path.toString())) {
            if (LibC.connect(fd, Pointer.nativeValue(address), (int) address.size()) != 0) {
                throw new IOException(Errors.lastError("connect(" + path + ")").getMessage());
            }
            return new SeqPacketChannel(fd);
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    private static int open() throws IOException {
        int fd = LibC.socket(Linux.AF_UNIX, Linux.SOCK_SEQPACKET | Linux.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException(Errors.lastError("socket(AF_UNIX, SOCK_SEQPACKET)").getMessage());
        }
        return fd;
    }

    private static Memory address(String path) {
        byte[] bytes = JnaUnixDatagrams.encode(path);
        Memory address = new Memory(PATH_OFFSET + bytes.length + 1);
        address.clear();
        address.setShort(0, (short) Linux.AF_UNIX);
        address.write(PATH_OFFSET, bytes, 0, bytes.length);
        return address;
    }

    /** The process id on the other end (SO_PEERCRED), as the kernel saw it when the connection was made. */
    long peerPid() throws IOException {
        return credential(0);
    }

    private long peerUid() throws IOException {
        return credential(4);
    }

    private long credential(int offset) throws IOException {
        try (Memory ucred = new Memory(Linux.SIZEOF_UCRED); Memory length = new Memory(4)) {
            length.setInt(0, Linux.SIZEOF_UCRED);
            if (LibC.getsockopt(fd, Linux.SOL_SOCKET, Linux.SO_PEERCRED, Pointer.nativeValue(ucred), Pointer.nativeValue(length)) != 0) {
                throw new IOException(Errors.lastError("getsockopt(SO_PEERCRED)").getMessage());
            }
            return ucred.getInt(offset) & 0xffffffffL;
        }
    }

    /**
     * From now on only a few messages of {@code bytes} wait unread at the other end: the kernel charges a queued
     * message to the sender's buffer (it doubles the size set here), and a send past it waits until the receiver read
     * most of them (at most {@link #sendTimeout}).
     */
    void limitUnread(int bytes) throws IOException {
        setOption(Linux.SO_SNDBUF, "SO_SNDBUF", 4, value -> value.setInt(0, Math.max(bytes, 4096)));
    }

    /** A send that waits longer than {@code timeout} for room fails. */
    void sendTimeout(Duration timeout) throws IOException {
        setOption(Linux.SO_SNDTIMEO, "SO_SNDTIMEO", 16, value -> {
            value.setLong(0, timeout.toSeconds());
            value.setLong(8, timeout.toMillisPart() * 1000L);
        });
    }

    private void setOption(int option, String name, int length, Consumer<Memory> write) throws IOException {
        try (Memory value = new Memory(length)) {
            write.accept(value);
            if (LibC.setsockopt(fd, Linux.SOL_SOCKET, option, Pointer.nativeValue(value), length) != 0) {
                throw new IOException(Errors.lastError("setsockopt(" + name + ")").getMessage());
            }
        }
    }

    void send(byte[] bytes, int... descriptors) throws IOException {
        if (bytes.length == 0 || bytes.length > MAX_MESSAGE || descriptors.length > MAX_DESCRIPTORS) {
            throw new IOException("hand-over message of " + bytes.length + " bytes with " + descriptors.length + " descriptors");
        }
        data.write(0, bytes, 0, bytes.length);
        prepare(bytes.length, descriptors.length == 0 ? 0 : Linux.SIZEOF_CMSGHDR + align(4 * descriptors.length));
        if (descriptors.length > 0) {
            control.setLong(0, Linux.SIZEOF_CMSGHDR + 4L * descriptors.length);
            control.setInt(Linux.OFFSETOF_CMSG_LEVEL, Linux.SOL_SOCKET);
            control.setInt(Linux.OFFSETOF_CMSG_TYPE, Linux.SCM_RIGHTS);
            control.write(Linux.SIZEOF_CMSGHDR, descriptors, 0, descriptors.length);
        }
        while (true) {
            long sent = LibC.sendmsg(fd, Pointer.nativeValue(header), Linux.MSG_NOSIGNAL);
            if (sent == bytes.length) {
                return;
            }
            int errno = Errors.errno();
            if (sent < 0 && errno == Errno.EAGAIN) {
                throw new IOException("the other end took no hand-over message within the time allowed");
            }
            if (sent >= 0 || errno != Errno.EINTR) {
                throw new IOException(sent >= 0 ? "sendmsg sent " + sent + " of " + bytes.length + " bytes"
                        : Errors.of("sendmsg", errno).getMessage());
            }
        }
    }

    /** Points the msghdr at {@code length} bytes of data and {@code controlLength} bytes of control data. */
    private void prepare(long length, long controlLength) {
        iov.setLong(0, Pointer.nativeValue(data));
        iov.setLong(8, length);
        header.clear();
        header.setLong(Linux.OFFSETOF_MSG_IOV, Pointer.nativeValue(iov));
        header.setLong(Linux.OFFSETOF_MSG_IOVLEN, 1);
        if (controlLength > 0) {
            control.clear(controlLength);
            header.setLong(Linux.OFFSETOF_MSG_CONTROL, Pointer.nativeValue(control));
            header.setLong(Linux.OFFSETOF_MSG_CONTROLLEN, controlLength);
        }
    }

    /** The next message; an empty message with no descriptors when the other end closed. */
    Message receive(Duration timeout) throws IOException {
        awaitReadable(fd, timeout, "a hand-over message");
        prepare(MAX_MESSAGE, control.size());
        long received;
        do {
            received = LibC.recvmsg(fd, Pointer.nativeValue(header), Linux.MSG_CMSG_CLOEXEC);
        } while (received < 0 && Errors.errno() == Errno.EINTR);
        if (received < 0) {
            throw new IOException(Errors.lastError("recvmsg").getMessage());
        }
        int[] descriptors = descriptors(control, header.getLong(Linux.OFFSETOF_MSG_CONTROLLEN));
        int flags = header.getInt(Linux.OFFSETOF_MSG_FLAGS);
        if ((flags & (Linux.MSG_TRUNC | Linux.MSG_CTRUNC)) != 0) {
            Arrays.stream(descriptors).forEach(LibC::close);
            throw new IOException("hand-over message truncated (flags 0x" + Integer.toHexString(flags) + ")");
        }
        return new Message(data.getByteArray(0, (int) received), descriptors);
    }

    private static int[] descriptors(Memory control, long controlLength) {
        if (controlLength < Linux.SIZEOF_CMSGHDR || control.getInt(Linux.OFFSETOF_CMSG_LEVEL) != Linux.SOL_SOCKET
                || control.getInt(Linux.OFFSETOF_CMSG_TYPE) != Linux.SCM_RIGHTS) {
            return new int[0];
        }
        int count = (int) ((control.getLong(0) - Linux.SIZEOF_CMSGHDR) / 4);
        return control.getIntArray(Linux.SIZEOF_CMSGHDR, count);
    }

    private static void awaitReadable(int fd, Duration timeout, String what) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Memory pollfd = new Memory(Linux.SIZEOF_POLLFD)) {
            while (true) {
                long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
                pollfd.clear();
                pollfd.setInt(0, fd);
                pollfd.setShort(4, (short) Linux.POLLIN);
                int ready = LibC.poll(Pointer.nativeValue(pollfd), 1, (int) Math.min(left, Integer.MAX_VALUE));
                if (ready > 0) {
                    return;
                }
                if (ready < 0 && Errors.errno() != Errno.EINTR) {
                    throw new IOException(Errors.lastError("poll").getMessage());
                }
                if (ready == 0 && left == 0) {
                    throw new IOException(what + " did not come within " + timeout.toMillis() + " ms");
                }
            }
        }
    }

    private static int align(int length) {
        return (length + 7) & ~7;
    }

    private boolean closed;

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LibC.close(fd);
        for (Memory memory : new Memory[] {header, iov, control, data}) {
            memory.close();
        }
    }
}
