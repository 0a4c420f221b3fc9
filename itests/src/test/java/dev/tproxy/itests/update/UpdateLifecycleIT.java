package dev.tproxy.itests.update;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import dev.tproxy.itests.runtime.Jars;
import dev.tproxy.itests.runtime.RuntimeUnderTest;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the other lifecycle events do to live connections: stopping the proxy bundle and deleting a listener close
 * them after the grace period; updating the shell leaves them alone; updating native-socket keeps them too.
 */
class UpdateLifecycleIT {
    private Lab lab;
    private Peers peers;
    private RuntimeUnderTest runtime;
    private int baselineFds;

    @BeforeEach
    void start() throws Exception {
        lab = Lab.create();
        lab.intercept(9876, "80");
        peers = new Peers(lab);
        ServerSocket echo = peers.listen(Lab.SERVER_V4, 80);
        peers.serve(echo, socket -> {
            try (socket) {
                socket.getInputStream().transferTo(socket.getOutputStream());
            } catch (IOException e) {
                // The client's checks report it.
            }
        });
        runtime = RuntimeUnderTest.install(lab, Map.of());
        runtime.writeEtc("dev.tproxy.engine.cfg", "grace.period=5s\n");
        runtime.start();
        echo(peers.dial(Lab.SERVER_V4, 80)).close();
        RuntimeUnderTest.await("the first connection closed", Duration.ofSeconds(5),
                () -> runtime.console("tproxy:connections").contains("0 connections"));
        baselineFds = runtime.openFiles();
    }

    @AfterEach
    void stop() {
        runtime.close();
        peers.close();
        lab.close();
    }

    private static Socket echo(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write("ping".getBytes());
        assertEquals("ping", new String(socket.getInputStream().readNBytes(4)));
        return socket;
    }

    private void awaitBaselineFds() {
        RuntimeUnderTest.await("descriptors back to " + baselineFds, Duration.ofSeconds(20), () -> runtime.openFiles() <= baselineFds);
    }

    @Test
    void stoppingTheProxyBundleClosesItsConnectionsAfterTheGracePeriod() throws Exception {
        try (Socket client = echo(peers.dial(Lab.SERVER_V4, 80))) {
            long from = runtime.logSizeNow();
            runtime.console("stop " + runtime.bundleId("dev.tproxy.proxy"));
            long stopped = System.nanoTime();
            runtime.awaitLog(from, line -> line.contains("was not claimed within its grace period"));
            assertEquals(-1, client.getInputStream().read(), "closed once the grace period is over");
            long millis = (System.nanoTime() - stopped) / 1_000_000;
            assertTrue(millis >= 4500, "closed after " + millis + " ms, before the 5s grace period");
        }
        awaitBaselineFds();
    }

    @Test
    void deletingAListenersConfigurationDrainsItsConnectionsForTheGracePeriod() throws Exception {
        try (Socket client = echo(peers.dial(Lab.SERVER_V4, 80))) {
            long from = runtime.logSizeNow();
            runtime.deleteEtc("dev.tproxy.listener-default.config");
            runtime.awaitLog(from, line -> line.contains("listener default: removed"));
            echo(client);
            assertEquals(-1, client.getInputStream().read(), "closed when the grace period is over");
        }
        awaitBaselineFds();
    }

    @Test
    void updatingTheShellLeavesConnectionsAlone() throws Exception {
        try (Socket client = echo(peers.dial(Lab.SERVER_V4, 80))) {
            String before = runtime.console("tproxy:connections --json");
            long from = runtime.logSizeNow();
            java.nio.file.Path jar = runtime.home().resolve("deploy/dev.tproxy.shell.jar");
            Jars.restamp(jar, jar, "shellupdate");
            runtime.awaitLog(from, line -> line.contains("Started bundle") && line.contains("dev.tproxy.shell.jar"));
            echo(client);
            RuntimeUnderTest.await("the shell back", Duration.ofSeconds(10), () -> runtime.tryConsole("tproxy:connections --json").exitCode() == 0);
            assertEquals(idsOf(before), idsOf(runtime.console("tproxy:connections --json")));
        }
    }

    private static String idsOf(String json) {
        return json.replaceAll("(?s).*?\"id\"\\s*:\\s*(\\d+)|.*", "$1 ").trim();
    }

    @Test
    void updatingNativeSocketKeepsConnectionsAndServiceResumes() throws Exception {
        updateNativeSocketUnderAConnection(jar -> Jars.restamp(jar, jar, "nsupdate"),
                "keep moving until its next version takes them over",
                "from the previous version of this bundle, which kept them moving until now");
    }

    /**
     * A version without the take-over (a downgrade to one from before it) finds the connections where such versions
     * looked: in the data area's file, which the stopped version writes as that version starts.
     */
    @Test
    void downgradingNativeSocketToAVersionBeforeTheTakeOverKeepsConnections() throws Exception {
        updateNativeSocketUnderAConnection(jar -> Jars.restampWithout(jar, jar, "older", "Tproxy-Parking-Take-Over"),
                "native-socket starting a version without Tproxy-Parking-Take-Over",
                "that the previous version of this bundle left in");
    }

    private interface JarEdit {
        void apply(java.nio.file.Path jar) throws IOException;
    }

    /** Updates native-socket through {@code edit} of its deployed jar, awaiting {@code logged} in that order. */
    private void updateNativeSocketUnderAConnection(JarEdit edit, String... logged) throws Exception {
        try (Socket client = echo(peers.dial(Lab.SERVER_V4, 80))) {
            String before = runtime.console("tproxy:connections --json");
            long from = runtime.logSizeNow();
            edit.apply(runtime.home().resolve("deploy/dev.tproxy.native-socket.jar"));
            for (String line : logged) {
                runtime.awaitLog(from, each -> each.contains(line));
            }
            runtime.awaitLog(from, line -> line.contains("listener default: took over its listening sockets"));
            echo(client);
            assertEquals(idsOf(before), idsOf(runtime.console("tproxy:connections --json")));
        }
        echo(peers.dial(Lab.SERVER_V4, 80)).close();
        awaitBaselineFds();
    }

    /**
     * While native-socket is stopped (not updated), its stopped version keeps the parked connections' bytes moving
     * for their grace period, then closes them; started again, it serves.
     */
    @Test
    void whileNativeSocketIsStoppedItsConnectionsMoveForTheGracePeriod() throws Exception {
        String nativeSocket = runtime.bundleId("dev.tproxy.native-socket");
        try (Socket client = echo(peers.dial(Lab.SERVER_V4, 80))) {
            long from = runtime.logSizeNow();
            runtime.console("stop " + nativeSocket);
            runtime.awaitLog(from, line -> line.contains("native-socket stopping:") && line.contains("keep moving"));
            echo(client);
            echo(client);
            assertEquals(-1, client.getInputStream().read(), "closed once the grace period is over");
        }
        awaitBaselineFds();
        long from = runtime.logSizeNow();
        runtime.console("start " + nativeSocket);
        runtime.awaitLog(from, line -> line.contains("listener default: listening on"));
        echo(peers.dial(Lab.SERVER_V4, 80)).close();
    }
}
