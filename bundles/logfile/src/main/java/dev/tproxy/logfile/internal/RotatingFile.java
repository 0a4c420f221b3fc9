package dev.tproxy.logfile.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A text file that lines are appended to, rotated by size: when the next line would take it past
 * {@code maxBytes}, {@code name.log} becomes {@code name.log.1}, {@code .1} becomes {@code .2} and so on; at most
 * {@code keep} rotated files are kept. Lines are buffered until {@link #flush()} (the caller flushes soon after a
 * burst, so a busy proxy does not pay one write() per line) or {@link #close()}. Not thread-safe: the caller
 * serialises.
 */
final class RotatingFile implements AutoCloseable {
    private static final int BUFFER_BYTES = 64 * 1024;

    private final Path file;
    private final long maxBytes;
    private final int keep;
    private OutputStream out;
    private long size;

    RotatingFile(Path file, long maxBytes, int keep) {
        if (maxBytes < 1 || keep < 0) {
            throw new IllegalArgumentException("maxBytes must be positive and keep not negative");
        }
        this.file = file;
        this.maxBytes = maxBytes;
        this.keep = keep;
    }

    Path path() {
        return file;
    }

    /** Opens the file now rather than with the first line (appending opens it too). */
    void ensureOpen() throws IOException {
        if (out == null) {
            open();
        }
    }

    void append(String line) throws IOException {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        ensureOpen();
        if (size > 0 && size + bytes.length > maxBytes) {
            rotate();
        }
        try {
            out.write(bytes);
            size += bytes.length;
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** Writes the buffered lines to the file (nothing buffered: no write). */
    void flush() throws IOException {
        if (out != null) {
            try {
                out.flush();
            } catch (IOException e) {
                close();
                throw e;
            }
        }
    }

    private void open() throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        out = new BufferedOutputStream(
                Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE),
                BUFFER_BYTES);
        size = Files.size(file);
    }

    private void rotate() throws IOException {
        close();
        if (keep == 0) {
            Files.deleteIfExists(file);
        } else {
            Files.deleteIfExists(rotated(keep));
            for (int i = keep - 1; i >= 1; i--) {
                if (Files.exists(rotated(i))) {
                    Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    Path rotated(int index) {
        return file.resolveSibling(file.getFileName() + "." + index);
    }

    @Override
    public void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // nothing left to save
            }
            out = null;
        }
    }
}
