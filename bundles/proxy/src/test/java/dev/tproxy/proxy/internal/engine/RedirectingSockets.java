package dev.tproxy.proxy.internal.engine;

import dev.tproxy.socket.api.Accepted;
import dev.tproxy.socket.api.BufferMemory;
import dev.tproxy.socket.api.ConnectOptions;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.Epoll;
import dev.tproxy.socket.api.EventFd;
import dev.tproxy.socket.api.ListenOptions;
import dev.tproxy.socket.api.ListeningSocket;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;
import dev.tproxy.socket.api.TransparentSocketService;
import dev.tproxy.socket.internal.JnaTransparentSocketService;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The real sockets on loopback, with what TPROXY and routing would do played by a table: an accepted client's
 * "original destination" is a benchmarking address chosen by the test, and connecting to it reaches a loopback
 * server. Faults can be scripted: errnos for the next accepts, connects or pipes. Runs without root: upstream
 * sockets are ordinary (the transparent options asked for are recorded, not applied).
 */
final class RedirectingSockets implements TransparentSocketService {
    private final TransparentSocketService real = new JnaTransparentSocketService();
    private final Map<Integer, InetSocketAddress> destinationByClientPort = new ConcurrentHashMap<>();
    private final Map<InetSocketAddress, InetSocketAddress> realByDestination = new ConcurrentHashMap<>();
    private final Queue<Integer> acceptFaults = new ConcurrentLinkedQueue<>();
    private final Queue<Integer> connectFaults = new ConcurrentLinkedQueue<>();
    private volatile boolean pipesFail;
    private final Queue<RuntimeException> upstreamWriteFaults = new ConcurrentLinkedQueue<>();
    private volatile int bufferMemoriesLeft = Integer.MAX_VALUE;
    private volatile InetSocketAddress defaultDestination;
    /** Every connect the engine asked for, as it asked. */
    final List<ConnectOptions> connects = new CopyOnWriteArrayList<>();

    /** Connections to {@code destination} reach {@code server}. */
    void route(InetSocketAddress destination, InetSocketAddress server) {
        realByDestination.put(destination, server);
    }

    /** Clients whose destination is not given by {@link #clientGoesTo} seem to have dialled {@code destination}. */
    void defaultDestination(InetSocketAddress destination) {
        defaultDestination = destination;
    }

    /** The client connecting from local port {@code clientPort} seems to have dialled {@code destination}. */
    void clientGoesTo(int clientPort, InetSocketAddress destination) {
        destinationByClientPort.put(clientPort, destination);
    }

    void failNextAccept(int errno) {
        acceptFaults.add(errno);
    }

    void failNextConnect(int errno) {
        connectFaults.add(errno);
    }

    void failPipes(boolean fail) {
        pipesFail = fail;
    }

    /** The next upstream socket throws {@code fault} at its first write (a bug, or an errno the relay does not expect). */
    void failNextUpstreamWrite(RuntimeException fault) {
        upstreamWriteFaults.add(fault);
    }

    /** Only {@code count} more buffer memories can be mapped; then mmap fails with ENOMEM. */
    void allowBufferMemories(int count) {
        bufferMemoriesLeft = count;
    }

    @Override
    public ListeningSocket listen(ListenOptions options) {
        return new Redirected(real.listen(new ListenOptions(options.address(), options.port(), options.backlog(), false,
                options.v6Only(), options.reusePort())));
    }

    @Override
    public StreamSocket connect(ConnectOptions options) {
        connects.add(options);
        Integer errno = connectFaults.poll();
        if (errno != null) {
            throw new NativeException("connect", errno, "connect: scripted " + Errno.name(errno));
        }
        InetSocketAddress server = realByDestination.getOrDefault(options.destination(), options.destination());
        StreamSocket socket = real.connect(new ConnectOptions(server, null, false, 0, options.ackWithFirstData()));
        RuntimeException fault = upstreamWriteFaults.poll();
        return fault == null ? socket : new FailingWrites(socket, fault);
    }

    @Override
    public Epoll openEpoll(int maxEvents) {
        return real.openEpoll(maxEvents);
    }

    @Override
    public Pipe openPipe(int size) {
        if (pipesFail) {
            throw new NativeException("pipe2", Errno.EMFILE, "pipe2: scripted EMFILE");
        }
        return real.openPipe(size);
    }

    @Override
    public BufferMemory openBufferMemory(int slots, int slotSize) {
        if (bufferMemoriesLeft-- <= 0) {
            throw new NativeException("mmap", Errno.ENOMEM, "mmap: scripted ENOMEM");
        }
        return real.openBufferMemory(slots, slotSize);
    }

    @Override
    public EventFd openEventFd() {
        return real.openEventFd();
    }

    @Override
    public long openFilesLimit() {
        return real.openFilesLimit();
    }

    @Override
    public int openFiles() {
        return real.openFiles();
    }

    /** A real listening socket whose accepted clients carry the destination the test chose. */
    private final class Redirected implements ListeningSocket {
        private final ListeningSocket socket;

        Redirected(ListeningSocket socket) {
            this.socket = socket;
        }

        @Override
        public Accepted accept() {
            Integer errno = acceptFaults.poll();
            if (errno != null) {
                throw new NativeException("accept4", errno, "accept4: scripted " + Errno.name(errno));
            }
            Accepted accepted = socket.accept();
            if (accepted == null) {
                return null;
            }
            InetSocketAddress destination = destinationByClientPort.getOrDefault(accepted.client().getPort(), defaultDestination);
            return new Accepted(accepted.socket(), accepted.client(), destination != null ? destination : accepted.originalDestination());
        }

        @Override
        public InetSocketAddress localAddress() {
            return socket.localAddress();
        }

        @Override
        public boolean isOpen() {
            return socket.isOpen();
        }

        @Override
        public int descriptor() {
            return socket.descriptor();
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
