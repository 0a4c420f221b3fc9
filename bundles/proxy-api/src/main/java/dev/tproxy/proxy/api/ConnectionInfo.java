package dev.tproxy.proxy.api;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * A snapshot of one connection.
 *
 * @param id stable, short id (unique for the runtime's life)
 * @param listener the name of the listener that accepted it
 * @param client the client's address
 * @param destination the original destination the client dialled
 * @param upstreamSource the local address of the upstream socket (the client's address when spoofing), null
 *        while connecting
 * @param state where the connection is
 * @param started when it was accepted
 * @param age how long it has been open
 * @param idle how long since a byte moved either way
 * @param bytesFromClient bytes relayed client to server
 * @param bytesFromServer bytes relayed server to client
 * @param clientFd the client socket's descriptor number (diagnostics)
 * @param upstreamFd the upstream socket's descriptor number (diagnostics)
 * @param pipedFromClient bytes sitting in the client-to-server buffer (pipe or copy buffer)
 * @param pipedFromServer bytes sitting in the server-to-client buffer
 */
public record ConnectionInfo(long id, String listener, InetSocketAddress client, InetSocketAddress destination,
        InetSocketAddress upstreamSource, ConnectionState state, Instant started, Duration age, Duration idle,
        long bytesFromClient, long bytesFromServer, int clientFd, int upstreamFd, long pipedFromClient,
        long pipedFromServer) {}
