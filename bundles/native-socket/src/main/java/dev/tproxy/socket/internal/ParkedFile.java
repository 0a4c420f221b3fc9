package dev.tproxy.socket.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
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

    /** The entries {@link #encode} gave, as {@link #read} gives them; {@code source} names them in an error. */
    static List<HandoverProtocol.Entry> decode(byte[] content, String source) throws IOException {
        List<HandoverProtocol.Entry> entries = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(content))) {
            if (in.readInt() != MAGIC) {
                throw new IOException(source + " holds no parked handles");
            }
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                byte[] bytes = new byte[in.readInt()];
                in.readFully(bytes);
                int[] descriptors = new int[in.readInt()];
                for (int d = 0; d < descriptors.length; d++) {
                    descriptors[d] = in.readInt();
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
        }
        return entries;
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
