package dev.tproxy.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.console.internal.client.ConsoleClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console end to end over a real Unix-domain socket, with the real client and a fake Gogo. */
class UnixSocketConsoleTest {
    @TempDir
    Path temp;

    private UnixSocketConsole console;

    @AfterEach
    void stop() {
        if (console != null) {
            console.deactivate();
        }
    }

    private Path start(Path socket) throws IOException {
        console = activated(socket, false);
        return socket;
    }

    private static UnixSocketConsole activated(Path socket, boolean handingOver) throws IOException {
        UnixSocketConsole started = new UnixSocketConsole(Fakes.processor((line, out) -> {
            if (line.startsWith("echo ")) {
                out.println(line.substring(5));
                return null;
            }
            throw new IllegalArgumentException("Command not found: " + line);
        }), Fakes.logger(), socket, handingOver);
        started.activate();
        return started;
    }

    /** bin/restart, many times over: the new runtime's console takes the path the moment the old one lets go. */
    @Test
    void aTakingOverConsoleGetsThePathOnceThePreviousOneCloses() throws Exception {
        Path socket = start(temp.resolve("data/console.sock"));
        for (int restart = 0; restart < 20; restart++) {
            UnixSocketConsole next = activated(socket, true);
            assertEquals(0, client("--socket", socket.toString(), "echo", "old").status(), "the old one still answers");
            console.deactivate();
            console = next;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (client("--socket", socket.toString(), "--ping").status() != 0) {
                assertTrue(System.nanoTime() < deadline, "restart " + restart + ": the new console took the path");
                Thread.sleep(20);
            }
        }
    }

    @Test
    void socketIsOwnerOnlyInAnOwnerOnlyDirectory() throws IOException {
        Path socket = start(temp.resolve("data/console.sock"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
        console.deactivate();
        console = null;
        assertFalse(Files.exists(socket), "socket deleted on deactivate");
    }

    @Test
    void existingDirectoryLosesGroupAndOthersAccess() throws IOException {
        Path data = Files.createDirectory(temp.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        start(data.resolve("console.sock"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
    }

    @Test
    void runsOneCommandWithItsStatus() throws IOException {
        Path socket = start(temp.resolve("console.sock"));
        Run ok = client("--socket", socket.toString(), "echo", "hello", "world");
        assertEquals(new Run(0, "hello world\n", ""), ok);
        Run failed = client("--socket", socket.toString(), "nonsense");
        assertEquals(new Run(1, "", "Command not found: nonsense\n"), failed);
        assertEquals(0, client("--socket", socket.toString(), "--ping").status());
    }

    @Test
    void attachesWithPromptUntilExit() throws IOException {
        Path socket = start(temp.resolve("console.sock"));
        Run run = client("echo one\n\nnonsense\nexit\necho never\n", Map.of("TPROXY_CONSOLE_SOCKET", socket.toString()));
        assertEquals(new Run(0, "tproxy> one\ntproxy> tproxy> tproxy> ", "Command not found: nonsense\n"), run);
        Run eof = client("echo two\n", Map.of("TPROXY_CONSOLE_SOCKET", socket.toString()));
        assertEquals(new Run(0, "tproxy> two\ntproxy> \n", ""), eof);
    }

    @Test
    void staleSocketIsReplacedButALiveOneIsNot() throws IOException {
        Path socket = temp.resolve("console.sock");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            live.bind(UnixDomainSocketAddress.of(socket));
            IOException refused = assertThrows(IOException.class, () -> start(socket));
            assertTrue(refused.getMessage().contains("another console"), refused.getMessage());
            console = null;
        }
        assertTrue(Files.exists(socket), "a closed server channel leaves its node behind: the stale case");
        start(socket);
        assertEquals(0, client("--socket", socket.toString(), "echo", "x").status());
    }

    @Test
    void refusesToReplaceSomethingThatIsNotASocket() throws IOException {
        Path file = Files.writeString(temp.resolve("console.sock"), "precious");
        assertThrows(IOException.class, () -> start(file));
        console = null;
        assertEquals("precious", Files.readString(file));
    }

    @Test
    void clientReportsAnUnreachableConsoleAndUsageErrors() {
        Run unreachable = client("--socket", temp.resolve("nothing.sock").toString(), "lb");
        assertEquals(ConsoleClient.UNREACHABLE, unreachable.status());
        assertTrue(unreachable.err().startsWith("cannot reach the tproxy console at "), unreachable.err());
        assertEquals(ConsoleClient.USAGE, client("lb").status());
        assertEquals(ConsoleClient.USAGE, client("--bogus").status());
    }

    @Test
    void socketPathComesFromFrameworkProperties() {
        Map<String, String> explicit = Map.of("tproxy.console.socket", "/run/tproxy/c.sock", "tproxy.home", "/opt/tproxy");
        assertEquals(Path.of("/run/tproxy/c.sock"), UnixSocketConsole.socketPath(explicit::get));
        Map<String, String> home = Map.of("tproxy.home", "/opt/tproxy");
        assertEquals(Path.of("/opt/tproxy/data/console.sock"), UnixSocketConsole.socketPath(home::get));
        assertEquals(Path.of("data/console.sock").toAbsolutePath(), UnixSocketConsole.socketPath(key -> null));
    }

    record Run(int status, String out, String err) {}

    private static Run client(String... args) {
        return client("", Map.of(), args);
    }

    private static Run client(String stdin, Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new ConsoleClient(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
            .run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), env.get("TPROXY_CONSOLE_SOCKET"));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
