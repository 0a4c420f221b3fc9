package dev.tproxy.itests.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tproxy.itests.lab.Lab;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SmokeIT {
    @Test
    void echoThroughTheProxy() throws Exception {
        try (Lab lab = Lab.create()) {
            lab.intercept(9876, "80");
            try (ProxyUnderTest proxy = new ProxyUnderTest(lab, Map.of());
                    ServerSocket server = lab.inNamespace(lab.server(), () -> new ServerSocket(80, 50, InetAddress.getByName(Lab.SERVER_V4)))) {
                CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
                    try (Socket s = server.accept()) {
                        byte[] buf = s.getInputStream().readAllBytes();
                        s.getOutputStream().write(("echo:" + new String(buf, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
                        return s.getInetAddress().getHostAddress();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                String reply = lab.inNamespace(lab.client(), () -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(Lab.SERVER_V4, 80), 5000);
                        OutputStream out = s.getOutputStream();
                        out.write("hello".getBytes(StandardCharsets.UTF_8));
                        s.shutdownOutput();
                        InputStream in = s.getInputStream();
                        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    }
                });
                System.out.println(proxy.log);
                assertEquals("echo:hello", reply);
                assertEquals(Lab.CLIENT_V4, seen.join());
            }
        }
    }
}
