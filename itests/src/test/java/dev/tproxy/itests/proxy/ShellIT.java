package dev.tproxy.itests.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Json;
import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import dev.tproxy.itests.lab.Shell;
import dev.tproxy.itests.runtime.RuntimeUnderTest;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operator's console on the real runtime with live connections: list, inspect, drop, count, diagnose. */
class ShellIT {
    private static EchoLab echoLab;
    private static Lab lab;
    private static Peers peers;
    private static RuntimeUnderTest runtime;

    @BeforeAll
    static void start() throws Exception {
        echoLab = EchoLab.start();
        lab = echoLab.lab();
        peers = echoLab.peers();
        runtime = echoLab.runtime();
    }

    @AfterAll
    static void stop() {
        if (echoLab != null) {
            echoLab.close();
        }
    }

    private static Socket echoing() throws Exception {
        Socket socket = peers.dial(Lab.SERVER_V4, TestServers.ECHO);
        socket.setSoTimeout(5000);
        socket.getOutputStream().write("ping".getBytes());
        assertEquals("ping", new String(socket.getInputStream().readNBytes(4)));
        return socket;
    }

    /** The id of the live connection whose client port is {@code socket}'s local port. */
    private static long idOf(Socket socket) {
        Object listing = runtime.json("tproxy:connections --json");
        for (Object connection : (List<?>) Json.at(listing, "connections")) {
            if (Json.at(connection, "client").equals(Lab.CLIENT_V4 + ":" + socket.getLocalPort())) {
                return Json.number(connection, "id");
            }
        }
        throw new AssertionError("connection from port " + socket.getLocalPort() + " not listed: " + listing);
    }

    @Test
    void aLiveConnectionIsListedWithItsOriginalDestinationAndInspectable() throws Exception {
        try (Socket client = echoing()) {
            long id = idOf(client);
            String table = runtime.console("tproxy:connections --port 80");
            assertTrue(table.startsWith("ID  LISTENER  CLIENT"), table);
            String row = table.lines().filter(line -> line.contains(":" + client.getLocalPort() + " ")).findFirst().orElseThrow();
            assertTrue(row.contains("198.18.2.2:80") && row.contains("relaying"), row);
            Object info = runtime.json("tproxy:info --json " + id);
            assertEquals("198.18.2.2:80", Json.at(info, "destination"));
            assertEquals(Lab.CLIENT_V4, ((String) Json.at(info, "upstreamSource")).split(":")[0]);
            assertTrue(Json.number(info, "clientFd") > 2 && Json.number(info, "upstreamFd") > 2, info.toString());
            assertEquals(0, Json.number(info, "pipedFromClient"));
        }
    }

    @Test
    void dropClosesWithFinAndTheConnectionDisappears() throws Exception {
        try (Socket client = echoing()) {
            long id = idOf(client);
            String said = runtime.console("tproxy:drop " + id);
            assertTrue(said.startsWith("dropped 1 connection"), said);
            assertEquals(-1, client.getInputStream().read(), "the client sees FIN");
            RuntimeUnderTest.await("connection " + id + " gone", Duration.ofSeconds(5),
                    () -> !runtime.console("tproxy:connections").contains("\n " + id + " "));
            Shell.Result again = runtime.tryConsole("tproxy:drop " + id);
            assertEquals(1, again.exitCode(), "an id that does not exist any more: " + again.output());
            assertTrue(again.output().contains("dropped nothing: no live connection with id " + id), again.output());
        }
    }

    @Test
    void dropWithResetResetsTheClient() throws Exception {
        try (Socket client = echoing()) {
            runtime.console("tproxy:drop --reset " + idOf(client));
            SocketException reset = assertThrows(SocketException.class, () -> client.getInputStream().read());
            assertTrue(reset.getMessage().contains("reset"), reset.getMessage());
        }
    }

    @Test
    void dropByFilterTakesOnlyWhatMatchesAndAnEmptyFilterNeedsAll() throws Exception {
        try (Socket client = echoing()) {
            Shell.Result everything = runtime.tryConsole("tproxy:drop");
            assertNotEquals(0, everything.exitCode());
            assertEquals(1, everything.output().strip().lines().count(), everything.output());
            assertTrue(everything.output().contains("--all"), everything.output());
            assertTrue(runtime.console("tproxy:drop --client 198.18.9.0/24").contains("dropped nothing")
                    || runtime.console("tproxy:connections").contains(":" + client.getLocalPort()));
            String dropped = runtime.console("tproxy:drop --client 198.18.1.0/24 --port 80");
            assertTrue(dropped.startsWith("dropped 1 connection"), dropped);
            assertEquals(-1, client.getInputStream().read());
        }
    }

    @Test
    void statsCountTheTrafficSent() throws Exception {
        Object before = runtime.json("tproxy:stats --json");
        try (Socket client = peers.dial(Lab.SERVER_V4, TestServers.ECHO)) {
            client.getOutputStream().write(new byte[100_000]);
            client.shutdownOutput();
            assertEquals(100_000, client.getInputStream().readAllBytes().length);
        }
        RuntimeUnderTest.await("the connection counted as closed", Duration.ofSeconds(5),
                () -> Json.number(runtime.json("tproxy:stats --json"), "total", "closed") == Json.number(before, "total", "closed") + 1);
        Object after = runtime.json("tproxy:stats --json");
        assertEquals(Json.number(before, "total", "accepted") + 1, Json.number(after, "total", "accepted"));
        assertEquals(Json.number(before, "total", "bytesFromClient") + 100_000, Json.number(after, "total", "bytesFromClient"));
        assertEquals(Json.number(before, "total", "bytesFromServer") + 100_000, Json.number(after, "total", "bytesFromServer"));
        assertEquals(Json.number(after, "total", "accepted"), Json.number(after, "listeners", "default", "accepted"));
    }

    @Test
    void doctorReportsARuleThatWasRemoved() {
        Shell.Result healthy = runtime.tryConsole("tproxy:doctor");
        assertEquals(0, healthy.exitCode(), "no FAIL (a WARN stays 0): " + healthy.output());
        assertTrue(healthy.output().lines().anyMatch(line -> line.contains("OK") && line.contains("TPROXY to :9876")), healthy.output());
        assertTrue(healthy.output().lines().anyMatch(line -> line.contains("OK") && line.contains("fail mode")), healthy.output());
        lab.exec(lab.router(), "nft", "delete", "table", "inet", "tproxy_host");
        try {
            Shell.Result broken = runtime.tryConsole("tproxy:doctor");
            assertEquals(1, broken.exitCode(), "a FAIL makes bin/client exit 1");
            assertTrue(broken.output().lines().anyMatch(line -> line.contains("FAIL") && line.contains("TPROXY to :9876")), broken.output());
            assertTrue(broken.output().contains("fix:"), broken.output());
        } finally {
            lab.intercept(9876, "80");
        }
    }

    @Test
    void noCommandOpensANetworkConsole() {
        for (String command : new String[] {"gogo:telnetd start", "telnetd -p 2019 start"}) {
            Shell.Result refused = runtime.tryConsole(command);
            assertEquals(1, refused.exitCode(), refused.output());
            assertTrue(refused.output().contains("telnetd: refused: it would open an unauthenticated console on a TCP port"),
                    refused.output());
        }
        assertFalse(lab.exec(lab.router(), "ss", "-Hltn").contains(":2019 "), "nothing listens on telnetd's port");
    }

    @Test
    void badInputAnswersWithOneLineNamingTheArgument() {
        for (String command : new String[] {"tproxy:connections --client 300.1.1.1/8", "tproxy:info 99999",
                "tproxy:connections --older-than soon", "tproxy:connections --state open", "tproxy:connections --bogus",
                "tproxy:info"}) {
            Shell.Result result = runtime.tryConsole(command);
            assertNotEquals(0, result.exitCode(), command);
            assertEquals(1, result.output().strip().lines().count(), command + " said:\n" + result.output());
            assertTrue(!result.output().contains("\tat "), command + " printed a stack trace:\n" + result.output());
        }
        assertTrue(runtime.tryConsole("tproxy:connections --client 300.1.1.1/8").output().contains("--client"));
        assertTrue(runtime.tryConsole("tproxy:connections --bogus").output().contains("unknown option '--bogus'"));
    }

    @Test
    void helpDescribesEveryCommand() {
        for (String command : new String[] {"connections", "info", "drop", "stats", "listeners", "doctor"}) {
            String help = runtime.console("help tproxy:" + command);
            assertTrue(help.startsWith(command + " - ") && help.contains("scope: tproxy"), help);
        }
    }

    @Test
    void listenersShowStateAndConfiguration() throws IOException {
        Object listeners = runtime.json("tproxy:listeners --json");
        assertEquals("running", Json.at(listeners, "listeners", 0, "state"));
        assertEquals("9876", Json.at(listeners, "listeners", 0, "settings", "port"));
    }
}
