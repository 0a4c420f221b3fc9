package dev.tproxy.proxy.internal.listener;

import dev.tproxy.proxy.internal.config.ListenerSettings;
import dev.tproxy.socket.api.ListenOptions;
import dev.tproxy.socket.api.ListeningSocket;
import dev.tproxy.socket.api.TransparentSocketService;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** Opens a listener's transparent sockets, all or none. */
final class ListenerSockets {
    private ListenerSockets() {}

    /** True when {@code sockets} listen on exactly the addresses and port {@code settings} ask for. */
    static boolean match(List<ListeningSocket> sockets, ListenerSettings settings) {
        if (sockets.size() != settings.bindAddresses().size()) {
            return false;
        }
        for (ListeningSocket socket : sockets) {
            if (!socket.isOpen() || socket.localAddress().getPort() != settings.port()
                    || !settings.bindAddresses().contains(socket.localAddress().getAddress())) {
                return false;
            }
        }
        return true;
    }

    static List<ListeningSocket> open(TransparentSocketService sockets, ListenerSettings settings) {
        List<ListeningSocket> opened = new ArrayList<>();
        try {
            for (InetAddress address : settings.bindAddresses()) {
                opened.add(sockets.listen(ListenOptions.transparent(address, settings.port(), settings.backlog())));
            }
            return opened;
        } catch (RuntimeException e) {
            opened.forEach(ListeningSocket::close);
            throw e;
        }
    }
}
