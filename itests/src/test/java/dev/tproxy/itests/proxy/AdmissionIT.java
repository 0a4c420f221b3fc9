package dev.tproxy.itests.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import dev.tproxy.itests.lab.Shell;
import dev.tproxy.itests.runtime.RuntimeUnderTest;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Who gets in: ACLs, limits, the loop guard, running out of descriptors — each refusal a reset, counted by reason. */
class AdmissionIT {
    private static Lab lab;
    private static Peers peers;
    private static RuntimeUnderTest runtime;
    private static ServerSocket echo;
    private final List<Socket> open = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        lab = Lab.create();
        lab.intercept(9876, "80-81");
        peers = new Peers(lab);
        echo = peers.listen(Lab.SERVER_V4, TestServers.ECHO);
        peers.serve(echo, TestServers::echo);
        ServerSocket echo6 = peers.listen(Lab.SERVER_V6, TestServers.ECHO);
        peers.serve(echo6, TestServers::echo);
        runtime = RuntimeUnderTest.install(lab, Map.of()).start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (runtime != null) {
            runtime.close();
        }
        if (peers != null) {
            peers.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @AfterEach
    void closeAndRestore() throws IOException {
        for (Socket socket : open) {
            socket.close();
        }
        runtime.reconfigure("default", Map.of());
    }

    private Socket connect(String address, int port) throws Exception {
        Socket socket = peers.dial(address, port);
        socket.setSoTimeout(5000);
        open.add(socket);
        return socket;
    }

    private void assertEchoes(Socket socket) throws IOException {
        socket.getOutputStream().write("ping".getBytes());
        assertEquals("ping", new String(socket.getInputStream().readNBytes(4)));
    }

    /**
     * The client sees a reset: on its first read, or already in connect when the proxy's RST (a refusal takes
     * microseconds in the lab) arrives before connect() returns.
     */
    private void assertReset(String address, int port) {
        SocketException reset = assertThrows(SocketException.class, () -> connect(address, port).getInputStream().read());
        assertTrue(reset.getMessage().contains("reset"), reset.getMessage());
    }

    @Test
    void clientsOutsideTheAllowedNetworksAreResetAndCounted() throws Exception {
        runtime.reconfigure("default", Map.of("allowed.clients", new String[] {"2001:2::/48"}));
        long before = runtime.stat("total", "refused", "acl");
        assertReset(Lab.SERVER_V4, TestServers.ECHO);
        assertEchoes(connect(Lab.SERVER_V6, TestServers.ECHO));
        assertEquals(before + 1, runtime.stat("total", "refused", "acl"));
    }

    @Test
    void theListenerLimitResetsTheNextClient() throws Exception {
        runtime.reconfigure("default", Map.of("max.connections", 2));
        long before = runtime.stat("total", "refused", "connection-limit");
        assertEchoes(connect(Lab.SERVER_V4, TestServers.ECHO));
        assertEchoes(connect(Lab.SERVER_V4, TestServers.ECHO));
        assertReset(Lab.SERVER_V4, TestServers.ECHO);
        assertEquals(before + 1, runtime.stat("total", "refused", "connection-limit"));
    }

    @Test
    void thePerClientLimitResetsTheNextConnectionOfThatClient() throws Exception {
        runtime.reconfigure("default", Map.of("max.connections.per.client", 1));
        long before = runtime.stat("total", "refused", "client-limit");
        assertEchoes(connect(Lab.SERVER_V4, TestServers.ECHO));
        assertReset(Lab.SERVER_V4, TestServers.ECHO);
        assertEchoes(connect(Lab.SERVER_V6, TestServers.ECHO));
        assertEquals(before + 1, runtime.stat("total", "refused", "client-limit"));
    }

    /**
     * tproxy-host's rules leave traffic for the router's own addresses alone; a rule set without that guard diverts
     * it to the proxy, which must refuse it itself (docs/design.md, "Admission and destinations"): without the
     * policy it would dial the router from the client's address.
     */
    @Test
    void aDivertedConnectionToTheRoutersOwnAddressIsRefusedWhateverThePort() throws Exception {
        String table = "inet tpxnoguard";
        lab.exec(lab.router(), "nft", "add table " + table + "; add chain " + table
                + " pre { type filter hook prerouting priority mangle - 5; policy accept; }; add rule " + table
                + " pre meta nfproto ipv4 tcp dport 7777 tproxy ip to :9876 meta mark set 1 accept; add rule " + table
                + " pre meta nfproto ipv6 tcp dport 7777 tproxy ip6 to :9876 meta mark set 1 accept");
        try {
            long before = runtime.stat("total", "refused", "destination");
            long dialled = runtime.stat("total", "upstreamFailures", "refused");
            assertReset(Lab.ROUTER_CLIENT_SIDE_V4, 7777);
            assertReset(Lab.ROUTER_CLIENT_SIDE_V6, 7777);
            RuntimeUnderTest.await("both refusals counted", Duration.ofSeconds(5),
                    () -> runtime.stat("total", "refused", "destination") == before + 2);
            assertEquals(dialled, runtime.stat("total", "upstreamFailures", "refused"), "the router was never dialled");
        } finally {
            lab.exec(lab.router(), "nft", "delete table " + table);
        }
    }

    @Test
    void aConnectionToTheProxysOwnPortIsRefusedAsALoop() throws Exception {
        long before = runtime.stat("total", "refused", "loop");
        assertReset(Lab.ROUTER_CLIENT_SIDE_V4, 9876);
        assertEquals(before + 1, runtime.stat("total", "refused", "loop"));
    }

    @Test
    void aRefusedUpstreamIsCountedByReason() throws Exception {
        long before = runtime.stat("total", "upstreamFailures", "refused");
        assertReset(Lab.SERVER_V4, TestServers.CLOSED);
        RuntimeUnderTest.await("the failure counted", Duration.ofSeconds(5),
                () -> runtime.stat("total", "upstreamFailures", "refused") == before + 1);
    }

    @Test
    void outOfDescriptorsNewClientsAreResetWithoutSpinningAndServiceRecovers() throws Exception {
        String pid = String.valueOf(runtime.pid());
        String limits = Shell.run(Duration.ofSeconds(10), "prlimit", "--pid", pid, "--nofile", "--output", "SOFT,HARD", "--noheadings").trim();
        String[] softHard = limits.split("\\s+");
        // No free descriptor at all (a console connection still closing may leave one: either way the next
        // accept or upstream socket fails with EMFILE).
        int tight = runtime.openFiles();
        long before = runtime.stat("total", "refused", "no-file-descriptors");
        Shell.run(Duration.ofSeconds(10), "prlimit", "--pid", pid, "--nofile=" + tight + ":" + softHard[1]);
        try {
            for (int i = 0; i < 5; i++) {
                assertReset(Lab.SERVER_V4, TestServers.ECHO);
            }
            double cpuBefore = runtime.cpuSeconds();
            Thread.sleep(2000);
            double cpu = runtime.cpuSeconds() - cpuBefore;
            assertTrue(cpu < 0.5, "the runtime used " + cpu + " CPU seconds in 2 s while out of descriptors");
        } finally {
            Shell.run(Duration.ofSeconds(10), "prlimit", "--pid", pid, "--nofile=" + softHard[0] + ":" + softHard[1]);
        }
        assertTrue(runtime.stat("total", "refused", "no-file-descriptors") >= before + 5);
        assertEchoes(connect(Lab.SERVER_V4, TestServers.ECHO));
    }
}
