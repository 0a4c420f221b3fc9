package dev.tproxy.logfile.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.log.LogLevel;

class LogFileListenerTest {
    @TempDir
    Path temp;

    private final FakeLog log = new FakeLog();
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();

    private LogFileListener listener(Map<String, String> properties, String framework) {
        LogFileSettings settings = LogFileSettings.from(key -> key.equals("tproxy.home") ? temp.toString() : properties.get(key));
        File mark = temp.resolve("last-written").toFile();
        return new LogFileListener(log, settings, mark, framework, new PrintStream(stdout, true, StandardCharsets.UTF_8));
    }

    private List<String> messages() throws IOException {
        return Files.readAllLines(temp.resolve("log/tproxy.log")).stream()
            .map(line -> line.substring(line.indexOf(": ") + 2)).collect(Collectors.toList());
    }

    @Test
    void writesHistoryThenLiveEntriesAtOrAboveTheThreshold() throws IOException {
        log.log(LogLevel.INFO, "before");
        log.log(LogLevel.DEBUG, "debug before");
        LogFileListener listener = listener(Map.of(), "fw1");
        listener.activate();
        log.log(LogLevel.WARN, "live");
        log.log(LogLevel.DEBUG, "debug live");
        listener.deactivate();
        log.log(LogLevel.ERROR, "after");
        assertEquals(List.of("before", "live"), messages());
        assertEquals("", stdout.toString(StandardCharsets.UTF_8));
    }

    @Test
    void entriesDeliveredOutOfTheirOrderAreAllWritten() throws IOException {
        log.log(LogLevel.INFO, "before");
        LogFileListener listener = listener(Map.of(), "fw1");
        listener.activate();
        log.logCrossed(LogLevel.INFO, "numbered first", "numbered second");
        listener.logged(log.history.get(2)); // "before" once more, as a late delivery of the history's entry
        listener.deactivate();
        assertEquals(List.of("before", "numbered second", "numbered first"), messages(), "none lost, none twice");
    }

    @Test
    void aHotUpdatedInstanceWritesOnlyWhatIsNew() throws IOException {
        log.log(LogLevel.INFO, "one");
        LogFileListener first = listener(Map.of(), "fw1");
        first.activate();
        log.log(LogLevel.INFO, "two");
        first.deactivate();
        log.log(LogLevel.INFO, "three");
        LogFileListener second = listener(Map.of(), "fw1");
        second.activate();
        second.deactivate();
        assertEquals(List.of("one", "two", "three"), messages());
    }

    @Test
    void aNewFrameworkGetsItsWholeHistory() throws IOException {
        log.log(LogLevel.INFO, "one");
        LogFileListener first = listener(Map.of(), "fw1");
        first.activate();
        first.deactivate();
        LogFileListener second = listener(Map.of(), "fw2");
        second.activate();
        second.deactivate();
        assertEquals(List.of("one", "one"), messages());
    }

    @Test
    void echoesToTheConsoleAndReportsBadSettings() throws IOException {
        LogFileListener listener = listener(Map.of("tproxy.log.console", "true", "tproxy.log.level", "chatty"), "fw1");
        listener.activate();
        log.log(LogLevel.INFO, "hello");
        listener.deactivate();
        String echoed = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(echoed.startsWith("logfile: tproxy.log.level=chatty"), echoed);
        assertTrue(echoed.endsWith("[-] test.Logger: hello\n"), echoed);
        assertEquals(2, messages().size());
    }

    @Test
    void bareServiceEventsCountAsDebug() throws IOException {
        LogFileListener listener = listener(Map.of(), "fw1");
        listener.activate();
        log.history.clear();
        log.listeners.forEach(l -> l.logged(new FakeLog.Entry(100, 0, LogLevel.INFO, null, "Events.Service.x", "ServiceEvent REGISTERED", null)));
        log.listeners.forEach(l -> l.logged(new FakeLog.Entry(101, 0, LogLevel.INFO, null, "Events.Bundle.x", "BundleEvent STARTED", null)));
        listener.deactivate();
        assertEquals(List.of("BundleEvent STARTED"), messages());
        assertEquals(LogLevel.WARN, LogFileListener.level(new FakeLog.Entry(1, 0, LogLevel.WARN, null, "Events.Service.x", "m", null)));
    }
}
