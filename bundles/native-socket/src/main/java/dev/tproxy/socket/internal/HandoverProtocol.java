package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.HandleParking.Parked;
import dev.tproxy.socket.api.NativeHandle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * What two runtimes say over a {@link SeqPacketChannel} to move every parked entry from the old process to the
 * new one. The sender sends ENTRIES messages, each a small batch of entries with their descriptors beside it, then
 * DONE with the count; the receiver parks each batch for its own users as it arrives (its bytes move on there at
 * once), answers HELD once it holds them all, and answers ADOPTED once its users have claimed every entry that
 * holds a handle. Only then does the sender close its copies. The sender stops an entry's flows only when it
 * encodes that entry, and stays only a few batches ahead of the receiver: the others keep moving in the old process
 * meanwhile, so a connection stands still for the time a few batches take to cross, however many there are. Should
 * anything fail once the first batch went out, the receiver is killed (its pid is known from the connection) before
 * the sender takes its entries back, so a connection is never relayed by two processes.
 */
final class HandoverProtocol {
    private static final byte ENTRIES = 'E';
    private static final byte DONE = 'D';
    private static final byte HELD = 'H';
    private static final byte ADOPTED = 'A';
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private HandoverProtocol() {}

    /** A parked entry and what is left of its grace period. */
    record Entry(Parked parked, Duration grace) {
        /** Closes the entry's handles: for an entry no one will take over. */
        void closeHandles() {
            parked.handles().forEach(NativeHandle::close);
        }
    }

    /** How many entries a receiver got, and the connection on which it confirms the adoption. */
    record Received(int count, SeqPacketChannel channel) {}

    /**
     * Sends the entries {@code entries} gives, one by one as it is asked for them, to the receiver at {@code socket}
     * and waits until it adopted them. When this returns, the receiver owns them: the caller closes its handles.
     * When it throws, no other process holds any of them any more. {@code onHeld} is told when (nanoTime) the
     * receiver held everything.
     *
     * @return the receiver's process id
     */
    static long send(Path socket, Iterator<Entry> entries, Duration timeout, LongConsumer onHeld) throws IOException {
        try (SeqPacketChannel channel = SeqPacketChannel.connect(socket)) {
            long pid = channel.peerPid();
            // taken now, while the receiver is connected: a handle kills only the process it was taken of, never
            // one that got its pid later (the JDK compares the start times)
            Optional<ProcessHandle> receiver = ProcessHandle.of(pid);
            channel.sendTimeout(timeout);
            int count = 0;
            try {
                Batch batch = new Batch();
                while (entries.hasNext()) {
                    Entry entry = entries.next();
                    ParkedCodec.Encoded encoded = ParkedCodec.encode(entry.parked(), entry.grace());
                    if (!batch.fits(encoded)) {
                        batch.sendTo(channel);
                        batch = new Batch();
                    }
                    batch.add(encoded);
                    count++;
                }
                batch.sendTo(channel);
                channel.send(counted(DONE, count));
                expect(channel, HELD, count, timeout, "hold");
                onHeld.accept(System.nanoTime());
                expect(channel, ADOPTED, count, timeout, "adopt");
            } catch (IOException | RuntimeException | Error e) {
                // The receiver parks each batch as it comes, and may move its bytes (and its proxy relay them): it is
                // killed before the caller takes anything back, whatever failed here.
                boolean killed = killAndWait(receiver);
                if (e instanceof Error error) {
                    throw error;
                }
                throw new IOException(e.getMessage() + (killed ? "; process " + pid + " was killed" : ""), e);
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

    /** What a failed hand-over says of its cause: the message, or the type when there is none (an Error may have none). */
    static String reason(Throwable failure) {
        return failure.getMessage() != null ? failure.getMessage() : failure.toString();
    }

    /** Kills the receiver and waits until it is gone; false when it is this process (unit tests) or already gone. */
    private static boolean killAndWait(Optional<ProcessHandle> receiver) {
        return receiver.filter(process -> process.pid() != ProcessHandle.current().pid()).map(process -> {
            if (!process.destroyForcibly()) {
                return false;
            }
            long deadline = System.nanoTime() + KILL_WAIT.toNanos();
            while (running(process.pid()) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(10_000_000);
            }
            return true;
        }).orElse(false);
    }

    /** Whether {@code pid} still runs: a zombie (killed, not yet reaped by its parent) holds no descriptor any more. */
    private static boolean running(long pid) {
        return ProcStat.field(Path.of("/proc", Long.toString(pid), "stat"), 3).filter(state -> !state.equals("Z")).isPresent();
    }

    /**
     * Waits at {@code socket} for one sender and takes what it hands over, giving each batch to {@code onBatch} as
     * it arrives: from then on the entries are the caller's (it closes them should this throw later). The caller
     * calls {@link #confirmAdopted} once its users claimed them. {@code onSender} learns the sender's pid as it
     * connects, before the first batch.
     */
    static Received receive(Path socket, Duration timeout, LongConsumer onSender, Consumer<List<Entry>> onBatch) throws IOException {
        int received = 0;
        SeqPacketChannel channel = SeqPacketChannel.acceptOne(socket, timeout);
        try {
            onSender.accept(channel.peerPid());
            while (true) {
                SeqPacketChannel.Message message = channel.receive(timeout);
                byte[] bytes = message.bytes();
                if (bytes.length > 0 && bytes[0] == ENTRIES) {
                    List<Entry> batch = unbatch(message);
                    onBatch.accept(batch);
                    received += batch.size();
                    continue;
                }
                Arrays.stream(message.descriptors()).forEach(LibC::close);
                if (bytes.length != 5 || bytes[0] != DONE || ByteBuffer.wrap(bytes, 1, 4).getInt() != received) {
                    throw new IOException(bytes.length == 0 ? "the sender closed the connection after " + received + " entries"
                            : "unexpected hand-over message after " + received + " entries");
                }
                channel.send(counted(HELD, received));
                return new Received(received, channel);
            }
        } catch (IOException | RuntimeException | Error e) {
            channel.close();
            throw e;
        }
    }

    /** Tells the sender that every entry was adopted here: it closes its copies then. */
    static void confirmAdopted(Received received) throws IOException {
        try (SeqPacketChannel channel = received.channel()) {
            channel.send(counted(ADOPTED, received.count()));
        }
    }

    private static byte[] counted(byte tag, int count) {
        return ByteBuffer.allocate(5).put(tag).putInt(count).array();
    }

    /**
     * Entries sent in one message, up to a number of entries, a size and a number of descriptors: each entry's flows
     * stand still from its encoding until the receiver parked its batch, so batches stay small.
     */
    private static final class Batch {
        private static final int MAX_ENTRIES = 4;
        private static final int TARGET_BYTES = 64 * 1024;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final List<Integer> descriptors = new ArrayList<>();
        private int count;

        boolean fits(ParkedCodec.Encoded entry) {
            return count == 0 || (count < MAX_ENTRIES && bytes.size() + entry.bytes().length + 4 <= TARGET_BYTES
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
                // no more than a batch or two ahead of the receiver: the entries of a batch stand still until it parked them
                channel.limitUnread(message.length + 1024 * (1 + descriptors.size() / 16));
                channel.send(message, descriptors.stream().mapToInt(Integer::intValue).toArray());
            }
        }
    }

    /** Decodes every entry of an ENTRIES message; on a malformed one, the descriptors not yet made handles are closed. */
    private static List<Entry> unbatch(SeqPacketChannel.Message message) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(message.bytes(), 1, message.bytes().length - 1);
        int[] descriptors = message.descriptors();
        List<Entry> entries = new ArrayList<>();
        int used = 0;
        try {
            int count = in.getInt();
            for (int i = 0; i < count; i++) {
                byte[] entry = new byte[in.getInt()];
                in.get(entry);
                ParkedCodec.Decoded decoded = ParkedCodec.decode(entry, descriptors, used);
                used += decoded.descriptorsUsed();
                entries.add(new Entry(decoded.parked(), decoded.grace()));
            }
            if (used != descriptors.length) {
                throw new IOException(descriptors.length + " descriptors came with " + count + " entries that describe " + used);
            }
            return entries;
        } catch (IOException | RuntimeException e) {
            entries.forEach(Entry::closeHandles);
            Arrays.stream(descriptors, used, descriptors.length).forEach(LibC::close);
            throw e instanceof IOException io ? io : new IOException("malformed hand-over message: " + e, e);
        }
    }
}
