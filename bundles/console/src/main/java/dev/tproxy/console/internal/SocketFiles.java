package dev.tproxy.console.internal;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * File-system side of an owner-only socket. The parent directory is made 0700 <em>before</em> the socket is
 * bound, so the window between bind() (which creates the node with the umask's mode) and the chmod to 0600 is
 * closed to everybody else: nobody but the owner can even reach the node.
 */
final class SocketFiles {
    static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> OWNER_ONLY_SOCKET = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
        PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private SocketFiles() {}

    /**
     * Creates the directory 0700, or checks that an existing one is ours and takes group/others' access away.
     *
     * @return true when an existing directory's permissions had to be tightened
     */
    static boolean prepareDirectory(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
            Files.setPosixFilePermissions(directory, OWNER_ONLY_DIRECTORY);
            return false;
        }
        if (!Files.isDirectory(directory)) {
            throw new IOException(directory + " is not a directory");
        }
        int owner = (Integer) Files.getAttribute(directory, "unix:uid");
        int self = ownUid();
        if (owner != self) {
            throw new IOException(directory + " belongs to uid " + owner + ", not to this process (uid " + self
                + "): another user could replace the console socket");
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory);
        if (permissions.stream().noneMatch(GROUP_OR_OTHERS::contains)) {
            return false;
        }
        permissions.removeAll(GROUP_OR_OTHERS);
        Files.setPosixFilePermissions(directory, permissions);
        return true;
    }

    /**
     * Removes a socket left behind by a runtime that died. Refuses to touch anything that is not a socket, or a
     * socket that still answers (another runtime using the same path).
     *
     * @return true when a stale socket was removed
     */
    static boolean removeStale(Path socket) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        if (!Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
            throw new IOException(socket + " exists and is not a socket; not removing it");
        }
        if (answers(socket)) {
            throw new BusyException("another console already listens on " + socket);
        }
        return Files.deleteIfExists(socket); // its runtime may be deleting it too
    }

    /** The socket answers: another runtime's console is on it. */
    static final class BusyException extends IOException {
        private static final long serialVersionUID = 1L;

        BusyException(String message) {
            super(message);
        }
    }

    static void restrictToOwner(Path socket) throws IOException {
        Files.setPosixFilePermissions(socket, OWNER_ONLY_SOCKET);
    }

    /** The inode identity of the node, so that close() deletes only the socket it created. */
    static Object fileKey(Path socket) throws IOException {
        return Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    static void deleteIfSame(Path socket, Object fileKey) throws IOException {
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && fileKey.equals(fileKey(socket))) {
            Files.delete(socket);
        }
    }

    private static boolean answers(Path socket) {
        try (SocketChannel ignored = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static int ownUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
