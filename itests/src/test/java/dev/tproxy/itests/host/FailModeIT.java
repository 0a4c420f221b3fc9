package dev.tproxy.itests.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a diverted client meets while no transparent listener is there (the proxy stopped, or still starting):
 * with {@code --fail closed} (the default) a reset, and its server never sees it; with {@code --fail open} its
 * server, unproxied. And what {@code tproxy-host stopped} (the unit's ExecStopPost) leaves in each mode.
 */
class FailModeIT {
    private static final int PORT = 80;
    private static Lab lab;
    private static Peers peers;
    private static final AtomicInteger reachedServer = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        lab = Lab.create();
        peers = new Peers(lab);
        for (String address : new String[] {Lab.SERVER_V4, Lab.SERVER_V6}) {
            ServerSocket server = peers.listen(address, PORT);
            peers.serve(server, socket -> {
                reachedServer.incrementAndGet();
                try (socket) {
                    socket.getOutputStream().write("direct".getBytes());
                } catch (IOException e) {
                    // The client went away: counted already.
                }
            });
        }
    }

    @AfterAll
    static void stop() {
        if (peers != null) {
            peers.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    private static String server(String family) {
        return family.equals("ipv6") ? Lab.SERVER_V6 : Lab.SERVER_V4;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    void failClosedByDefaultResetsTheClientAndTheRulesOutliveTheProxy(String family) throws Exception {
        lab.intercept(9876, String.valueOf(PORT));
        String status = lab.exec(lab.router(), Lab.hostScript(), "status");
        assertTrue(status.contains("fail:     closed (while no transparent listener takes a diverted SYN, the client gets a reset)"), status);
        int before = reachedServer.get();
        assertRefused(family);

        lab.exec(lab.router(), Lab.hostScript(), "stopped");
        assertEquals(0, lab.tryExec(lab.router(), Lab.hostScript(), "status").exitCode(), "stopped keeps every rule");
        assertRefused(family);
        assertEquals(before, reachedServer.get(), "no diverted flow reached its server unproxied");
        lab.exec(lab.router(), Lab.hostScript(), "down");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    void failOpenLetsTheFlowPassUnproxiedAndStoppedRemovesTheRules(String family) throws Exception {
        lab.intercept(9876, String.valueOf(PORT), "--fail", "open");
        String status = lab.exec(lab.router(), Lab.hostScript(), "status");
        assertTrue(status.contains("fail:     open"), status);
        int before = reachedServer.get();
        try (Socket client = peers.dial(server(family), PORT)) {
            assertEquals("direct", new String(client.getInputStream().readAllBytes()));
        }
        assertEquals(before + 1, reachedServer.get());

        lab.exec(lab.router(), Lab.hostScript(), "stopped");
        assertEquals(3, lab.tryExec(lab.router(), Lab.hostScript(), "status").exitCode(), "stopped removed the rules");
    }

    private static void assertRefused(String family) {
        ConnectException refused = assertThrows(ConnectException.class, () -> peers.dial(server(family), PORT).close());
        assertTrue(refused.getMessage().contains("refused"), refused.getMessage());
    }
}
