package dev.tproxy.socket.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What is parked, kept across an update of this bundle: the descriptors stay open in the process (they are only
 * numbers to the next version) and each entry's state, handle kinds and descriptor numbers are encoded, for the
 * next version to take over: in a file in the bundle's own data area, which an update keeps (read once at
 * activation and deleted), or straight from a detached lot ({@link DetachedLot}) in the same encoding.
 */
final class ParkedFile {
    private static final int MAGIC = 0x54505031; // "TPP1"

    private ParkedFile() {}

    /** Writes {@code entries}; their descriptors are the file's from now on (the caller must not close them). */
    static void write(Path file, List<HandoverProtocol.Entry> entries) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temporary, encode(entries));
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** {@code entries} encoded; their descriptors are the encoding's from now on (the caller must not close them). */
    static byte[] encode(List<HandoverProtocol.Entry> entries) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeInt(MAGIC);
            out.writeInt(entries.size());
            for (HandoverProtocol.Entry entry : entries) {
                ParkedCodec.Encoded encoded = ParkedCodec.encode(entry.parked(), entry.grace());
                out.writeInt(encoded.bytes().length);
                out.write(encoded.bytes());
                out.writeInt(encoded.descriptors().length);
                for (int fd : encoded.descriptors()) {
                    out.writeInt(fd);
                }
            }
        }
        return buffer.toByteArray();
    }

    /**
     * The entries a previous version wrote, their descriptors made handles again; the file is deleted. An entry
     * one of whose descriptors is no longer open is left out (its other descriptors closed).
     */
    static List<HandoverProtocol.Entry> read(Path file) throws IOException {
        byte[] content = Files.readAllBytes(file);
        Files.delete(file);
        return decode(content, file.toString());
    }

    /**
     * The entries {@link #encode} gave, as {@link #read} gives them; {@code source} names them in an error. Should
     * the content be malformed, every descriptor in it is closed.
     */
    static List<HandoverProtocol.Entry> decode(byte[] content, String source) throws IOException {
        List<HandoverProtocol.Entry> entries = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(content);
        int entryStart = -1; // until the content shows it is ours, no number in it is taken for a descriptor
        try {
            if (in.getInt() != MAGIC) {
                throw new IOException(source + " holds no parked handles");
            }
            int count = in.getInt();
            entryStart = in.position();
            for (int i = 0; i < count; i++) {
                entryStart = in.position();
                byte[] bytes = new byte[in.getInt()];
                in.get(bytes);
                int[] descriptors = new int[in.getInt()];
                for (int d = 0; d < descriptors.length; d++) {
                    descriptors[d] = in.getInt();
                }
                if (allOpen(descriptors)) {
                    ParkedCodec.Decoded decoded = ParkedCodec.decode(bytes, descriptors, 0);
                    entries.add(new HandoverProtocol.Entry(decoded.parked(), decoded.grace()));
                } else {
                    for (int fd : descriptors) {
                        SocketCalls.closeQuietly(fd);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            entries.forEach(HandoverProtocol.Entry::closeHandles);
            if (entryStart >= 0) {
                closeDescriptorsFrom(in.position(entryStart));
            }
            throw e instanceof IOException io ? io : new IOException(source + " is malformed: " + e, e);
        }
        return entries;
    }

    /** Closes the descriptors of every entry from the buffer's position on, as far as they can be read. */
    private static void closeDescriptorsFrom(ByteBuffer in) {
        try {
            while (in.remaining() >= 4) {
                int length = in.getInt();
                in.position(in.position() + length);
                for (int d = in.getInt(); d > 0; d--) {
                    SocketCalls.closeQuietly(in.getInt());
                }
            }
        } catch (RuntimeException truncated) {
            // what cannot be read names no descriptor
        }
    }

    private static boolean allOpen(int[] descriptors) {
        for (int fd : descriptors) {
            if (LibC.fcntl(fd, Linux.F_GETFD, 0) < 0) {
                return false;
            }
        }
        return true;
    }
}
