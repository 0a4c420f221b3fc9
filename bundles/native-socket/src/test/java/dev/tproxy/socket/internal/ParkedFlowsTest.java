package dev.tproxy.socket.internal;

import static dev.tproxy.socket.internal.TestSockets.acceptWithin;
import static dev.tproxy.socket.internal.TestSockets.direct;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.socket.api.Accepted;
import dev.tproxy.socket.api.ConnectOptions;
import dev.tproxy.socket.api.HandleParking.Flow;
import dev.tproxy.socket.api.HandleParking.Parked;
import dev.tproxy.socket.api.IoStatus;
import dev.tproxy.socket.api.ListenOptions;
import dev.tproxy.socket.api.ListeningSocket;
import dev.tproxy.socket.api.NativeHandle;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.log.Logger;

/**
 * A parked connection keeps moving: the lot splices both directions of a relay made of real loopback sockets
 * (client end, proxy's two sockets, server end) while it is parked, and the claim says how many bytes moved, what
 * waits in which pipe, and which error stopped a flow. An end of stream is left queued for the owner.
 */
class ParkedFlowsTest {
    private static final Logger LOGGER = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class}, (proxy, method, args) -> null);
    private final JnaTransparentSocketService service = new JnaTransparentSocketService();
    private final List<NativeHandle> opened = new ArrayList<>();
    private HandleParkingLot lot;
    private StreamSocket client;
    private StreamSocket proxyClientSide;
    private StreamSocket proxyServerSide;
    private StreamSocket server;

    @BeforeEach
    void relay() throws Exception {
        lot = new HandleParkingLot(LOGGER);
        try (ListeningSocket listener = service.listen(ListenOptions.ordinary(InetAddress.getLoopbackAddress(), 0, 16))) {
            client = keep(service.connect(ConnectOptions.asRouter(listener.localAddress(), 0)));
            proxyClientSide = keep(acceptWithin(listener).socket());
            proxyServerSide = keep(service.connect(ConnectOptions.asRouter(listener.localAddress(), 0)));
            server = keep(acceptWithin(listener).socket());
        }
    }

    @AfterEach
    void close() {
        lot.deactivate();
        opened.forEach(NativeHandle::close);
    }

    private void park(Pipe fromClientPipe, long pending) {
        List<NativeHandle> handles = new ArrayList<>(List.of(proxyClientSide, proxyServerSide));
        int pipe = -1;
        if (fromClientPipe != null) {
            handles.add(fromClientPipe);
            pipe = 2;
        }
        lot.park("relay/1", Map.of("id", 1L), handles, Duration.ofMinutes(1),
                List.of(Flow.of(0, 1, pipe, 65536, pending), Flow.of(1, 0, -1, 65536, 0)));
    }

    @Test
    void bothDirectionsMoveWhileParkedAndTheClaimCountsThemAndTheThreadGoesOnceNothingMoves() throws Exception {
        Pipe carried = keep(service.openPipe(65536));
        assertEquals(3, client.write(direct("abc")));
        awaitTrue(() -> proxyClientSide.spliceTo(carried, 3) == 3 || carried.buffered() == 3);
        park(carried, 3);

        byte[] up = randomBytes(1, 300_000);
        byte[] down = randomBytes(2, 3_000_000);
        Thread writer = new Thread(() -> writeAll(server, down));
        writer.start();
        writeAll(client, up);
        assertEquals("abc" + new String(up, java.nio.charset.StandardCharsets.ISO_8859_1),
                new String(readExactly(server, 3 + up.length), java.nio.charset.StandardCharsets.ISO_8859_1));
        assertTrue(java.util.Arrays.equals(down, readExactly(client, down.length)), "the server's bytes arrived intact");
        writer.join(10_000);

        Parked claimed = lot.claim("relay/1").orElseThrow();
        assertEquals(3 + up.length, claimed.flows().get(0).moved());
        assertEquals(down.length, claimed.flows().get(1).moved());
        assertEquals(0, claimed.flows().get(0).pending());
        assertEquals(0, claimed.flows().get(1).pending());
        assertEquals(2, claimed.flows().get(0).pipe(), "the pipe it was parked with");
        assertTrue(claimed.flows().get(1).pipe() >= 3, "a pipe of its own for the idle direction, once bytes came");
        assertEquals(claimed.flows().get(1).pipe() + 1, claimed.handles().size());
        claimed.handles().stream().skip(2).forEach(this::keep);
        assertTrue(claimed.flows().stream().noneMatch(Flow::failed));
        awaitTrue(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("tproxy-parked-flows")));
    }

    /** What a stopped version's lot does while its next version takes it over, a batch at a time. */
    @Test
    void takingSomeStopsOnlyTheEntriesTakenAndTheRestMoveOn() throws Exception {
        park(null, 0);
        StreamSocket[] other = new StreamSocket[4];
        try (ListeningSocket listener = service.listen(ListenOptions.ordinary(InetAddress.getLoopbackAddress(), 0, 16))) {
            other[0] = keep(service.connect(ConnectOptions.asRouter(listener.localAddress(), 0)));
            other[1] = keep(acceptWithin(listener).socket());
            other[2] = keep(service.connect(ConnectOptions.asRouter(listener.localAddress(), 0)));
            other[3] = keep(acceptWithin(listener).socket());
        }
        lot.park("relay/2", Map.of("id", 2L), List.of(other[1], other[2]), Duration.ofMinutes(1),
                List.of(Flow.of(0, 1, -1, 65536, 0), Flow.of(1, 0, -1, 65536, 0)));

        List<HandoverProtocol.Entry> taken = lot.takeSome(1);
        assertEquals(List.of("relay/1"), taken.stream().map(entry -> entry.parked().key()).toList());
        taken.get(0).parked().handles().stream().skip(2).forEach(this::keep);
        assertEquals(3, client.write(direct("abc")));
        awaitTrue(() -> proxyClientSide.receiveQueued() == 3); // taken: the bytes wait for the next owner
        assertEquals(3, other[0].write(direct("xyz")));
        assertEquals("xyz", new String(readExactly(other[3], 3), java.nio.charset.StandardCharsets.ISO_8859_1));
        assertEquals(3, proxyClientSide.receiveQueued(), "nothing of a taken entry moved meanwhile");

        List<HandoverProtocol.Entry> rest = lot.takeSome(16);
        assertEquals(List.of("relay/2"), rest.stream().map(entry -> entry.parked().key()).toList());
        assertEquals(3, rest.get(0).parked().flows().get(0).moved());
        rest.get(0).parked().handles().stream().skip(2).forEach(this::keep);
        assertEquals(List.of(), lot.keys(""));
        awaitTrue(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("tproxy-parked-flows")));
    }

    @Test
    void aClaimStopsTheFlowsAndSaysWhatWaitsInThePipe() throws Exception {
        park(null, 0);
        byte[] up = randomBytes(3, 8_000_000);
        ByteBuffer chunk = ByteBuffer.allocateDirect(up.length).put(up).flip();
        // The server reads nothing: its receive buffer, the proxy's send buffer and then the pipe fill up.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (chunk.hasRemaining() && System.nanoTime() < deadline) {
            if (client.write(chunk) == IoStatus.WOULD_BLOCK) {
                Thread.sleep(20);
            }
        }
        Thread.sleep(200);
        Parked claimed = lot.claim("relay/1").orElseThrow();
        claimed.handles().stream().skip(2).forEach(this::keep);
        Flow up0 = claimed.flows().get(0);
        assertTrue(up0.pending() > 0, "bytes wait in the pipe: " + up0);
        assertEquals(up0.pending(), ((Pipe) claimed.handles().get(up0.pipe())).buffered());
        long queuedAtServer = drain(server);
        assertEquals(up0.moved(), queuedAtServer, "every byte counted as moved reached the server, none moved after the claim");
    }

    @Test
    void anEndOfStreamIsLeftToTheOwner() throws Exception {
        park(null, 0);
        assertEquals(2, client.write(direct("hi")));
        assertEquals("hi", new String(readExactly(server, 2)));
        client.shutdownOutput();
        Thread.sleep(200);
        Parked claimed = lot.claim("relay/1").orElseThrow();
        claimed.handles().stream().skip(2).forEach(this::keep);
        assertEquals(2, claimed.flows().get(0).moved());
        assertTrue(claimed.flows().stream().noneMatch(Flow::failed), "a FIN is no error: " + claimed.flows());
        assertEquals(IoStatus.END_OF_STREAM, proxyClientSide.read(ByteBuffer.allocateDirect(16)), "the FIN waits for the owner");
        assertEquals(IoStatus.WOULD_BLOCK, server.read(ByteBuffer.allocateDirect(16)), "and was not passed on while parked");
    }

    @Test
    void anErrorTheLotMeetsIsReportedToTheOwner() throws Exception {
        park(null, 0);
        server.resetAndClose();
        Thread.sleep(100);
        assertEquals(1, client.write(direct("x")));
        Thread.sleep(200);
        Parked claimed = lot.claim("relay/1").orElseThrow();
        claimed.handles().stream().skip(2).forEach(this::keep);
        Flow up = claimed.flows().get(0);
        assertTrue(up.failed() && up.sinkErrno() != 0 && up.sourceErrno() == 0, "writing to the reset server failed: " + up);
    }

    @Test
    void aFlowThatCannotMoveStaysParkedStandingStill() throws Exception {
        proxyServerSide.close();
        park(null, 0);
        Parked claimed = lot.claim("relay/1").orElseThrow();
        assertEquals(List.of(Flow.of(0, 1, -1, 65536, 0), Flow.of(1, 0, -1, 65536, 0)), claimed.flows());
        awaitTrue(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("tproxy-parked-flows")));
    }

    @Test
    void flowsMoveOnInTheProcessThatTookThemOver(@TempDir Path dir) throws Exception {
        park(null, 0);
        assertEquals(3, client.write(direct("one")));
        assertEquals("one", new String(readExactly(server, 3)));
        HandleParkingLot receiver = new HandleParkingLot(LOGGER);
        Path socket = dir.resolve("handover.sock");
        CompletableFuture<Parked> claimed = CompletableFuture.supplyAsync(() -> {
            try {
                receiver.receive(socket, Duration.ofSeconds(5));
                assertEquals(3, client.write(direct("two")));
                assertEquals("two", new String(readExactly(server, 3)), "moved by the receiver while parked there");
                return receiver.claim("relay/1").orElseThrow();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            awaitTrue(() -> Files.exists(socket));
            lot.handOver(socket.toString(), Duration.ofSeconds(5));
            Parked arrived = claimed.get(10, TimeUnit.SECONDS);
            arrived.handles().forEach(this::keep);
            assertEquals(6, arrived.flows().get(0).moved(), "counted in both processes");
            assertTrue(arrived.flows().get(0).pipe() >= 2, "its pipe came along");
            // written once the adoption was confirmed, after the sender's answer: before the temporary directory goes
            awaitTrue(() -> Files.exists(dir.resolve(HandleParkingLot.ADOPTED_FILE)));
        } finally {
            receiver.deactivate();
        }
    }

    @Test
    void entriesNotYetSentMoveOnInTheSenderWhileASlowReceiverParksTheFirstBatch(@TempDir Path dir) throws Exception {
        // The relay, parked last, is in the 19th batch: the sender stops it only once the first batch was parked.
        // Only a few small batches may wait unread (a few KiB); these are very small, so it needs that many.
        for (int i = 0; i < 300; i++) {
            lot.park("listener/" + i, Map.of(), List.of(keep(service.openPipe(65536))), Duration.ofMinutes(1));
        }
        park(null, 0);
        Path socket = dir.resolve("handover.sock");
        List<HandoverProtocol.Entry> arrived = new ArrayList<>();
        CompletableFuture<HandoverProtocol.Received> received = CompletableFuture.supplyAsync(() -> {
            try {
                return HandoverProtocol.receive(socket, Duration.ofSeconds(5), sender -> {}, batch -> {
                    if (arrived.isEmpty()) {
                        sleep(500); // a receiver slower than the sender, as a starting JVM is
                        assertEquals(3, client.write(direct("one")));
                        assertEquals("one", new String(readExactly(server, 3)), "the sender moves what it has not sent yet");
                    }
                    arrived.addAll(batch);
                    batch.forEach(entry -> entry.parked().handles().forEach(this::keep));
                });
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        awaitTrue(() -> Files.exists(socket));
        CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> {
            try {
                return lot.handOver(socket.toString(), Duration.ofSeconds(5));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        HandoverProtocol.confirmAdopted(received.get(10, TimeUnit.SECONDS));
        assertEquals(ProcessHandle.current().pid(), sent.get(10, TimeUnit.SECONDS));
        assertEquals(301, arrived.size());
        Parked relay = arrived.get(300).parked();
        assertEquals("relay/1", relay.key());
        assertEquals(3, relay.flows().get(0).moved(), "the bytes moved before it was sent are counted");
        assertTrue(arrived.get(0).parked().handles().get(0).isOpen());
    }

    @Test
    void anErrorMidHandOverLeavesTheEntriesMovingInTheSender(@TempDir Path dir) throws Exception {
        // The Error comes from the sender's own code once the receiver holds everything (its log line), as a
        // LinkageError or an OutOfMemoryError could: the relay the sender stopped to send it must move again there.
        lot.deactivate();
        lot = new HandleParkingLot((Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("info") && String.valueOf(args[0]).contains("held by the receiver")) {
                        throw new AssertionError("an Error in the sender mid-hand-over");
                    }
                    return null;
                }));
        park(null, 0);
        lot.park("listener/1", Map.of(), List.of(keep(service.openPipe(65536))), Duration.ofMinutes(1));
        Path socket = dir.resolve("handover.sock");
        CompletableFuture<HandoverProtocol.Received> received = CompletableFuture.supplyAsync(() -> {
            try {
                return HandoverProtocol.receive(socket, Duration.ofSeconds(5), sender -> {},
                        batch -> batch.forEach(entry -> entry.parked().handles().forEach(this::keep)));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        awaitTrue(() -> Files.exists(socket));

        AssertionError error = assertThrows(AssertionError.class, () -> lot.handOver(socket.toString(), Duration.ofSeconds(5)));
        assertEquals("an Error in the sender mid-hand-over", error.getMessage());
        received.get(10, TimeUnit.SECONDS).channel().close();
        assertEquals(List.of("relay/1", "listener/1"), lot.keys(""));
        assertEquals(3, client.write(direct("two")));
        assertEquals("two", new String(readExactly(server, 3)), "the relay the sender had stopped moves again");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private <T extends NativeHandle> T keep(T handle) {
        opened.add(handle);
        return handle;
    }

    private static byte[] randomBytes(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static void writeAll(StreamSocket socket, byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (buffer.hasRemaining()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("could not write within 20 s");
            }
            if (socket.write(buffer) == IoStatus.WOULD_BLOCK) {
                Thread.onSpinWait();
            }
        }
    }

    private static byte[] readExactly(StreamSocket socket, int length) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(length);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (buffer.hasRemaining()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("read " + buffer.position() + " of " + length + " bytes within 20 s");
            }
            long n = socket.read(buffer);
            if (n == IoStatus.END_OF_STREAM) {
                throw new AssertionError("end of stream after " + buffer.position() + " of " + length + " bytes");
            }
        }
        byte[] bytes = new byte[length];
        buffer.flip().get(bytes);
        return bytes;
    }

    /** Reads what is queued until nothing comes for 200 ms. */
    private static long drain(StreamSocket socket) throws InterruptedException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        long total = 0;
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < 200_000_000L) {
            buffer.clear();
            long n = socket.read(buffer);
            if (n > 0) {
                total += n;
                quietSince = System.nanoTime();
            } else {
                Thread.sleep(5);
            }
        }
        return total;
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 5 s");
            Thread.sleep(5);
        }
    }
}
