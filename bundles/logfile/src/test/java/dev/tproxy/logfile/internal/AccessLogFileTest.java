package dev.tproxy.logfile.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.log.Logger;

class AccessLogFileTest {
    @TempDir
    Path home;

    private final List<String> said = new ArrayList<>();
    /** Records what the access log says in the runtime's log: "method message". */
    private final Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
            (proxy, method, args) -> {
                said.add(method.getName() + " " + args[0]);
                return null;
            });

    private AccessLogFile accessLog(Map<String, String> properties) {
        return new AccessLogFile(LogFileSettings.accessLog(key -> key.equals("tproxy.home") ? home.toString() : properties.get(key)),
                logger);
    }

    @Test
    void eachBatchIsInTheFileWhenAppendReturns() throws IOException {
        AccessLogFile accessLog = accessLog(Map.of());
        assertTrue(Files.isRegularFile(home.resolve("log/access.log")), "opened at start, before the first line");
        accessLog.append(List.of("one", "two"));
        assertEquals(List.of("one", "two"), Files.readAllLines(home.resolve("log/access.log")));
        accessLog.append(List.of("three"));
        assertEquals(List.of("one", "two", "three"), Files.readAllLines(home.resolve("log/access.log")));
        accessLog.close();
        assertEquals(List.of(), said);
    }

    @Test
    void itsFileAndRotationAreItsOwnProperties() throws IOException {
        Path file = home.resolve("elsewhere/connections.log");
        AccessLogFile accessLog = accessLog(Map.of("tproxy.access.log.file", file.toString(),
                "tproxy.access.log.rotate.size", "10", "tproxy.access.log.rotate.keep", "1",
                "tproxy.log.rotate.size", "1"));
        accessLog.append(List.of("line 1", "line 2", "line 3"));
        accessLog.close();
        assertEquals(List.of("line 3"), Files.readAllLines(file));
        assertEquals(List.of("line 2"), Files.readAllLines(file.resolveSibling("connections.log.1")));
        assertTrue(Files.notExists(file.resolveSibling("connections.log.2")));
    }

    @Test
    void aBadRotationValueIsSaidByNameAndTheDefaultUsed() {
        accessLog(Map.of("tproxy.access.log.rotate.keep", "many")).close();
        assertEquals(List.of("warn access log: tproxy.access.log.rotate.keep=many is not a count of files; using 3"), said);
    }

    @Test
    void aFileThatCannotBeWrittenIsSaidOnceAndAgainWhenItCanBe() throws IOException {
        Files.createDirectories(home.resolve("log/access.log"));   // a directory where the file should be
        AccessLogFile accessLog = accessLog(Map.of());   // cannot open it
        accessLog.append(List.of("lost 1"));
        accessLog.append(List.of("lost 2"));
        assertEquals(1, said.size(), said::toString);
        assertTrue(said.get(0).startsWith("error access log: cannot write " + home.resolve("log/access.log")), said::toString);
        Files.delete(home.resolve("log/access.log"));
        accessLog.append(List.of("kept"));
        accessLog.close();
        assertEquals("info access log: " + home.resolve("log/access.log") + " is written again", said.get(1));
        assertEquals(List.of("kept"), Files.readAllLines(home.resolve("log/access.log")));
    }
}
