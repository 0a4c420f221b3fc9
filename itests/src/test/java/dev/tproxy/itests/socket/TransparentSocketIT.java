package dev.tproxy.itests.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.socket.api.Accepted;
import dev.tproxy.socket.api.ConnectOptions;
import dev.tproxy.socket.api.Epoll;
import dev.tproxy.socket.api.EpollEvents;
import dev.tproxy.socket.api.IoStatus;
import dev.tproxy.socket.api.ListenOptions;
import dev.tproxy.socket.api.ListeningSocket;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;
import dev.tproxy.socket.api.TransparentSocketService;
import dev.tproxy.socket.internal.JnaTransparentSocketService;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The native-socket service against real kernel TPROXY: a client, a router and a server in network
 * namespaces, the router's rules installed by native/tproxy-host. Threads enter the namespaces with setns,
 * so every socket lives where a real one would.
 */
class TransparentSocketIT {
    private static final int LISTENER_PORT = 9876;
    private static final int SERVER_PORT = 80;

    private static Lab lab;
    private final TransparentSocketService service = new JnaTransparentSocketService();

    @BeforeAll
    static void buildLab() {
        lab = Lab.create();
        lab.intercept(LISTENER_PORT, String.valueOf(SERVER_PORT));
    }

    @AfterAll
    static void tearDownLab() {
        if (lab != null) {
            lab.close();
        }
    }

    private static boolean v6(String family) {
        return family.equals("ipv6");
    }

    private static String serverAddress(String family) {
        return v6(family) ? Lab.SERVER_V6 : Lab.SERVER_V4;
    }

    private ListeningSocket transparentListener(String family) throws Exception {
        InetAddress any = InetAddress.getByName(v6(family) ? "::" : "0.0.0.0");
        return lab.inNamespace(lab.router(), () -> service.listen(ListenOptions.transparent(any, LISTENER_PORT, 64)));
    }

    /** A client in the client namespace that dials the server's address; TPROXY takes it to the router. */
    private CompletableFuture<Socket> dialServer(String family) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return lab.inNamespace(lab.client(), () -> {
                    Socket socket = new Socket();
                    socket.connect(new InetSocketAddress(serverAddress(family), SERVER_PORT), 5000);
                    return socket;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private Accepted acceptWithin(ListeningSocket listener, int millis) {
        try (Epoll epoll = service.openEpoll(1)) {
            epoll.register(listener, EpollEvents.IN, 1);
            assertEquals(1, epoll.await(millis), "no diverted connection arrived at the transparent listener");
        }
        Accepted accepted = listener.accept();
        assertNotNull(accepted);
        return accepted;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    void acceptReportsTheDestinationTheClientDialled(String family) throws Exception {
        try (ListeningSocket listener = transparentListener(family)) {
            Socket client = dialServer(family).get(10, TimeUnit.SECONDS);
            Accepted accepted = acceptWithin(listener, 5000);
            assertEquals(new InetSocketAddress(serverAddress(family), SERVER_PORT), accepted.originalDestination());
            assertEquals(client.getLocalSocketAddress(), accepted.client());
            accepted.socket().close();
            client.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipv4-client", "ipv4-router", "ipv6-client", "ipv6-router"})
    void theServerSeesTheClientOrTheRouterAsConfigured(String variant) throws Exception {
        String family = variant.substring(0, 4);
        boolean asClient = variant.endsWith("client");
        try (ListeningSocket listener = transparentListener(family);
                ServerSocket server = lab.inNamespace(lab.server(), () -> new ServerSocket(SERVER_PORT, 16, InetAddress.getByName(serverAddress(family))))) {
            CompletableFuture<InetAddress> seenByServer = CompletableFuture.supplyAsync(() -> {
                try (Socket peer = server.accept()) {
                    return peer.getInetAddress();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Socket client = dialServer(family).get(10, TimeUnit.SECONDS);
            Accepted accepted = acceptWithin(listener, 5000);
            ConnectOptions options = asClient
                    ? ConnectOptions.asClient(accepted.originalDestination(), accepted.client().getAddress(), 0)
                    : ConnectOptions.asRouter(accepted.originalDestination(), 0);
            StreamSocket upstream = lab.inNamespace(lab.router(), () -> service.connect(options));
            awaitConnected(upstream);
            InetAddress expected = InetAddress.getByName(asClient
                    ? (v6(family) ? Lab.CLIENT_V6 : Lab.CLIENT_V4)
                    : (v6(family) ? Lab.ROUTER_SERVER_SIDE_V6 : Lab.ROUTER_SERVER_SIDE_V4));
            assertEquals(expected, seenByServer.get(10, TimeUnit.SECONDS));
            upstream.close();
            accepted.socket().close();
            client.close();
        }
    }

    private void awaitConnected(StreamSocket socket) {
        try (Epoll epoll = service.openEpoll(1)) {
            epoll.register(socket, EpollEvents.OUT, 1);
            assertEquals(1, epoll.await(5000), "upstream connect did not complete");
        }
        assertEquals(0, socket.socketError(), "upstream connect failed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    void spliceRelays16MiBFromClientToServerByteExact(String family) throws Exception {
        byte[] payload = new byte[16 << 20];
        new Random(42).nextBytes(payload);
        byte[] expectedDigest = MessageDigest.getInstance("SHA-256").digest(payload);
        try (ListeningSocket listener = transparentListener(family);
                ServerSocket server = lab.inNamespace(lab.server(), () -> new ServerSocket(SERVER_PORT, 16, InetAddress.getByName(serverAddress(family))));
                Pipe pipe = service.openPipe(1 << 20); Epoll epoll = service.openEpoll(4)) {
            CompletableFuture<byte[]> serverDigest = CompletableFuture.supplyAsync(() -> {
                try (Socket peer = server.accept(); InputStream in = peer.getInputStream()) {
                    MessageDigest digest = MessageDigest.getInstance("SHA-256");
                    byte[] buffer = new byte[65536];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        digest.update(buffer, 0, n);
                    }
                    return digest.digest();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Socket client = dialServer(family).get(10, TimeUnit.SECONDS);
            CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
                try (OutputStream out = client.getOutputStream()) {
                    out.write(payload);
                    client.shutdownOutput();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Accepted accepted = acceptWithin(listener, 5000);
            StreamSocket upstream = lab.inNamespace(lab.router(),
                    () -> service.connect(ConnectOptions.asClient(accepted.originalDestination(), accepted.client().getAddress(), 0)));
            awaitConnected(upstream);
            StreamSocket source = accepted.socket();
            epoll.register(source, EpollEvents.IN | EpollEvents.RDHUP, 1);
            epoll.register(upstream, EpollEvents.OUT, 2);
            long inPipe = 0;
            long relayed = 0;
            boolean ended = false;
            while (!ended || inPipe > 0) {
                epoll.await(1000);
                if (!ended && inPipe < pipe.capacity()) {
                    long n = source.spliceTo(pipe, pipe.capacity() - inPipe);
                    if (n == IoStatus.END_OF_STREAM) {
                        ended = true;
                    } else if (n > 0) {
                        inPipe += n;
                    }
                }
                if (inPipe > 0) {
                    long n = pipe.spliceTo(upstream, inPipe);
                    if (n > 0) {
                        inPipe -= n;
                        relayed += n;
                    }
                }
            }
            upstream.shutdownOutput();
            sender.get(30, TimeUnit.SECONDS);
            assertArrayEquals(expectedDigest, serverDigest.get(30, TimeUnit.SECONDS), "sha256 of what the server received");
            assertEquals(payload.length, relayed);
            assertTrue(upstream.isOpen());
            upstream.close();
            source.close();
            client.close();
        }
    }
}
