package dev.posthorn.delivery.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A receiver on a plain server socket, for tests that need what an HTTP server library hides: when a
 * client gives a connection up, or answering a byte at a time. Reads each request's head and body and
 * hands them to a {@link Handler}, one virtual thread per connection.
 */
final class RawHttpReceiver implements AutoCloseable {

    static final byte[] OK_EMPTY = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One request on a connection; returns false to close the connection (the exchange is over). */
    @FunctionalInterface
    interface Handler {
        boolean handle(Request request, Socket socket, InputStream in, OutputStream out) throws IOException;
    }

    /** A request's head, lower-cased header lookups. */
    record Request(String head) {
        String header(String name, String otherwise) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return otherwise;
        }
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    RawHttpReceiver(Handler handler) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    threads.execute(() -> serve(socket, handler));
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/hooks");
    }

    private static void serve(Socket socket, Handler handler) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            String head;
            while ((head = readHead(in)) != null) {
                Request request = new Request(head);
                in.readNBytes(Integer.parseInt(request.header("content-length", "0")));
                if (!handler.handle(request, socket, in, out)) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.US_ASCII);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
