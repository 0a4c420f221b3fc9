package dev.tproxy.itests.lab;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Real clients and servers for tests: sockets opened from threads inside the lab's namespaces. */
public final class Peers implements AutoCloseable {
    private final Lab lab;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "peer");
        thread.setDaemon(true);
        return thread;
    });

    public Peers(Lab lab) {
        this.lab = lab;
    }

    /** A server socket in the server namespace. */
    public ServerSocket listen(String address, int port) throws Exception {
        return lab.inNamespace(lab.server(), () -> new ServerSocket(port, 2048, InetAddress.getByName(address)));
    }

    /** A client connection from the client namespace to {@code address:port} (which the router diverts). */
    public Socket dial(String address, int port) throws Exception {
        return lab.inNamespace(lab.client(), () -> {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(address, port), 10_000);
            return socket;
        });
    }

    /** Runs {@code task} on a peer thread. */
    public <T> CompletableFuture<T> async(java.util.concurrent.Callable<T> task) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return task.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, threads);
    }

    /** Accepts forever on {@code server}, handing each connection to {@code handler} on its own thread. */
    public void serve(ServerSocket server, java.util.function.Consumer<Socket> handler) {
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket peer = server.accept();
                    threads.execute(() -> handler.accept(peer));
                } catch (java.io.IOException e) {
                    return;
                }
            }
        });
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
