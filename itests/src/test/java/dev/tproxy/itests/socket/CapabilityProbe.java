package dev.tproxy.itests.socket;

import dev.tproxy.socket.api.ListenOptions;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.internal.JnaTransparentSocketService;
import java.net.InetAddress;

/** Run in a process without CAP_NET_RAW/CAP_NET_ADMIN: prints what opening a transparent listener says. */
public final class CapabilityProbe {
    private CapabilityProbe() {}

    public static void main(String[] args) throws Exception {
        try {
            new JnaTransparentSocketService().listen(ListenOptions.transparent(InetAddress.getByName("127.0.0.1"), 0, 4)).close();
            System.out.println("OPENED");
        } catch (NativeException e) {
            System.out.println("REFUSED " + e.getMessage());
        }
    }
}
