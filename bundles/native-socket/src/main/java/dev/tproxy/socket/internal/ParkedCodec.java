package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.HandleParking.Flow;
import dev.tproxy.socket.api.HandleParking.Parked;
import dev.tproxy.socket.api.NativeHandle;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One parked entry as bytes plus descriptors, for another process: its key, what is left of its grace period, its
 * state (the JDK types {@link dev.tproxy.socket.api.HandleParking} allows: String, Long, Integer, Boolean,
 * InetSocketAddress, Instant, ByteBuffer) and its handles, each by kind and descriptor(s).
 */
final class ParkedCodec {
    private static final byte LISTENING = 'L';
    private static final byte STREAM = 'S';
    private static final byte PIPE = 'P';

    private ParkedCodec() {}

    record Encoded(byte[] bytes, int[] descriptors) {}

    /** A decoded entry, and how many of the message's descriptors were its own. */
    record Decoded(Parked parked, Duration grace, int descriptorsUsed) {}

    static Encoded encode(Parked parked, Duration grace) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        List<Integer> descriptors = new ArrayList<>();
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeUTF(parked.key());
            out.writeLong(Math.max(0, grace.toMillis()));
            out.writeInt(parked.handles().size());
            for (NativeHandle handle : parked.handles()) {
                if (handle instanceof JnaPipe pipe) {
                    out.writeByte(PIPE);
                    descriptors.add(pipe.fd());
                    descriptors.add(pipe.writeFd());
                } else if (handle instanceof JnaListeningSocket socket) {
                    out.writeByte(LISTENING);
                    descriptors.add(socket.fd());
                } else if (handle instanceof JnaStreamSocket socket) {
                    out.writeByte(STREAM);
                    descriptors.add(socket.fd());
                } else {
                    throw new IllegalArgumentException(parked.key() + ": cannot hand over a " + handle);
                }
            }
            out.writeInt(parked.state().size());
            for (Map.Entry<String, Object> entry : parked.state().entrySet()) {
                out.writeUTF(entry.getKey());
                writeValue(out, parked.key(), entry.getKey(), entry.getValue());
            }
            // Last, so that a version that knows no flows reads the rest and stops here.
            out.writeInt(parked.flows().size());
            for (Flow flow : parked.flows()) {
                out.writeInt(flow.source());
                out.writeInt(flow.sink());
                out.writeInt(flow.pipe());
                out.writeInt(flow.pipeSize());
                out.writeLong(flow.pending());
                out.writeLong(flow.moved());
                out.writeInt(flow.sourceErrno());
                out.writeInt(flow.sinkErrno());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Encoded(buffer.toByteArray(), descriptors.stream().mapToInt(Integer::intValue).toArray());
    }

    private static void writeValue(DataOutputStream out, String key, String name, Object value) throws IOException {
        if (value instanceof String text) {
            out.writeByte('s');
            out.writeUTF(text);
        } else if (value instanceof Long number) {
            out.writeByte('j');
            out.writeLong(number);
        } else if (value instanceof Integer number) {
            out.writeByte('i');
            out.writeInt(number);
        } else if (value instanceof Boolean flag) {
            out.writeByte('z');
            out.writeBoolean(flag);
        } else if (value instanceof InetSocketAddress address) {
            out.writeByte('a');
            byte[] bytes = address.getAddress().getAddress();
            out.writeByte(bytes.length);
            out.write(bytes);
            out.writeInt(address.getAddress() instanceof Inet6Address v6 ? v6.getScopeId() : 0);
            out.writeShort(address.getPort());
        } else if (value instanceof Instant instant) {
            out.writeByte('t');
            out.writeLong(instant.getEpochSecond());
            out.writeInt(instant.getNano());
        } else if (value instanceof ByteBuffer bytes) {
            out.writeByte('b');
            ByteBuffer view = bytes.duplicate();
            out.writeInt(view.remaining());
            byte[] copy = new byte[view.remaining()];
            view.get(copy);
            out.write(copy);
        } else {
            throw new IllegalArgumentException(key + "/" + name + ": cannot hand over a value of " + (value == null ? "null" : value.getClass()));
        }
    }

    /**
     * The entry encoded in {@code bytes}, its handles made of the descriptors from {@code descriptors[from]} on. On a
     * malformed entry nothing is closed: the caller closes the descriptors from {@code from} on by number (the handles
     * made of some of them are dropped, never closed: closing them too would close a number twice).
     */
    static Decoded decode(byte[] bytes, int[] descriptors, int from) throws IOException {
        List<NativeHandle> handles = new ArrayList<>();
        int next = from;
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            String key = in.readUTF();
            Duration grace = Duration.ofMillis(in.readLong());
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                byte kind = in.readByte();
                int needed = kind == PIPE ? 2 : 1;
                if (next + needed > descriptors.length) {
                    throw new IOException(key + ": " + descriptors.length + " descriptors came, more are described");
                }
                handles.add(switch (kind) {
                    case PIPE -> JnaPipe.adopt(descriptors[next], descriptors[next + 1]);
                    case LISTENING -> JnaListeningSocket.adopt(descriptors[next]);
                    case STREAM -> new JnaStreamSocket(descriptors[next]);
                    default -> throw new IOException(key + ": unknown handle kind " + kind);
                });
                next += needed;
            }
            int entries = in.readInt();
            Map<String, Object> state = new LinkedHashMap<>();
            for (int i = 0; i < entries; i++) {
                String name = in.readUTF();
                state.put(name, readValue(in, key, name));
            }
            List<Flow> flows = new ArrayList<>();
            int flowCount = in.available() > 0 ? in.readInt() : 0; // none from a version that knew no flows
            for (int i = 0; i < flowCount; i++) {
                Flow flow = new Flow(in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readLong(), in.readLong(),
                        in.readInt(), in.readInt());
                if (!isStream(handles, flow.source()) || !isStream(handles, flow.sink())
                        || !(flow.pipe() == -1 || flow.pipe() >= 0 && flow.pipe() < handles.size() && handles.get(flow.pipe()) instanceof JnaPipe)) {
                    throw new IOException(key + ": a flow names handles " + flow.source() + ", " + flow.sink() + ", " + flow.pipe()
                            + " that are not two stream sockets and a pipe of its " + handles.size());
                }
                flows.add(flow);
            }
            return new Decoded(new Parked(key, Map.copyOf(state), List.copyOf(handles), List.copyOf(flows)), grace, next - from);
        } catch (IOException | RuntimeException e) {
            throw e instanceof IOException io ? io : new IOException("malformed hand-over message: " + e.getMessage(), e);
        }
    }

    private static boolean isStream(List<NativeHandle> handles, int index) {
        return index >= 0 && index < handles.size() && handles.get(index) instanceof JnaStreamSocket;
    }

    private static Object readValue(DataInputStream in, String key, String name) throws IOException {
        byte tag = in.readByte();
        return switch (tag) {
            case 's' -> in.readUTF();
            case 'j' -> in.readLong();
            case 'i' -> in.readInt();
            case 'z' -> in.readBoolean();
            case 'a' -> {
                byte[] address = new byte[in.readUnsignedByte()];
                in.readFully(address);
                int scope = in.readInt();
                int port = in.readUnsignedShort();
                InetAddress ip = address.length == 16 && scope != 0 ? Inet6Address.getByAddress(null, address, scope)
                        : InetAddress.getByAddress(address);
                yield new InetSocketAddress(ip, port);
            }
            case 't' -> Instant.ofEpochSecond(in.readLong(), in.readInt());
            case 'b' -> {
                byte[] copy = new byte[in.readInt()];
                in.readFully(copy);
                yield ByteBuffer.wrap(copy);
            }
            default -> throw new IOException(key + "/" + name + ": unknown value type " + (char) tag);
        };
    }
}
