package dev.tproxy.socket.internal;

import static dev.tproxy.socket.internal.TestSockets.acceptWithin;
import static dev.tproxy.socket.internal.TestSockets.direct;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.socket.api.Accepted;
import dev.tproxy.socket.api.ConnectOptions;
import dev.tproxy.socket.api.HandleParking.Flow;
import dev.tproxy.socket.api.HandleParking.Parked;
import dev.tproxy.socket.api.ListenOptions;
import dev.tproxy.socket.api.ListeningSocket;
import dev.tproxy.socket.api.NativeHandle;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.log.Logger;

/**
 * Two parking lots in one process stand for two runtimes: what one parks (a listening socket, a connected socket, a
 * pipe with bytes in it, state of every allowed type) arrives in the other through the AF_UNIX socket with the
 * same state, working descriptors and the bytes, and the sender's copies are closed only once the receiver's
 * users claimed everything. A receiver that does not claim in time leaves everything with the sender.
 */
class HandoverTest {
    private static final Logger LOGGER = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class}, (proxy, method, args) -> null);
    private final JnaTransparentSocketService service = new JnaTransparentSocketService();

    @Test
    void everythingParkedArrivesWorkingAndTheSenderLetsGoOnlyAfterTheClaims(@TempDir Path dir) throws Exception {
        HandleParkingLot sender = new HandleParkingLot(LOGGER);
        HandleParkingLot receiver = new HandleParkingLot(LOGGER);
        try (ListeningSocket listener = service.listen(ListenOptions.ordinary(InetAddress.getLoopbackAddress(), 0, 16))) {
            StreamSocket client = service.connect(ConnectOptions.asRouter(listener.localAddress(), 0));
            Accepted accepted = acceptWithin(listener);
            Pipe pipe = service.openPipe(65536);
            assertEquals(5, client.write(direct("hello")));
            awaitTrue(() -> {
                accepted.socket().spliceTo(pipe, 5);
                return pipe.buffered() == 5;
            });
            Map<String, Object> state = Map.of("id", 42L, "size", 7, "open", true, "name", "relay",
                    "client", new InetSocketAddress("2001:2::1", 4321), "started", Instant.parse("2026-12-04T05:00:00.123456789Z"),
                    "copy", ByteBuffer.wrap(new byte[] {1, 2, 3}));
            sender.park("relay/1", state, List.of(accepted.socket(), pipe), Duration.ofMinutes(1));
            sender.park("counters", Map.of("accepted", 1L), List.of(), Duration.ofMinutes(1));
            Path socket = dir.resolve("handover.sock");

            CompletableFuture<List<Parked>> claimed = CompletableFuture.supplyAsync(() -> {
                try {
                    receiver.receive(socket, Duration.ofSeconds(5));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                assertTrue(accepted.socket().isOpen() && pipe.isOpen(), "the sender keeps its copies until the claims");
                return List.of(receiver.claim("relay/1").orElseThrow(), receiver.claim("counters").orElseThrow());
            });
            awaitTrue(() -> Files.exists(socket));
            assertEquals(ProcessHandle.current().pid(), sender.handOver(socket.toString(), Duration.ofSeconds(5)));
            List<Parked> arrived = claimed.get(5, TimeUnit.SECONDS);
            // written once the adoption was confirmed, after the sender's answer: before the temporary directory goes
            awaitTrue(() -> Files.exists(socket.resolveSibling(HandleParkingLot.ADOPTED_FILE)));

            assertFalse(accepted.socket().isOpen(), "the sender closed its copy of the socket");
            assertFalse(pipe.isOpen(), "the sender closed its copy of the pipe");
            assertEquals(List.of(), sender.keys(""));
            Parked relay = arrived.get(0);
            assertEquals(Map.copyOf(state), relay.state());
            assertEquals(Map.of("accepted", 1L), arrived.get(1).state());
            StreamSocket server = (StreamSocket) relay.handles().get(0);
            Pipe moved = (Pipe) relay.handles().get(1);
            assertEquals(5, moved.buffered(), "the bytes in the pipe came along");
            assertEquals(accepted.client(), server.remoteAddress());
            assertEquals(5, moved.spliceTo(server, 5), "the pipe's bytes go out through the handed-over socket");
            ByteBuffer echo = ByteBuffer.allocateDirect(5);
            awaitTrue(() -> {
                client.read(echo);
                return !echo.hasRemaining();
            });
            assertEquals("hello", text(echo));
            client.close();
            relay.handles().forEach(NativeHandle::close);
        }
    }

    @Test
    void aReceiverThatNeverClaimsLeavesEverythingWithTheSender(@TempDir Path dir) throws Exception {
        HandleParkingLot sender = new HandleParkingLot(LOGGER);
        HandleParkingLot receiver = new HandleParkingLot(LOGGER);
        Pipe pipe = service.openPipe(65536);
        sender.park("relay/7", Map.of("id", 7L), List.of(pipe), Duration.ofMinutes(1));
        Path socket = dir.resolve("handover.sock");
        CompletableFuture<Void> received = CompletableFuture.runAsync(() -> {
            try {
                receiver.receive(socket, Duration.ofSeconds(5));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        awaitTrue(() -> Files.exists(socket));
        IOException failure = assertThrows(IOException.class, () -> sender.handOver(socket.toString(), Duration.ofMillis(300)));
        assertTrue(failure.getMessage().contains("did not adopt"), failure.getMessage());
        received.get(5, TimeUnit.SECONDS);
        assertTrue(pipe.isOpen(), "the sender still holds its pipe");
        assertEquals(List.of("relay/7"), sender.keys(""));
        assertEquals(pipe, sender.claim("relay/7").orElseThrow().handles().get(0));
        pipe.close();
        receiver.deactivate();
    }

    @Test
    void aLotReceivingInTheBackgroundWaitsForItsUsersAndAnswersThemOnlyOnceEverythingArrived(@TempDir Path dir) throws Exception {
        HandleParkingLot sender = new HandleParkingLot(LOGGER);
        HandleParkingLot receiver = new HandleParkingLot(LOGGER);
        Pipe pipe = service.openPipe(65536);
        sender.park("relay/3", Map.of("id", 3L), List.of(pipe), Duration.ofMinutes(1));
        sender.park("counters", Map.of("accepted", 3L), List.of(), Duration.ofMinutes(1));
        Path socket = dir.resolve("handover.sock");
        receiver.receiveInBackground(socket, Duration.ofSeconds(5), 0);
        // the socket appears (and bin/restart starts the hand-over) only once the lot's users are ready for it
        Thread.sleep(300);
        assertFalse(Files.exists(socket), "a hand-over socket before any user of the lot asked");
        // asked before anything was sent: without waiting, both would answer "nothing here"
        CompletableFuture<List<String>> keys = CompletableFuture.supplyAsync(() -> receiver.keys("counters"));
        CompletableFuture<Parked> claimed = CompletableFuture.supplyAsync(() -> receiver.claim("relay/3").orElseThrow());
        awaitTrue(() -> Files.exists(socket));
        assertFalse(keys.isDone() || claimed.isDone(), "the lot's users wait while the hand-over has not come");

        sender.handOver(socket.toString(), Duration.ofSeconds(5));
        assertEquals(List.of("counters"), keys.get(5, TimeUnit.SECONDS));
        Parked relay = claimed.get(5, TimeUnit.SECONDS);
        assertEquals(Map.of("id", 3L), relay.state());
        assertFalse(pipe.isOpen(), "the sender let go of its copy");
        relay.handles().forEach(NativeHandle::close);
        receiver.deactivate();
    }

    @Test
    void aHandOverThatNeverComesFailsTheLotsUsersNamingIt(@TempDir Path dir) {
        HandleParkingLot receiver = new HandleParkingLot(LOGGER);
        receiver.receiveInBackground(dir.resolve("handover.sock"), Duration.ofMillis(300), 0);
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> receiver.claim("relay/1"));
        assertTrue(failure.getMessage().startsWith("the hand-over to this runtime failed: "), failure.getMessage());
        assertThrows(IllegalStateException.class, () -> receiver.park("relay/1", Map.of(), List.of(), Duration.ofMinutes(1)));
        receiver.deactivate();
    }

    @Test
    void theHandOversFrameworkPropertiesAreWholeNumbersOrAFailureNamingThem() {
        assertEquals(30, HandleParkingLot.wholeNumber(HandleParkingLot.TIMEOUT, null, 30));
        assertEquals(12, HandleParkingLot.wholeNumber(HandleParkingLot.TIMEOUT, " 12 ", 30));
        for (String bad : List.of("20s", "-1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HandleParkingLot.wholeNumber(HandleParkingLot.TIMEOUT, bad, 30));
            assertEquals("the framework property tproxy.handover.timeout is '" + bad + "', not a whole number >= 0", e.getMessage());
        }
    }

    @Test
    void noReceiverIsAClearFailureAndKeepsEverything(@TempDir Path dir) {
        HandleParkingLot sender = new HandleParkingLot(LOGGER);
        Pipe pipe = service.openPipe(65536);
        sender.park("relay/9", Map.of(), List.of(pipe), Duration.ofMinutes(1));
        IOException failure = assertThrows(IOException.class,
                () -> sender.handOver(dir.resolve("nobody.sock").toString(), Duration.ofSeconds(1)));
        assertTrue(failure.getMessage().contains("no hand-over socket"), failure.getMessage());
        assertTrue(pipe.isOpen());
        sender.deactivate();
        assertFalse(pipe.isOpen());
    }

    @Test
    void whatIsParkedStaysOpenInTheProcessAcrossAnUpdateOfThisBundle(@TempDir Path dir) throws Exception {
        Pipe pipe = service.openPipe(65536);
        Pipe closedLater = service.openPipe(65536);
        ByteBuffer bytes = direct("kept");
        try (ListeningSocket listener = service.listen(ListenOptions.ordinary(InetAddress.getLoopbackAddress(), 0, 16))) {
            StreamSocket client = service.connect(ConnectOptions.asRouter(listener.localAddress(), 0));
            Accepted accepted = acceptWithin(listener);
            assertEquals(4, client.write(bytes));
            awaitTrue(() -> {
                accepted.socket().spliceTo(pipe, 4);
                return pipe.buffered() == 4;
            });
            Path file = dir.resolve("parked-handles");
            ParkedFile.write(file, List.of(
                    new HandoverProtocol.Entry(new Parked("relay/1", Map.of("id", 1L), List.of(accepted.socket(), pipe)), Duration.ofSeconds(20)),
                    new HandoverProtocol.Entry(new Parked("relay/2", Map.of(), List.of(closedLater)), Duration.ofSeconds(20))));
            closedLater.close(); // something closed it before the next version came: that entry is left out

            List<HandoverProtocol.Entry> kept = ParkedFile.read(file);
            assertFalse(Files.exists(file), "read once");
            assertEquals(1, kept.size());
            Parked relay = kept.get(0).parked();
            assertEquals(Map.of("id", 1L), relay.state());
            assertTrue(kept.get(0).grace().toMillis() > 19_000);
            StreamSocket socket = (StreamSocket) relay.handles().get(0);
            Pipe same = (Pipe) relay.handles().get(1);
            assertEquals(accepted.socket().descriptor(), socket.descriptor(), "the very descriptor, wrapped anew");
            assertEquals(4, same.buffered());
            assertEquals(4, same.spliceTo(socket, 4));
            ByteBuffer echo = ByteBuffer.allocateDirect(4);
            awaitTrue(() -> {
                client.read(echo);
                return !echo.hasRemaining();
            });
            assertEquals("kept", text(echo));
            client.close();
            relay.handles().forEach(NativeHandle::close);
        }
    }

    /** A malformed take-over closes every descriptor it carries, each once: none stays open for nobody. */
    @Test
    void malformedParkedEntriesCloseTheirDescriptors() throws Exception {
        Pipe first = service.openPipe(65536);
        Pipe second = service.openPipe(65536);
        // the second entry's flow is no socket-to-socket flow: decoding fails there, after the first succeeded
        byte[] broken = ParkedFile.encode(List.of(
                new HandoverProtocol.Entry(new Parked("relay/1", Map.of(), List.of(first)), Duration.ofSeconds(20)),
                new HandoverProtocol.Entry(new Parked("relay/2", Map.of(), List.of(second), List.of(Flow.of(0, 5, -1, 65536, 0))),
                        Duration.ofSeconds(20))));
        assertThrows(IOException.class, () -> ParkedFile.decode(broken, "test"));
        for (Pipe pipe : List.of(first, second)) {
            assertTrue(LibC.fcntl(pipe.descriptor(), Linux.F_GETFD, 0) < 0, "descriptor " + pipe.descriptor() + " closed");
        }
    }

    private static String text(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.flip().remaining()];
        buffer.get(bytes);
        return new String(bytes);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(5);
        }
    }
}
