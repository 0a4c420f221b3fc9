package dev.tproxy.socket.api;

import java.net.InetSocketAddress;

/**
 * An accepted connection.
 *
 * @param socket the non-blocking socket to the client
 * @param client the client's address (getpeername)
 * @param originalDestination where the client was connecting to (getsockname of a TPROXY-diverted socket)
 */
public record Accepted(StreamSocket socket, InetSocketAddress client, InetSocketAddress originalDestination) {}
