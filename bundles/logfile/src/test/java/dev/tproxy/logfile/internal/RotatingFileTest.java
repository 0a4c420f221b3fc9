package dev.tproxy.logfile.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingFileTest {
    @TempDir
    Path temp;

    @Test
    void rotatesBySizeAndKeepsTheNewestFiles() throws IOException {
        Path log = temp.resolve("log/tproxy.log");
        try (RotatingFile file = new RotatingFile(log, 10, 2)) {
            for (int i = 1; i <= 5; i++) {
                file.append("line" + i);      // 6 bytes each: one line per file
            }
        }
        assertEquals("line5\n", Files.readString(log));
        assertEquals("line4\n", Files.readString(temp.resolve("log/tproxy.log.1")));
        assertEquals("line3\n", Files.readString(temp.resolve("log/tproxy.log.2")));
        assertFalse(Files.exists(temp.resolve("log/tproxy.log.3")));
    }

    @Test
    void appendsToAnExistingFileAndCountsItsSize() throws IOException {
        Path log = Files.writeString(temp.resolve("tproxy.log"), "old\n");
        try (RotatingFile file = new RotatingFile(log, 12, 1)) {
            file.append("new");
            file.append("newer");
        }
        assertEquals("newer\n", Files.readString(log));
        assertEquals("old\nnew\n", Files.readString(temp.resolve("tproxy.log.1")));
    }

    @Test
    void aLineLongerThanTheLimitStillGetsWritten() throws IOException {
        Path log = temp.resolve("tproxy.log");
        try (RotatingFile file = new RotatingFile(log, 4, 0)) {
            file.append("a long line");
            file.append("another long line");
        }
        assertEquals("another long line\n", Files.readString(log));
    }

    @Test
    void linesReachTheFileWhenFlushed() throws IOException {
        Path log = temp.resolve("tproxy.log");
        try (RotatingFile file = new RotatingFile(log, 1 << 20, 1)) {
            file.append("buffered");
            assertEquals("", Files.readString(log));
            file.flush();
            assertEquals("buffered\n", Files.readString(log));
            file.append("closed");
        }
        assertEquals("buffered\nclosed\n", Files.readString(log));
    }
}
