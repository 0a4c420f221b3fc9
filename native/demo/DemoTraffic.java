import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Traffic for the demo lab, run with the JDK's single-file launcher inside a namespace:
 *   java DemoTraffic.java server ADDRESS PORT       answers each line with "ADDRESS-OF-PEER says: LINE"
 *   java DemoTraffic.java client ADDRESS PORT N     keeps N connections open, one line per second on each
 * The server's answer shows the address it sees: with tproxy in client mode, the client's own.
 */
public final class DemoTraffic {
    public static void main(String[] args) throws Exception {
        if (args.length >= 3 && args[0].equals("server")) {
            serve(args[1], Integer.parseInt(args[2]));
        } else if (args.length >= 4 && args[0].equals("client")) {
            talk(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        } else {
            System.err.println("usage: DemoTraffic server ADDRESS PORT | client ADDRESS PORT CONNECTIONS");
            System.exit(2);
        }
    }

    private static void serve(String address, int port) throws Exception {
        try (ServerSocket server = new ServerSocket(port, 128, InetAddress.getByName(address))) {
            System.out.println("demo server listening on " + address + ":" + port);
            while (true) {
                Socket peer = server.accept();
                Thread thread = new Thread(() -> answer(peer));
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    private static void answer(Socket peer) {
        try (peer; BufferedReader in = new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
                PrintWriter out = new PrintWriter(peer.getOutputStream(), true, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                out.println(peer.getInetAddress().getHostAddress() + " says: " + line);
            }
        } catch (Exception e) {
            // The client went away.
        }
    }

    private static void talk(String address, int port, int count) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        List<BufferedReader> readers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(address, port), 5000);
            sockets.add(socket);
            readers.add(new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)));
        }
        System.out.println("demo client: " + count + " connections open to " + address + ":" + port);
        for (long tick = 1; ; tick++) {
            for (int i = 0; i < sockets.size(); i++) {
                Socket socket = sockets.get(i);
                OutputStream out = socket.getOutputStream();
                out.write(("hello " + tick + " from connection " + i + "\n").getBytes(StandardCharsets.UTF_8));
                String reply = readers.get(i).readLine();
                if (tick == 1 && i == 0) {
                    System.out.println("demo client: server answered: " + reply);
                }
            }
            Thread.sleep(1000);
        }
    }
}
