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

    static List<ListeningSocket> open(TransparentSocketService sockets, ListenerSettings settings) {
        List<ListeningSocket> opened = new ArrayList<>();
        try {
            for (InetAddress address : settings.bindAddresses()) {
                opened.add(sockets.listen(new ListenOptions(address, settings.port(), settings.backlog(), true, true, false)));
            }
            return opened;
        } catch (RuntimeException e) {
            opened.forEach(ListeningSocket::close);
            throw e;
        }
    }
}
