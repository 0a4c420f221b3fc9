package dev.tproxy.itests.proxy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/** What the lab's servers do with a connection, one behaviour per port. */
final class TestServers {
    static final int ECHO = 80;
    static final int CLOSED = 81;
    static final int BULK = 82;
    static final int REPLY_AFTER_EOF = 83;
    static final int HOLD = 84;
    static final int RESET_AT_ONCE = 85;
    static final int WHOAMI = 86;
    static final int ANSWER_PAIRS = 87;
    static final int URGENT = 88;
    static final String PORTS = "80-88";
    static final int BULK_BYTES = 64 << 20;
    static final int REPLY_BYTES = 1 << 20;

    private TestServers() {}

    static void echo(Socket peer) {
        try (peer; InputStream in = peer.getInputStream(); OutputStream out = peer.getOutputStream()) {
            byte[] buffer = new byte[65536];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (Exception e) {
            // The client reset or went away: nothing to echo.
        }
    }

    /** Sends BULK_BYTES of seeded data while digesting what arrives; then writes nothing more. */
    static void bulk(Socket peer) {
        try (peer) {
            Thread writer = new Thread(() -> {
                try {
                    sendSeeded(peer.getOutputStream(), 2, BULK_BYTES);
                    peer.shutdownOutput();
                } catch (Exception e) {
                    // Reported by the client's digest check.
                }
            });
            writer.start();
            String digest = digest(peer.getInputStream());
            writer.join();
            lastBulkDigest = digest;
        } catch (Exception e) {
            lastBulkDigest = "failed: " + e;
        }
    }

    static volatile String lastBulkDigest;

    /** Reads the whole request (until the client's FIN), then replies REPLY_BYTES and closes. */
    static void replyAfterEof(Socket peer) {
        try (peer) {
            byte[] request = peer.getInputStream().readAllBytes();
            OutputStream out = peer.getOutputStream();
            out.write(("got " + request.length + "\n").getBytes());
            sendSeeded(out, 3, REPLY_BYTES);
        } catch (Exception e) {
            // The client's check reports it.
        }
    }

    /** Reads until the client goes away and remembers how it went. */
    static void hold(Socket peer) {
        try (peer) {
            peer.getInputStream().readAllBytes();
            lastHoldEnding = "eof";
        } catch (Exception e) {
            lastHoldEnding = e.getMessage();
        }
    }

    static volatile String lastHoldEnding;

    static void resetAtOnce(Socket peer) {
        try {
            peer.setSoLinger(true, 0);
            peer.close();
        } catch (Exception e) {
            // Nothing else to do.
        }
    }

    /** Answers every two bytes with those two bytes, and says nothing before the second has come. */
    static void answerPairs(Socket peer) {
        try (peer; InputStream in = peer.getInputStream(); OutputStream out = peer.getOutputStream()) {
            for (byte[] pair; (pair = in.readNBytes(2)).length == 2; ) {
                out.write(pair);
            }
        } catch (Exception e) {
            // The client went away.
        }
    }

    static void whoami(Socket peer) {
        try (peer) {
            peer.getOutputStream().write(peer.getInetAddress().getHostAddress().getBytes());
        } catch (Exception e) {
            // The client's check reports it.
        }
    }

    static void sendSeeded(OutputStream out, long seed, int bytes) throws java.io.IOException {
        Random random = new Random(seed);
        byte[] chunk = new byte[65536];
        for (int sent = 0; sent < bytes; sent += chunk.length) {
            random.nextBytes(chunk);
            out.write(chunk, 0, Math.min(chunk.length, bytes - sent));
        }
    }

    static String seededDigest(long seed, int bytes) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        Random random = new Random(seed);
        byte[] chunk = new byte[65536];
        for (int sent = 0; sent < bytes; sent += chunk.length) {
            random.nextBytes(chunk);
            digest.update(chunk, 0, Math.min(chunk.length, bytes - sent));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String digest(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[65536];
        for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Reads, with urgent data inline, until the client's FIN; then sends the same stream back, urgent bytes and all. */
    static void urgent(Socket peer) {
        try (peer) {
            peer.setOOBInline(true);
            byte[] got = peer.getInputStream().readAllBytes();
            lastUrgentCheck = java.util.Arrays.equals(got, UrgentStream.bytes()) ? "exact" : "differs: " + got.length + " bytes";
            UrgentStream.send(peer);
        } catch (Exception e) {
            lastUrgentCheck = "failed: " + e;
        }
    }

    static volatile String lastUrgentCheck;
}
