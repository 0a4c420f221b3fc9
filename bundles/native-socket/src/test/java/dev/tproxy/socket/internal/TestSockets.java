package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.Accepted;
import dev.tproxy.socket.api.ListeningSocket;
import java.nio.ByteBuffer;

/** What the socket tests share: direct buffers of text, and accepting within a bound. */
final class TestSockets {
    private TestSockets() {}

    static ByteBuffer direct(String text) {
        byte[] bytes = text.getBytes();
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    /** The next connection on a non-blocking listener; fails the test after 5 s. */
    static Accepted acceptWithin(ListeningSocket listener) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            Accepted accepted = listener.accept();
            if (accepted != null) {
                return accepted;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("nothing to accept");
    }
}
