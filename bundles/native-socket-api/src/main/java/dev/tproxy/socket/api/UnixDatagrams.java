package dev.tproxy.socket.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Sends one datagram to an AF_UNIX datagram socket, which the JDK cannot do: what the systemd notify protocol
 * ({@code $NOTIFY_SOCKET}, sd_notify(3)) needs.
 */
@ProviderType
public interface UnixDatagrams {
    /**
     * Sends {@code message} as one datagram to {@code address}: a file-system path, or a name in the abstract
     * namespace written with a leading {@code @} (as systemd writes it in {@code $NOTIFY_SOCKET}).
     *
     * @throws IllegalArgumentException when the address is empty or longer than a sockaddr_un holds
     * @throws NativeException when the datagram cannot be sent (e.g. ECONNREFUSED: nobody reads that socket)
     */
    void send(String address, byte[] message);
}
