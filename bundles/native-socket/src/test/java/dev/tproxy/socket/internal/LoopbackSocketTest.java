package dev.tproxy.socket.internal;

import static dev.tproxy.socket.internal.TestSockets.acceptWithin;
import static dev.tproxy.socket.internal.TestSockets.direct;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.socket.api.Accepted;
import dev.tproxy.socket.api.ClosedHandleException;
import dev.tproxy.socket.api.BufferMemory;
import dev.tproxy.socket.api.ConnectOptions;
import dev.tproxy.socket.api.Epoll;
import dev.tproxy.socket.api.EpollEvents;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.EventFd;
import dev.tproxy.socket.api.IoStatus;
import dev.tproxy.socket.api.ListenOptions;
import dev.tproxy.socket.api.ListeningSocket;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The service on loopback, without TPROXY: sockets, epoll, pipes, splice, errors and handle ownership. */
class LoopbackSocketTest {
    private final JnaTransparentSocketService service = new JnaTransparentSocketService();

    private ListeningSocket listen(String address) throws Exception {
        return service.listen(ListenOptions.ordinary(InetAddress.getByName(address), 0, 16));
    }

    /** Connects through the service and accepts the other end; returns {client side, server side}. */
    private StreamSocket[] connectedPair(ListeningSocket listener) {
        StreamSocket client = service.connect(ConnectOptions.asRouter(listener.localAddress(), 0));
        try (Epoll epoll = service.openEpoll(4)) {
            epoll.register(client, EpollEvents.OUT, 7);
            assertEquals(1, epoll.await(5000));
            assertEquals(7, epoll.readyToken(0));
            assertTrue((epoll.readyEvents(0) & EpollEvents.OUT) != 0);
        }
        assertEquals(0, client.socketError());
        Accepted accepted = acceptWithin(listener, 5000);
        assertEquals(client.localAddress(), accepted.client());
        assertEquals(listener.localAddress(), accepted.originalDestination());
        return new StreamSocket[] {client, accepted.socket()};
    }

    private Accepted acceptWithin(ListeningSocket listener, int millis) {
        Accepted accepted = acceptOrNull(listener, millis);
        assertNotNull(accepted, "nothing to accept");
        return accepted;
    }

    /** The listener's next connection, or null if none completed its handshake within {@code millis}. */
    private Accepted acceptOrNull(ListeningSocket listener, int millis) {
        try (Epoll epoll = service.openEpoll(1)) {
            epoll.register(listener, EpollEvents.IN, 1);
            epoll.await(millis);
        }
        return listener.accept();
    }

    private StreamSocket connectHoldingTheAck(ListeningSocket listener) {
        StreamSocket client = service.connect(ConnectOptions.asRouter(listener.localAddress(), 0).withAckOnFirstData());
        try (Epoll epoll = service.openEpoll(1)) {
            epoll.register(client, EpollEvents.OUT, 1);
            assertEquals(1, epoll.await(5000));
        }
        assertEquals(0, client.socketError());
        return client;
    }

    /**
     * withAckOnFirstData: the client is connected, but the server's side completes (accept) only when the ACK
     * arrives, with the first bytes or through sendPendingAck; without either, the kernel's delayed-ACK timer would
     * send it after 200 ms.
     */
    @Test
    void theHandshakesLastAckWaitsForTheFirstBytesOrForSendPendingAck() throws Exception {
        for (String address : new String[] {"127.0.0.1", "::1"}) {
            try (ListeningSocket listener = listen(address)) {
                StreamSocket withBytes = connectHoldingTheAck(listener);
                assertNull(acceptOrNull(listener, 50), "the server completed the handshake before any ACK was sent");
                ByteBuffer request = ByteBuffer.allocateDirect(1).put((byte) 42).flip();
                assertEquals(1, withBytes.write(request));
                Accepted first = acceptOrNull(listener, 5000);
                assertNotNull(first, "the first bytes did not complete the handshake");
                ByteBuffer received = ByteBuffer.allocateDirect(1);
                assertEquals(1, first.socket().read(received));
                assertEquals(42, received.get(0));

                StreamSocket silent = connectHoldingTheAck(listener);
                assertNull(acceptOrNull(listener, 50), "the server completed the handshake before any ACK was sent");
                silent.sendPendingAck();
                Accepted second = acceptOrNull(listener, 150);
                assertNotNull(second, "sendPendingAck did not complete the handshake at once");
                for (StreamSocket socket : new StreamSocket[] {withBytes, first.socket(), silent, second.socket()}) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void acceptReportsClientAndLocalAddressForIpv4AndIpv6() throws Exception {
        for (String address : new String[] {"127.0.0.1", "::1"}) {
            try (ListeningSocket listener = listen(address)) {
                assertNull(listener.accept(), "nothing pending yet");
                StreamSocket[] pair = connectedPair(listener);
                assertEquals(pair[0].remoteAddress(), pair[1].localAddress());
                pair[0].close();
                pair[1].close();
            }
        }
    }

    @Test
    void acceptedSocketsStartWithNoDelayFromTheirListener() throws Exception {
        for (String address : new String[] {"127.0.0.1", "::1"}) {
            try (ListeningSocket listener = listen(address)) {
                StreamSocket[] pair = connectedPair(listener);
                JnaStreamSocket accepted = (JnaStreamSocket) pair[1];
                assertEquals(1, SocketCalls.getInt(accepted.fd(), Linux.IPPROTO_TCP, Linux.TCP_NODELAY, "TCP_NODELAY"), address);
                JnaStreamSocket connected = (JnaStreamSocket) pair[0];
                assertEquals(0, SocketCalls.getInt(connected.fd(), Linux.IPPROTO_TCP, Linux.TCP_NODELAY, "TCP_NODELAY"),
                        "a connecting socket sets it itself");
                pair[0].close();
                pair[1].close();
            }
        }
    }

    @Test
    void spliceMoves16MiBByteExactThroughAPipe() throws Exception {
        int total = 16 << 20;
        ByteBuffer data = ByteBuffer.allocateDirect(total);
        for (int i = 0; i < total; i++) {
            data.put((byte) (i * 31 + (i >>> 13)));
        }
        data.flip();
        ByteBuffer received = ByteBuffer.allocateDirect(total);
        try (ListeningSocket a = listen("127.0.0.1"); ListeningSocket b = listen("127.0.0.1");
                Pipe pipe = service.openPipe(1 << 20); Epoll epoll = service.openEpoll(8)) {
            assertTrue(pipe.capacity() >= 65536);
            StreamSocket[] in = connectedPair(a);   // writer in[0] -> in[1] -> splice -> out[0] -> out[1] reader
            StreamSocket[] out = connectedPair(b);
            epoll.register(in[0], EpollEvents.OUT, 1);
            epoll.register(in[1], EpollEvents.IN, 2);
            epoll.register(out[0], EpollEvents.OUT, 3);
            epoll.register(out[1], EpollEvents.IN, 4);
            long inPipe = 0;
            boolean writerDone = false;
            boolean sourceEnded = false;
            boolean finRelayed = false;
            // Until the FIN is relayed too: the last bytes can arrive before the source's end of stream is read.
            while (received.hasRemaining() || !finRelayed) {
                epoll.await(1000);
                if (data.hasRemaining()) {
                    in[0].write(data);
                } else if (!writerDone) {
                    in[0].shutdownOutput();
                    writerDone = true;
                }
                if (!sourceEnded) {
                    long n = in[1].spliceTo(pipe, pipe.capacity() - inPipe);
                    if (n == IoStatus.END_OF_STREAM && inPipe < pipe.capacity()) {
                        sourceEnded = true;
                    } else if (n > 0) {
                        inPipe += n;
                    }
                }
                assertEquals(inPipe, pipe.buffered());
                if (inPipe > 0) {
                    long n = pipe.spliceTo(out[0], inPipe);
                    if (n > 0) {
                        inPipe -= n;
                    }
                }
                if (sourceEnded && inPipe == 0 && !finRelayed) {
                    out[0].shutdownOutput();
                    finRelayed = true;
                }
                if (received.hasRemaining()) {
                    out[1].read(received);
                }
            }
            assertTrue(sourceEnded || inPipe == 0);
            data.flip();
            received.flip();
            assertEquals(data, received, "16 MiB differ after splice");
            ByteBuffer end = ByteBuffer.allocateDirect(16);
            awaitReadable(out[1]);
            assertEquals(IoStatus.END_OF_STREAM, out[1].read(end), "FIN relayed after the data");
            for (StreamSocket s : in) s.close();
            for (StreamSocket s : out) s.close();
        }
    }

    private void awaitReadable(StreamSocket socket) {
        try (Epoll epoll = service.openEpoll(1)) {
            epoll.register(socket, EpollEvents.IN | EpollEvents.RDHUP, 1);
            assertEquals(1, epoll.await(5000));
        }
    }

    @Test
    void refusedConnectIsReportedBySocketError() throws Exception {
        InetSocketAddress unused;
        try (ListeningSocket listener = listen("127.0.0.1")) {
            unused = listener.localAddress();
        }
        StreamSocket socket = service.connect(ConnectOptions.asRouter(unused, 0));
        try (Epoll epoll = service.openEpoll(1)) {
            epoll.register(socket, EpollEvents.OUT, 1);
            assertEquals(1, epoll.await(5000));
        }
        assertEquals(Errno.ECONNREFUSED, socket.socketError());
        socket.close();
    }

    @Test
    void peekLeavesTheBytesQueuedAndDiscardTakesExactlyWhatWasPassedOn() throws Exception {
        try (ListeningSocket listener = listen("127.0.0.1")) {
            StreamSocket[] pair = connectedPair(listener);
            pair[0].write(direct("hello world"));
            awaitReadable(pair[1]);
            ByteBuffer peeked = ByteBuffer.allocateDirect(64);
            assertEquals(11, pair[1].peek(peeked));
            assertEquals(11, pair[1].receiveQueued(), "peeking leaves every byte queued");
            assertEquals(6, pair[1].discard(6));
            assertEquals(5, pair[1].receiveQueued());
            ByteBuffer rest = ByteBuffer.allocateDirect(64);
            assertEquals(5, pair[1].read(rest));
            rest.flip();
            assertEquals("world", java.nio.charset.StandardCharsets.US_ASCII.decode(rest).toString());
            assertEquals(IoStatus.WOULD_BLOCK, pair[1].peek(peeked.clear()));
            assertEquals(IoStatus.WOULD_BLOCK, pair[1].discard(1));
            pair[0].close();
            pair[1].close();
        }
    }

    private static ByteBuffer direct(String text) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    @Test
    void bufferMemoryCostsOnlyWhatIsWrittenAndGivesReleasedPagesBack() throws Exception {
        try (BufferMemory memory = service.openBufferMemory(256, 65536)) {
            // the mapping's own resident size: the process's would also count what other threads allocate meanwhile
            long address = Pointer.nativeValue(Native.getDirectBufferPointer(memory.slot(0)));
            long before = residentKiB(address);
            for (int i = 0; i < 128; i++) {
                ByteBuffer slot = memory.slot(i);
                assertEquals(65536, slot.remaining());
                while (slot.hasRemaining()) {
                    slot.put((byte) i);
                }
            }
            long written = residentKiB(address);
            assertTrue(written - before >= 7 * 1024, "8 MiB written: resident grew by " + (written - before) + " KiB");
            for (int i = 0; i < 128; i++) {
                memory.release(i);
            }
            assertTrue(residentKiB(address) < written - 7 * 1024, "released pages go back to the kernel: " + residentKiB(address) + " KiB");
            assertEquals(0, memory.slot(5).get(100), "a released slot reads as zeros");
            assertThrows(IndexOutOfBoundsException.class, () -> memory.slot(256));
        }
    }

    /** The resident KiB of the mapping that holds {@code address} (/proc/self/smaps). */
    private static long residentKiB(long address) throws IOException {
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                inside = Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16);
            } else if (inside && line.startsWith("Rss:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no mapping holds " + Long.toHexString(address));
    }

    @Test
    void resetCloseMakesThePeerSeeConnectionReset() throws Exception {
        try (ListeningSocket listener = listen("127.0.0.1")) {
            StreamSocket[] pair = connectedPair(listener);
            pair[1].resetAndClose();
            awaitReadable(pair[0]);
            NativeException reset = assertThrows(NativeException.class, () -> pair[0].read(ByteBuffer.allocateDirect(8)));
            assertEquals(Errno.ECONNRESET, reset.errno());
            assertEquals("ECONNRESET", reset.errnoName());
            pair[0].close();
        }
    }

    @Test
    void bindConflictNamesTheCallAndTheErrno() throws Exception {
        try (ListeningSocket first = listen("127.0.0.1")) {
            ListenOptions same = ListenOptions.ordinary(first.localAddress().getAddress(), first.localAddress().getPort(), 4);
            NativeException failure = assertThrows(NativeException.class, () -> service.listen(same));
            assertEquals(Errno.EADDRINUSE, failure.errno());
            assertTrue(failure.getMessage().startsWith("bind(/127.0.0.1:" + first.localAddress().getPort() + "): EADDRINUSE"), failure.getMessage());
        }
    }

    @Test
    void closingTwiceIsHarmlessAndNeverClosesAReusedDescriptor() {
        Pipe first = service.openPipe(65536);
        int number = first.descriptor();
        first.close();
        first.close();
        assertFalse(first.isOpen());
        assertEquals(-1, first.descriptor());
        // the kernel gives the lowest free number, unless another thread of this JVM opened a file meanwhile
        List<Pipe> opened = new ArrayList<>();
        Pipe second = null;
        while (second == null && opened.size() < 16) {
            Pipe next = service.openPipe(65536);
            opened.add(next);
            second = next.descriptor() == number ? next : null;
        }
        assertNotNull(second, "descriptor " + number + " reused");
        first.close();
        assertTrue(second.isOpen());
        assertEquals(0, second.buffered(), "the second pipe still works");
        opened.forEach(Pipe::close);
        assertThrows(ClosedHandleException.class, first::buffered);
    }

    @Test
    void eventFdWakesAnEpollWaitFromAnotherThread() throws Exception {
        try (Epoll epoll = service.openEpoll(2); EventFd wakeup = service.openEventFd()) {
            epoll.register(wakeup, EpollEvents.IN, 42);
            Thread signaller = new Thread(wakeup::signal);
            signaller.start();
            assertEquals(1, epoll.await(5000));
            assertEquals(42, epoll.readyToken(0));
            wakeup.drain();
            assertEquals(0, epoll.await(0), "drained");
            signaller.join();
        }
    }

    @Test
    void reportsOpenFilesAndTheirLimit() {
        int before = service.openFiles();
        Pipe pipe = service.openPipe(65536);
        assertEquals(before + 2, service.openFiles());
        pipe.close();
        assertEquals(before, service.openFiles());
        assertTrue(service.openFilesLimit() >= before);
    }

    @Test
    void largeTokensSurviveTheEpollEventLayout() {
        try (Epoll epoll = service.openEpoll(2); EventFd wakeup = service.openEventFd()) {
            long token = 0x1234_5678_9abc_def0L;
            epoll.register(wakeup, EpollEvents.IN, token);
            wakeup.signal();
            assertEquals(1, epoll.await(1000));
            assertEquals(token, epoll.readyToken(0));
            assertEquals(EpollEvents.IN, epoll.readyEvents(0));
        }
    }
}
