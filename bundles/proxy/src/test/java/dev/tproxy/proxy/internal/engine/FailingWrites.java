package dev.tproxy.proxy.internal.engine;

import dev.tproxy.socket.api.Pipe;
import dev.tproxy.socket.api.StreamSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** A real socket whose writes throw a chosen fault; everything else reaches the socket. */
final class FailingWrites implements StreamSocket {
    private final StreamSocket socket;
    private final RuntimeException fault;

    FailingWrites(StreamSocket socket, RuntimeException fault) {
        this.socket = socket;
        this.fault = fault;
    }

    @Override
    public long write(ByteBuffer direct) {
        throw fault;
    }

    @Override
    public int socketError() {
        return socket.socketError();
    }

    @Override
    public long spliceTo(Pipe pipe, long maxBytes) {
        return socket.spliceTo(pipe, maxBytes);
    }

    @Override
    public long read(ByteBuffer direct) {
        return socket.read(direct);
    }

    @Override
    public long peek(ByteBuffer direct) {
        return socket.peek(direct);
    }

    @Override
    public long discard(long bytes) {
        return socket.discard(bytes);
    }

    @Override
    public void shutdownOutput() {
        socket.shutdownOutput();
    }

    @Override
    public void resetAndClose() {
        socket.resetAndClose();
    }

    @Override
    public void setNoDelay(boolean on) {
        socket.setNoDelay(on);
    }

    @Override
    public void sendPendingAck() {
        socket.sendPendingAck();
    }

    @Override
    public int receiveQueued() {
        return socket.receiveQueued();
    }

    @Override
    public int sendQueued() {
        return socket.sendQueued();
    }

    @Override
    public InetSocketAddress localAddress() {
        return socket.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return socket.remoteAddress();
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
