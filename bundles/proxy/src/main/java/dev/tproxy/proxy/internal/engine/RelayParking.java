package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.CloseReason;
import dev.tproxy.proxy.api.ConnectionState;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.api.DurationHistogram;
import dev.tproxy.proxy.api.TrafficCounters;
import dev.tproxy.proxy.api.UpstreamFailure;
import dev.tproxy.socket.api.HandleParking;
import dev.tproxy.socket.api.ListeningSocket;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.NativeHandle;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a hot update hands from one version of the proxy to the next through {@link HandleParking}: each
 * relay (its sockets, its pipes or copy buffer with the bytes in them, its facts), each listener's counters and
 * listening sockets, and the last connection id. State is kept in JDK types only: the old version's classes are
 * gone after the update. The keys below are a contract between versions: add keys, never rename or reuse one.
 */
public final class RelayParking {
    /** Relays parked by versions before parked flows; this version reads them, never writes them. */
    private static final String STILL_RELAY = "dev.tproxy.proxy/relay/";
    /**
     * Relays whose flows the parking lot may have moved: their pipes' pending counts in the state are stale, so a
     * version that knows no flows must not find them (it would trust those counts; it leaves them to expire instead).
     */
    static final String RELAY = "dev.tproxy.proxy/moving-relay/";
    private static final String COUNTERS = "dev.tproxy.proxy/counters/";
    private static final String LISTENER_SOCKETS = "dev.tproxy.proxy/listener/";
    private static final String ENGINE = "dev.tproxy.proxy/engine";
    /** The engine settings last in force (as described): what a rejected configuration leaves running. */
    private static final String ENGINE_SETTINGS = "dev.tproxy.proxy/engine-settings";
    private static final Duration KEEP_SETTINGS = Duration.ofDays(365);
    private static final String LAST_ID = "lastId";
    private static final String HOT_UPDATES = "hotUpdates";

    // A relay's facts; its handles are [client, upstream, pipes...].
    private static final String ID = "id";
    private static final String LISTENER = "listener";
    private static final String CLIENT = "client";
    private static final String DESTINATION = "destination";
    private static final String UPSTREAM_SOURCE = "upstreamSource";
    private static final String STATE = "state";
    private static final String STARTED = "started";
    private static final String START_NANOS = "startNanos";
    private static final String LAST_ACTIVITY = "lastActivity";
    private static final String CONNECT_DEADLINE = "connectDeadline";

    // A direction's facts, under FROM_CLIENT or FROM_SERVER; present once the relay has connected.
    private static final String FROM_CLIENT = "fromClient.";
    private static final String FROM_SERVER = "fromServer.";
    private static final String SOURCE_ENDED = "sourceEnded";
    private static final String FINISHED = "finished";
    private static final String BYTES = "bytes";
    private static final String COPY_ONLY = "copyOnly";
    private static final String PIPE_SIZE = "pipeSize";
    private static final String SINK_NO_DELAY = "sinkNoDelay";
    private static final String SINK_WRITTEN = "sinkWritten";
    /** The index of the direction's pipe in the handles, and the bytes in it. */
    private static final String PIPE = "pipe";
    private static final String PENDING = "pending";
    /** The direction's copy buffer with bytes still to write, when it holds one. */
    private static final String COPY = "copy";
    /** The index of the direction's flow, when the parking lot keeps it moving (its pipe and pending are the flow's). */
    private static final String FLOW = "flow";

    // A listener's cumulative counters (active counts are counted anew from the relays carried over).
    private static final String ACCEPTED = "accepted";
    private static final String DURATION_BUCKET = "durationBucket.";
    private static final String DURATION_NANOS = "durationNanos";
    private static final String CLOSED = "closed";
    private static final String BYTES_FROM_CLIENT = "bytesFromClient";
    private static final String BYTES_FROM_SERVER = "bytesFromServer";
    private static final String REFUSED = "refused.";
    private static final String FAILED = "failed.";
    private static final String CLOSED_BY = "closedBy.";

    private final HandleParking parking;
    private final Duration grace;

    RelayParking(HandleParking parking, Duration grace) {
        this.parking = parking;
        this.grace = grace;
    }

    /** How long what is parked waits for the next version before it is closed. */
    public Duration grace() {
        return grace;
    }

    /** Takes {@code relay} off its loop, without closing anything, and parks it. Loop thread. */
    void park(Relay relay) {
        Relay.Parts parts = relay.detach();
        Relay.Facts facts = parts.facts();
        Map<String, Object> state = new HashMap<>();
        state.put(ID, facts.id());
        state.put(LISTENER, relay.listener.pid());
        state.put(CLIENT, facts.client());
        state.put(DESTINATION, facts.destination());
        if (facts.upstreamSource() != null) {
            state.put(UPSTREAM_SOURCE, facts.upstreamSource());
        }
        state.put(STATE, facts.state().name());
        state.put(STARTED, facts.started());
        state.put(START_NANOS, facts.startNanos());
        state.put(LAST_ACTIVITY, facts.lastActivity());
        state.put(CONNECT_DEADLINE, facts.connectDeadline());
        List<NativeHandle> handles = new ArrayList<>(List.of(parts.client(), parts.upstream()));
        List<HandleParking.Flow> flows = new ArrayList<>();
        if (parts.fromClient() != null) {
            TransitPool pool = relay.loop().transits;
            parkDirection(FROM_CLIENT, parts.fromClient(), state, handles, pool, flows, CLIENT_HANDLE, UPSTREAM_HANDLE);
            parkDirection(FROM_SERVER, parts.fromServer(), state, handles, pool, flows, UPSTREAM_HANDLE, CLIENT_HANDLE);
        }
        parking.park(RELAY + facts.id(), state, handles, grace, flows);
    }

    private static final int CLIENT_HANDLE = 0;
    private static final int UPSTREAM_HANDLE = 1;

    /**
     * Parks a direction's facts and transit. One that has not ended, can splice and has no copied bytes waiting
     * goes on moving while parked: its flow is the parking lot's until the next version claims it (docs/design.md,
     * "Hot update"). Its sink gets TCP_NODELAY first, as it would before its second write here: the lot's small
     * writes must not wait for acknowledgements.
     */
    private static void parkDirection(String prefix, Direction direction, Map<String, Object> state, List<NativeHandle> handles,
            TransitPool pool, List<HandleParking.Flow> flows, int source, int sink) {
        Direction.Facts facts = direction.facts();
        boolean keepsMoving = !facts.finished() && !facts.sourceEnded() && !facts.copyOnly()
                && !direction.holdsCopiedBytes();
        if (keepsMoving && !facts.sinkNoDelay()) {
            try {
                ((StreamSocket) handles.get(sink)).setNoDelay(true);
                facts = new Direction.Facts(facts.sourceEnded(), facts.finished(), facts.bytes(), facts.copyOnly(), facts.pipeSize(),
                        true, facts.sinkWritten());
            } catch (NativeException e) {
                keepsMoving = false; // the socket failed: its owner finds out
            }
        }
        state.put(prefix + SOURCE_ENDED, facts.sourceEnded());
        state.put(prefix + FINISHED, facts.finished());
        state.put(prefix + BYTES, facts.bytes());
        state.put(prefix + COPY_ONLY, facts.copyOnly());
        state.put(prefix + PIPE_SIZE, facts.pipeSize());
        state.put(prefix + SINK_NO_DELAY, facts.sinkNoDelay());
        state.put(prefix + SINK_WRITTEN, facts.sinkWritten());
        Transit transit = direction.detachTransit();
        // A copy buffer belongs to this version's memory: its bytes are copied out, and the buffer given back.
        if (transit instanceof PipeTransit pipe) {
            if (keepsMoving) {
                state.put(prefix + FLOW, flows.size());
                flows.add(HandleParking.Flow.of(source, sink, handles.size(), facts.pipeSize(), pipe.pending()));
            }
            state.put(prefix + PIPE, handles.size());
            state.put(prefix + PENDING, pipe.pending());
            handles.add(pipe.pipe);
        } else if (transit instanceof CopyTransit copy) {
            if (copy.pending() > 0) {
                state.put(prefix + COPY, copy.pendingCopy());
            }
            pool.discard(copy);
        } else if (keepsMoving) {
            state.put(prefix + FLOW, flows.size());
            flows.add(HandleParking.Flow.of(source, sink, -1, facts.pipeSize(), 0));
        }
    }

    /** The keys of the relays the previous version parked. */
    List<String> parkedRelays() {
        List<String> keys = new ArrayList<>(parking.keys(RELAY));
        keys.addAll(parking.keys(STILL_RELAY));
        return keys;
    }

    /**
     * Claims one parked relay: it is the caller's to {@link #adopt} or close. Its bytes move in the parking lot until
     * this call, so a relay is claimed only when its loop is ready to take it on.
     */
    Optional<HandleParking.Parked> claimRelay(String key) {
        return parking.claim(key);
    }

    /** The PID of the listener a parked relay belongs to. */
    static String listenerOf(HandleParking.Parked relay) {
        return (String) relay.state().get(LISTENER);
    }

    /** Puts a parked relay back together on {@code loop} (not yet registered: start it there). */
    Relay adopt(HandleParking.Parked parked, ListenerRuntime listener, EventLoop loop, Relay.Endings endings) {
        Map<String, Object> state = parked.state();
        List<NativeHandle> handles = parked.handles();
        long startNanos = (Long) state.get(START_NANOS);
        Relay.Facts facts = new Relay.Facts((Long) state.get(ID), (InetSocketAddress) state.get(CLIENT),
                (InetSocketAddress) state.get(DESTINATION), (InetSocketAddress) state.get(UPSTREAM_SOURCE),
                ConnectionState.valueOf((String) state.get(STATE)), (Instant) state.get(STARTED), startNanos,
                (Long) state.get(LAST_ACTIVITY), (Long) state.get(CONNECT_DEADLINE));
        StreamSocket client = (StreamSocket) handles.get(0);
        StreamSocket upstream = (StreamSocket) handles.get(1);
        Direction fromClient = null;
        Direction fromServer = null;
        if (state.containsKey(FROM_CLIENT + BYTES)) {
            HandleParking.Flow clientFlow = flowOf(FROM_CLIENT, parked);
            HandleParking.Flow serverFlow = flowOf(FROM_SERVER, parked);
            Direction.Facts clientFacts = directionFacts(FROM_CLIENT, state, clientFlow);
            fromClient = Direction.fromClient(client, upstream, loop.transits, clientFacts.pipeSize())
                    .resume(clientFacts, transit(FROM_CLIENT, state, handles, loop.transits, clientFlow));
            Direction.Facts serverFacts = directionFacts(FROM_SERVER, state, serverFlow);
            fromServer = Direction.fromServer(upstream, client, loop.transits, serverFacts.pipeSize())
                    .resume(serverFacts, transit(FROM_SERVER, state, handles, loop.transits, serverFlow));
            long movedUp = clientFlow == null ? 0 : clientFlow.moved();
            long movedDown = serverFlow == null ? 0 : serverFlow.moved();
            listener.counters().addFromClient(movedUp);
            listener.counters().addFromServer(movedDown);
            if (movedUp + movedDown > 0) {
                facts = new Relay.Facts(facts.id(), facts.client(), facts.destination(), facts.upstreamSource(), facts.state(),
                        facts.started(), facts.startNanos(), System.nanoTime(), facts.connectDeadline());
            }
        }
        return new Relay(new Relay.Parts(facts, client, upstream, fromClient, fromServer), listener, loop, endings);
    }

    /** The flow the parking lot moved for this direction, if it did. */
    private static HandleParking.Flow flowOf(String prefix, HandleParking.Parked parked) {
        return parked.state().get(prefix + FLOW) instanceof Integer index && index < parked.flows().size()
                ? parked.flows().get(index) : null;
    }

    /**
     * An error the parking lot met on a parked relay's socket (which then reported it to the lot, not again): the side,
     * as a {@link RelayFault} would name it, or empty.
     */
    static Optional<RelayFault> faultWhileParked(HandleParking.Parked parked) {
        for (String prefix : List.of(FROM_CLIENT, FROM_SERVER)) {
            HandleParking.Flow flow = flowOf(prefix, parked);
            if (flow != null && flow.failed()) {
                boolean atSource = flow.sourceErrno() != 0;
                int handle = atSource ? flow.source() : flow.sink();
                int errno = atSource ? flow.sourceErrno() : flow.sinkErrno();
                return Optional.of(new RelayFault(handle == CLIENT_HANDLE ? Relay.CLIENT : Relay.UPSTREAM, errno,
                        "while parked: errno " + errno));
            }
        }
        return Optional.empty();
    }

    private static Direction.Facts directionFacts(String prefix, Map<String, Object> state, HandleParking.Flow flow) {
        // Versions before the sink flags gave every sink TCP_NODELAY up front.
        long moved = flow == null ? 0 : flow.moved();
        return new Direction.Facts((Boolean) state.get(prefix + SOURCE_ENDED), (Boolean) state.get(prefix + FINISHED),
                (Long) state.get(prefix + BYTES) + moved, (Boolean) state.get(prefix + COPY_ONLY),
                (Integer) state.get(prefix + PIPE_SIZE), (Boolean) state.getOrDefault(prefix + SINK_NO_DELAY, true),
                (Boolean) state.getOrDefault(prefix + SINK_WRITTEN, true) || moved > 0);
    }

    private static Transit transit(String prefix, Map<String, Object> state, List<NativeHandle> handles, TransitPool pool,
            HandleParking.Flow flow) {
        if (flow != null) {
            if (flow.pipe() < 0) {
                return null;
            }
            Transit pipe = pool.reclaimPipe((Pipe) handles.get(flow.pipe()), flow.pending());
            if (flow.pending() == 0) {
                // Closed rather than kept idle: hundreds of parked flows would fill the idle pipes for seconds.
                pool.discard(pipe);
                return null;
            }
            return pipe;
        }
        if (state.get(prefix + PIPE) instanceof Integer index) {
            return pool.reclaimPipe((Pipe) handles.get(index), (Long) state.get(prefix + PENDING));
        }
        if (state.get(prefix + COPY) instanceof ByteBuffer buffer) {
            return pool.reclaimCopy(buffer);
        }
        return null;
    }

    /** Parks a listener's cumulative counters. */
    void parkCounters(ListenerRuntime listener) {
        TrafficCounters counters = listener.counters().snapshot();
        Map<String, Object> state = new HashMap<>();
        state.put(ACCEPTED, counters.accepted());
        state.put(CLOSED, counters.closed());
        state.put(BYTES_FROM_CLIENT, counters.bytesFromClient());
        state.put(BYTES_FROM_SERVER, counters.bytesFromServer());
        counters.refused().forEach((reason, count) -> state.put(REFUSED + reason.name(), count));
        counters.upstreamFailures().forEach((failure, count) -> state.put(FAILED + failure.name(), count));
        counters.closedBy().forEach((reason, count) -> state.put(CLOSED_BY + reason.name(), count));
        List<Long> buckets = counters.durations().bucketCounts();
        for (int i = 0; i < buckets.size(); i++) {
            state.put(DURATION_BUCKET + i, buckets.get(i));
        }
        state.put(DURATION_NANOS, counters.durations().sumNanos());
        parking.park(COUNTERS + listener.pid(), state, List.of(), grace);
    }

    /** Adds the counters an earlier version parked for this listener, if any; names this version does not know are ignored. */
    void restoreCounters(ListenerRuntime listener) {
        parking.claim(COUNTERS + listener.pid()).ifPresent(parked -> {
            Map<String, Object> state = parked.state();
            Map<RefusalReason, Long> refused = new EnumMap<>(RefusalReason.class);
            for (RefusalReason reason : RefusalReason.values()) {
                refused.put(reason, count(state, REFUSED + reason.name()));
            }
            Map<UpstreamFailure, Long> failed = new EnumMap<>(UpstreamFailure.class);
            for (UpstreamFailure failure : UpstreamFailure.values()) {
                failed.put(failure, count(state, FAILED + failure.name()));
            }
            Map<CloseReason, Long> closedBy = new EnumMap<>(CloseReason.class);
            for (CloseReason reason : CloseReason.values()) {
                closedBy.put(reason, count(state, CLOSED_BY + reason.name()));
            }
            List<Long> buckets = new ArrayList<>();
            for (int i = 0; i <= DurationHistogram.UPPER_BOUNDS.size(); i++) {
                buckets.add(count(state, DURATION_BUCKET + i));
            }
            listener.counters().add(new TrafficCounters(count(state, ACCEPTED), 0, count(state, CLOSED), refused, failed,
                    count(state, BYTES_FROM_CLIENT), count(state, BYTES_FROM_SERVER), closedBy,
                    new DurationHistogram(buckets, count(state, DURATION_NANOS))));
        });
    }

    private static long count(Map<String, Object> state, String key) {
        return state.get(key) instanceof Long value ? value : 0;
    }

    /** The PIDs of listeners whose counters the previous version parked. */
    List<String> listenersWithParkedCounters() {
        return parking.keys(COUNTERS).stream().map(key -> key.substring(COUNTERS.length())).toList();
    }

    void parkEngine(long lastId, long hotUpdates) {
        parking.park(ENGINE, Map.of(LAST_ID, lastId, HOT_UPDATES, hotUpdates), List.of(), grace);
    }

    /** What the previous version parked of the engine's own: the last connection id it gave out, the updates so far. */
    record EngineFacts(long lastId, long hotUpdates) {}

    Optional<EngineFacts> claimEngine() {
        return parking.claim(ENGINE).map(p -> new EngineFacts((Long) p.state().get(LAST_ID), count(p.state(), HOT_UPDATES)));
    }

    /** Keeps the engine settings in force for the next activation (a rejected configuration falls back to them). */
    static void keepEngineSettings(HandleParking parking, Map<String, String> settings) {
        parking.park(ENGINE_SETTINGS, Map.copyOf(settings), List.of(), KEEP_SETTINGS);
    }

    /** The engine settings in force before, as described, if kept. */
    @SuppressWarnings("unchecked")
    static Optional<Map<String, String>> claimEngineSettings(HandleParking parking) {
        return parking.claim(ENGINE_SETTINGS).map(parked -> {
            Map<String, String> fields = new HashMap<>();
            parked.state().forEach((key, value) -> fields.put(key, String.valueOf(value)));
            return fields;
        });
    }

    /** Parks a listener's open sockets, still queueing SYNs, for the next version of that listener. */
    public void parkListenerSockets(String pid, List<ListeningSocket> sockets) {
        parking.park(LISTENER_SOCKETS + pid, Map.of(), sockets, grace);
    }

    /** The sockets an earlier version of listener {@code pid} parked (empty if none); the caller's from now on. */
    public List<ListeningSocket> claimListenerSockets(String pid) {
        return parking.claim(LISTENER_SOCKETS + pid)
                .map(parked -> parked.handles().stream().map(ListeningSocket.class::cast).toList())
                .orElse(List.of());
    }
}
