package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.HandleParking.Parked;
import dev.tproxy.socket.api.NativeHandle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * What two runtimes say over a {@link SeqPacketChannel} to move every parked entry from the old process to the
 * new one. The sender (its users stopped, so nothing of what is parked is in use) sends ENTRIES messages, each a
 * batch of entries with their descriptors beside it, then DONE with the count; the receiver answers HELD once it
 * holds them all, parks them for its own users, and answers ADOPTED once they have claimed every entry that holds a handle. Only
 * then does the sender close its copies. A receiver that does not adopt in time is killed (its pid is known from
 * the connection) before the sender takes its entries back, so a connection is never relayed by two processes.
 */
final class HandoverProtocol {
    private static final byte ENTRIES = 'E';
    private static final byte DONE = 'D';
    private static final byte HELD = 'H';
    private static final byte ADOPTED = 'A';
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private HandoverProtocol() {}

    /** A parked entry and what is left of its grace period. */
    record Entry(Parked parked, Duration grace) {}

    /** What a receiver got, and the connection on which it confirms the adoption. */
    record Received(List<Entry> entries, SeqPacketChannel channel) {}

    /**
     * Sends {@code entries} to the receiver at {@code socket} and waits until it adopted them. When this returns,
     * the receiver owns them: the caller closes its handles. When it throws, no other process holds them any more.
     * {@code onHeld} is told when (nanoTime) the receiver held everything.
     *
     * @return the receiver's process id
     */
    static long send(Path socket, List<Entry> entries, Duration timeout, LongConsumer onHeld) throws IOException {
        try (SeqPacketChannel channel = SeqPacketChannel.connect(socket)) {
            Batch batch = new Batch();
            for (Entry entry : entries) {
                ParkedCodec.Encoded encoded = ParkedCodec.encode(entry.parked(), entry.grace());
                if (!batch.fits(encoded)) {
                    batch.sendTo(channel);
                    batch = new Batch();
                }
                batch.add(encoded);
            }
            batch.sendTo(channel);
            channel.send(counted(DONE, entries.size()));
            long pid = channel.peerPid();
            try {
                // A receiver that holds the entries may already move their bytes (and its proxy relay them): whatever
                // fails from here on, it is killed before the caller takes them back.
                expect(channel, HELD, entries.size(), timeout, "hold");
                onHeld.accept(System.nanoTime());
                expect(channel, ADOPTED, entries.size(), timeout, "adopt");
            } catch (IOException e) {
                throw new IOException(e.getMessage() + (killAndWait(pid) ? "; process " + pid + " was killed" : ""), e);
            }
            return pid;
        }
    }

    private static void expect(SeqPacketChannel channel, byte tag, int count, Duration timeout, String verb) throws IOException {
        SeqPacketChannel.Message reply;
        try {
            reply = channel.receive(timeout);
        } catch (IOException e) {
            throw new IOException("the receiver did not " + verb + " the " + count + " entries: " + e.getMessage(), e);
        }
        Arrays.stream(reply.descriptors()).forEach(LibC::close);
        byte[] bytes = reply.bytes();
        if (bytes.length != 5 || bytes[0] != tag || ByteBuffer.wrap(bytes, 1, 4).getInt() != count) {
            throw new IOException("the receiver did not " + verb + " the " + count + " entries ("
                    + (bytes.length == 0 ? "it closed the connection" : "it answered " + bytes.length + " bytes") + ")");
        }
    }

    /** Kills the receiver and waits until it is gone; false when it is this process (unit tests) or already gone. */
    private static boolean killAndWait(long pid) {
        if (pid == ProcessHandle.current().pid()) {
            return false;
        }
        return ProcessHandle.of(pid).map(process -> {
            process.destroyForcibly();
            long deadline = System.nanoTime() + KILL_WAIT.toNanos();
            while (running(pid) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(10_000_000);
            }
            return true;
        }).orElse(false);
    }

    /** Whether {@code pid} still runs: a zombie (killed, not yet reaped by its parent) holds no descriptor any more. */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Waits at {@code socket} for one sender and takes what it hands over. The caller parks the entries for its
     * users and calls {@link #confirmAdopted} once they claimed them; the entries are the caller's once this
     * returns.
     */
    static Received receive(Path socket, Duration timeout) throws IOException {
        List<Entry> received = new ArrayList<>();
        SeqPacketChannel channel = SeqPacketChannel.acceptOne(socket, timeout);
        try {
            while (true) {
                SeqPacketChannel.Message message = channel.receive(timeout);
                byte[] bytes = message.bytes();
                if (bytes.length > 0 && bytes[0] == ENTRIES) {
                    unbatch(message, received);
                    continue;
                }
                Arrays.stream(message.descriptors()).forEach(LibC::close);
                if (bytes.length != 5 || bytes[0] != DONE || ByteBuffer.wrap(bytes, 1, 4).getInt() != received.size()) {
                    throw new IOException(bytes.length == 0 ? "the sender closed the connection after " + received.size() + " entries"
                            : "unexpected hand-over message after " + received.size() + " entries");
                }
                channel.send(counted(HELD, received.size()));
                return new Received(received, channel);
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            received.forEach(entry -> entry.parked().handles().forEach(NativeHandle::close));
            throw e;
        }
    }

    /** Tells the sender that every entry was adopted here: it closes its copies then. */
    static void confirmAdopted(Received received) throws IOException {
        try (SeqPacketChannel channel = received.channel()) {
            channel.send(counted(ADOPTED, received.entries().size()));
        }
    }

    private static byte[] counted(byte tag, int count) {
        return ByteBuffer.allocate(5).put(tag).putInt(count).array();
    }

    /** Entries sent in one message, up to a size and a number of descriptors: a few messages for thousands of entries. */
    private static final class Batch {
        private static final int TARGET_BYTES = 64 * 1024;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final List<Integer> descriptors = new ArrayList<>();
        private int count;

        boolean fits(ParkedCodec.Encoded entry) {
            return count == 0 || (bytes.size() + entry.bytes().length + 4 <= TARGET_BYTES
                    && descriptors.size() + entry.descriptors().length <= SeqPacketChannel.MAX_DESCRIPTORS);
        }

        void add(ParkedCodec.Encoded entry) {
            bytes.writeBytes(ByteBuffer.allocate(4).putInt(entry.bytes().length).array());
            bytes.writeBytes(entry.bytes());
            Arrays.stream(entry.descriptors()).forEach(descriptors::add);
            count++;
        }

        void sendTo(SeqPacketChannel channel) throws IOException {
            if (count > 0) {
                byte[] payload = bytes.toByteArray();
                byte[] message = ByteBuffer.allocate(5 + payload.length).put(ENTRIES).putInt(count).put(payload).array();
                channel.send(message, descriptors.stream().mapToInt(Integer::intValue).toArray());
            }
        }
    }

    /** Decodes every entry of an ENTRIES message; on a malformed one, the descriptors not yet made handles are closed. */
    private static void unbatch(SeqPacketChannel.Message message, List<Entry> received) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(message.bytes(), 1, message.bytes().length - 1);
        int[] descriptors = message.descriptors();
        int used = 0;
        try {
            int count = in.getInt();
            for (int i = 0; i < count; i++) {
                byte[] entry = new byte[in.getInt()];
                in.get(entry);
                ParkedCodec.Decoded decoded = ParkedCodec.decode(entry, descriptors, used);
                used += decoded.descriptorsUsed();
                received.add(new Entry(decoded.parked(), decoded.grace()));
            }
            if (used != descriptors.length) {
                throw new IOException(descriptors.length + " descriptors came with " + count + " entries that describe " + used);
            }
        } catch (IOException | RuntimeException e) {
            Arrays.stream(descriptors, used, descriptors.length).forEach(LibC::close);
            throw e instanceof IOException io ? io : new IOException("malformed hand-over message: " + e, e);
        }
    }
}
