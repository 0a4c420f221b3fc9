package dev.tproxy.proxy.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.socket.api.EpollEvents;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.IoStatus;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;
import dev.tproxy.socket.internal.JnaTransparentSocketService;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How a direction turns epoll's readiness and read results into reads, writes and a FIN: the system calls it
 * saves are counted on scripted sockets (the real ones are exercised end to end by RelayBehaviourIT).
 */
class DirectionTest {
    private final ScriptedSocket source = new ScriptedSocket();
    private final ScriptedSocket sink = new ScriptedSocket();
    private final Direction direction = Direction.fromClient(source, sink, new TransitPool(new JnaTransparentSocketService(), 16, 0, 0), 65536);

    @Test
    void bytesWithThePeersFinTakeOneReadAndTheFinIsPassedOn() {
        source.willRead("reply");
        direction.sourceReadable(EpollEvents.IN | EpollEvents.RDHUP);

        assertFalse(direction.pump(16, false));

        assertEquals("reply", sink.written());
        assertTrue(sink.shutDown, "the FIN is passed on");
        assertTrue(direction.finished());
        assertEquals(1, source.reads, "the end of stream needs no read of its own after a short read");
    }

    @Test
    void bytesWithoutAFinTakeOneReadAndWaitForTheNextEdge() {
        source.willRead("request");
        direction.sourceReadable(EpollEvents.IN);

        assertFalse(direction.pump(16, false));

        assertEquals("request", sink.written());
        assertFalse(sink.shutDown);
        assertEquals(1, source.reads, "a short read emptied the receive queue: no read that would say EAGAIN");

        source.willEnd();
        direction.sourceReadable(EpollEvents.IN | EpollEvents.RDHUP);
        direction.pump(16, false);
        assertTrue(sink.shutDown);
        assertEquals(2, source.reads);
    }

    @Test
    void aFinAloneIsReadAsTheEndOfStream() {
        source.willEnd();
        direction.sourceReadable(EpollEvents.IN | EpollEvents.RDHUP);

        direction.pump(16, false);

        assertTrue(sink.shutDown);
        assertEquals("", sink.written());
    }

    @Test
    void withAnErrorReportedTheDirectionReadsOnUntilTheErrorSoTheResetIsPassedOn() {
        source.willRead("last words");
        source.willFail(Errno.ECONNRESET);
        direction.sourceReadable(EpollEvents.IN | EpollEvents.RDHUP | EpollEvents.HUP | EpollEvents.ERR);

        RelayFault fault = assertThrows(RelayFault.class, () -> direction.pump(16, false));

        assertEquals(Relay.CLIENT, fault.side);
        assertEquals(Errno.ECONNRESET, fault.errno);
        assertEquals("last words", sink.written(), "bytes before the reset are still relayed");
        assertFalse(sink.shutDown, "a reset is not turned into a FIN");
    }

    @Test
    void aFullReadAfterTheFinIsFollowedByAnotherRead() {
        source.willRead("x".repeat(CopyTransit.SIZE));
        source.willRead("tail");
        direction.sourceReadable(EpollEvents.IN | EpollEvents.RDHUP);

        direction.pump(16, false);

        assertEquals(CopyTransit.SIZE + 4, sink.written().length());
        assertTrue(sink.shutDown);
        assertEquals(2, source.reads, "a read that filled the buffer may have left bytes behind");
    }

    @Test
    void whenTheOtherDirectionHasFinishedTheFinIsLeftToTheClose() {
        source.willRead("bye");
        direction.sourceReadable(EpollEvents.IN | EpollEvents.RDHUP);

        direction.pump(16, true);

        assertTrue(direction.finished());
        assertFalse(sink.shutDown, "the relay closes both sockets, and the close sends the FIN");
    }

    @Test
    void aSinkWithoutNoDelayWritesOnceWithoutIt() {
        source.willRead("GET / HTTP/1.0\r\n\r\n");
        direction.sourceReadable(EpollEvents.IN);

        direction.pump(16, false);

        assertEquals(List.of("write 18"), sink.calls, "Nagle holds nothing back while nothing is unacknowledged");
    }

    @Test
    void aSinkWithoutNoDelayGetsItBeforeItsSecondWrite() {
        relayInTurn(direction, "first", "second", "third");

        assertEquals(List.of("write 5", "nodelay", "write 6", "write 5"), sink.calls);
    }

    @Test
    void aSinkThatHasNoDelayIsLeftAlone() {
        Direction toClient = Direction.fromServer(source, sink, new TransitPool(new JnaTransparentSocketService(), 16, 0, 0), 65536);
        relayInTurn(toClient, "one", "two");

        assertEquals(List.of("write 3", "write 3"), sink.calls);
    }

    @Test
    void bytesASlowSinkDoesNotTakeWaitInTheProxysBuffer() {
        source.willRead("0123456789");
        sink.acceptOnly(4);
        direction.sourceReadable(EpollEvents.IN);

        direction.pump(16, false);

        assertEquals("0123", sink.written());
        assertEquals(6, direction.buffered(), "without pressure the rest waits in the buffer");
    }

    @Test
    void underMemoryPressureBytesASlowSinkDoesNotTakeStayInTheSource() {
        TransitPool tight = new TransitPool(new JnaTransparentSocketService(), TransitPool.RESERVE + 1, 0, 0);
        ScriptedSocket stuckSource = new ScriptedSocket();
        ScriptedSocket stuckSink = new ScriptedSocket();
        Direction stuck = Direction.fromClient(stuckSource, stuckSink, tight, 65536);
        stuckSource.willRead("holds the only spare buffer");
        stuckSink.acceptOnly(0);
        stuck.sourceReadable(EpollEvents.IN);
        stuck.pump(16, false);
        assertTrue(stuck.buffered() > 0, "a stalled direction holds one buffer");

        Direction squeezed = Direction.fromClient(source, sink, tight, 65536);
        source.willRead("0123456789");
        source.willEnd();
        sink.acceptOnly(4);
        squeezed.sourceReadable(EpollEvents.IN | EpollEvents.RDHUP);

        squeezed.pump(16, false);

        assertEquals("0123", sink.written());
        assertEquals(0, squeezed.buffered(), "under pressure the proxy holds nothing: the rest stays in the source");
        assertFalse(sink.shutDown, "the end of stream waits for the bytes before it");
        assertEquals(0, source.reads, "peeked, never read");

        sink.acceptOnly(Long.MAX_VALUE);
        squeezed.pump(16, false);   // the sink's writable edge

        assertEquals("0123456789", sink.written());
        assertTrue(sink.shutDown, "then the FIN");
        assertTrue(squeezed.finished());
    }

    /** Each message comes with a readable edge of its own, after the previous one was relayed. */
    private void relayInTurn(Direction relaying, String... messages) {
        for (String message : messages) {
            source.willRead(message);
            relaying.sourceReadable(EpollEvents.IN);
            relaying.pump(16, false);
        }
    }

    /** A socket whose reads follow a script (bytes, end of stream, an errno; then EAGAIN) and whose writes are kept. */
    private static final class ScriptedSocket implements StreamSocket {
        private final Deque<Object> script = new ArrayDeque<>();
        private final ByteArrayOutputStream writes = new ByteArrayOutputStream();
        /** Writes and TCP_NODELAY, in order. */
        final List<String> calls = new ArrayList<>();
        int reads;
        int peeks;
        long room = Long.MAX_VALUE;
        boolean shutDown;

        void willRead(String text) {
            script.add(text.getBytes(StandardCharsets.US_ASCII));
        }

        void willEnd() {
            script.add(IoStatus.END_OF_STREAM);
        }

        void willFail(int errno) {
            script.add(new NativeException("recv", errno, "recv: " + Errno.name(errno)));
        }

        String written() {
            return writes.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public long read(ByteBuffer direct) {
            reads++;
            return next(script.poll(), direct);
        }

        @Override
        public long peek(ByteBuffer direct) {
            peeks++;
            return next(script.peek(), direct);
        }

        /** What the script says a read of {@code next} gives (bytes into {@code direct}, a status, or an error). */
        private static long next(Object next, ByteBuffer direct) {
            if (next == null) {
                return IoStatus.WOULD_BLOCK;
            }
            if (next instanceof NativeException e) {
                throw e;
            }
            if (next instanceof Long status) {
                return status;
            }
            byte[] bytes = (byte[]) next;
            direct.put(bytes);
            return bytes.length;
        }

        @Override
        public long discard(long count) {
            byte[] head = (byte[]) script.poll();
            if (count < head.length) {
                script.addFirst(java.util.Arrays.copyOfRange(head, (int) count, head.length));
            }
            return count;
        }

        /** From now on writes take at most {@code bytes} more, then say WOULD_BLOCK (a full socket buffer). */
        void acceptOnly(long bytes) {
            room = bytes;
        }

        @Override
        public long write(ByteBuffer direct) {
            if (room == 0) {
                calls.add("write blocked");
                return IoStatus.WOULD_BLOCK;
            }
            int n = (int) Math.min(direct.remaining(), room);
            room -= n;
            int limit = direct.limit();
            direct.limit(direct.position() + n);
            byte[] bytes = new byte[n];
            direct.get(bytes);
            writes.writeBytes(bytes);
            calls.add("write " + n);
            direct.limit(limit);
            return n;
        }

        @Override
        public void shutdownOutput() {
            shutDown = true;
        }

        @Override
        public long spliceTo(Pipe pipe, long maxBytes) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int socketError() {
            return 0;
        }

        @Override
        public void resetAndClose() {}

        @Override
        public void setNoDelay(boolean on) {
            calls.add(on ? "nodelay" : "nagle");
        }

        @Override
        public void sendPendingAck() {
            calls.add("quickack");
        }

        @Override
        public int receiveQueued() {
            return 0;
        }

        @Override
        public int sendQueued() {
            return 0;
        }

        @Override
        public InetSocketAddress localAddress() {
            return null;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return null;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public int descriptor() {
            return -1;
        }

        @Override
        public void close() {}
    }
}
