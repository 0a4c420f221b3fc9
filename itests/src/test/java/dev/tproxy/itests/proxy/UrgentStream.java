package dev.tproxy.itests.proxy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;

/** A stream with two urgent bytes (TCP's urgent pointer, as telnet and FTP send them): one early, one late. */
final class UrgentStream {
    static final int EARLY = 3;
    /** Past the first 64 KiB, which the proxy copies: the late one arrives while it splices. */
    static final int LATE = 200_000;
    static final int LENGTH = LATE + 1000;

    private UrgentStream() {}

    static byte[] bytes() {
        byte[] all = new byte[LENGTH];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) (i * 31 + (i >>> 11));
        }
        return all;
    }

    /** Writes {@link #bytes()}, the bytes at EARLY and LATE each sent alone as urgent data (MSG_OOB). */
    static void send(Socket socket) throws IOException {
        byte[] all = bytes();
        OutputStream out = socket.getOutputStream();
        out.write(all, 0, EARLY);
        socket.sendUrgentData(all[EARLY]);
        out.write(all, EARLY + 1, LATE - EARLY - 1);
        socket.sendUrgentData(all[LATE]);
        out.write(all, LATE + 1, LENGTH - LATE - 1);
        out.flush();
    }
}
