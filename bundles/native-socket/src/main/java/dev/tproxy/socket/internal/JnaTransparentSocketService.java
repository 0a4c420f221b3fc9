package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.BufferMemory;
import dev.tproxy.socket.api.ConnectOptions;
import dev.tproxy.socket.api.Epoll;
import dev.tproxy.socket.api.EventFd;
import dev.tproxy.socket.api.ListenOptions;
import dev.tproxy.socket.api.ListeningSocket;
import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;
import dev.tproxy.socket.api.TransparentSocketService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/** {@link TransparentSocketService} over libc through JNA direct mapping. Linux only. */
@Component(service = TransparentSocketService.class, immediate = true)
public final class JnaTransparentSocketService implements TransparentSocketService {

    @Activate
    public JnaTransparentSocketService() {
        PlatformCheck.requireSupported();
        LibC.load();
    }

    @Override
    public ListeningSocket listen(ListenOptions options) {
        return JnaListeningSocket.open(options);
    }

    @Override
    public StreamSocket connect(ConnectOptions options) {
        return JnaStreamSocket.connect(options);
    }

    @Override
    public Epoll openEpoll(int maxEvents) {
        return JnaEpoll.open(maxEvents);
    }

    @Override
    public Pipe openPipe(int size) {
        return JnaPipe.open(size);
    }

    @Override
    public BufferMemory openBufferMemory(int slots, int slotSize) {
        return JnaBufferMemory.map(slots, slotSize);
    }

    @Override
    public EventFd openEventFd() {
        return JnaEventFd.open();
    }

    @Override
    public long openFilesLimit() {
        Scratch scratch = Scratch.get();
        if (LibC.getrlimit(Linux.RLIMIT_NOFILE, scratch.value()) != 0) {
            throw Errors.lastError("getrlimit(RLIMIT_NOFILE)");
        }
        return scratch.view.getLong(Scratch.VALUE);
    }

    @Override
    public int openFiles() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/self/fd", e);
        }
    }
}
