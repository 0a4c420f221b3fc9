package dev.tproxy.logfile.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.log.LogLevel;

class JournalStreamTest {
    @TempDir
    Path temp;

    @Test
    void theStreamMatchesOnlyByDeviceAndInode() throws IOException {
        Path stream = Files.createFile(temp.resolve("stream"));
        Path other = Files.createFile(temp.resolve("other"));
        String id = Files.getAttribute(stream, "unix:dev") + ":" + Files.getAttribute(stream, "unix:ino");
        assertTrue(JournalStream.names(id, stream));
        assertFalse(JournalStream.names(id, other), "stdout redirected elsewhere: not the journal");
        assertFalse(JournalStream.names(null, stream));
        assertFalse(JournalStream.names("garbage", stream));
    }

    @Test
    void everyLineCarriesTheEntrysPriority() {
        assertEquals("<3>boom\n<3>\tat x", JournalStream.prefixed(LogLevel.ERROR, "boom\n\tat x"));
        assertEquals("<4>w", JournalStream.prefixed(LogLevel.WARN, "w"));
        assertEquals("<6>i", JournalStream.prefixed(LogLevel.INFO, "i"));
        assertEquals("<7>d", JournalStream.prefixed(LogLevel.TRACE, "d"));
    }

    @Test
    void theListenerWritesPrefixedLinesToTheJournalAndKeepsTheFile() throws IOException {
        FakeLog log = new FakeLog();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        LogFileSettings settings = LogFileSettings.from(key -> key.equals("tproxy.home") ? temp.toString() : null);
        LogFileListener listener = new LogFileListener(log, settings, temp.resolve("mark").toFile(), "fw",
            new PrintStream(stdout, true, StandardCharsets.UTF_8), true);
        listener.activate();
        log.log(LogLevel.WARN, "listener default failed");
        log.log(LogLevel.INFO, "started");
        listener.deactivate();
        String journal = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(journal.lines().anyMatch(line -> line.startsWith("<4>") && line.endsWith("listener default failed")), journal);
        assertTrue(journal.lines().anyMatch(line -> line.startsWith("<6>") && line.endsWith("started")), journal);
        assertEquals(2, Files.readAllLines(temp.resolve("log/tproxy.log")).size());
    }
}
