package dev.posthorn.app.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The subscriber every phase delivers to: a small HTTP/1.1 server on 127.0.0.1, one virtual thread
 * per keep-alive connection. {@code POST /hooks/<endpoint>} is answered by that
 * {@link ReceiverEndpoint}; unknown endpoints get 404.
 *
 * <p>Why not the JDK's {@code HttpServer}: it shares the benchmark's two cores with the system under
 * test, and formatting a {@code Date} header and normalising every header name per request made it
 * the largest single consumer of CPU in a run. This server reads exactly what the senders write
 * (request line, headers, a {@code Content-Length} body) and answers with a bare status line;
 * anything else (chunked bodies, oversized heads) is refused and the connection closed.
 */
final class WebhookReceiver implements AutoCloseable {

    private static final String PREFIX = "/hooks/";
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    private final ServerSocket server;
    private final Map<String, ReceiverEndpoint> endpoints = new ConcurrentHashMap<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread acceptor;

    private WebhookReceiver(ServerSocket server) {
        this.server = server;
        this.acceptor = Thread.ofPlatform().name("bench-receiver-accept").daemon().unstarted(this::accept);
    }

    static WebhookReceiver start() throws IOException {
        WebhookReceiver receiver = new WebhookReceiver(new ServerSocket(0, 1024, InetAddress.getLoopbackAddress()));
        receiver.acceptor.start();
        return receiver;
    }

    /** Adds an endpoint; its name must be unique for this receiver. */
    ReceiverEndpoint add(ReceiverEndpoint endpoint) {
        if (endpoints.putIfAbsent(endpoint.name(), endpoint) != null) {
            throw new IllegalArgumentException("endpoint " + endpoint.name() + " exists already");
        }
        return endpoint;
    }

    URI url(ReceiverEndpoint endpoint) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + PREFIX + endpoint.name());
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                connections.add(socket);
                Thread.ofVirtual().name("bench-receiver").start(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** Answers requests on one connection until the peer closes it or sends something unexpected. */
    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 256);
            while (true) {
                Request request = Request.read(in);
                if (request == null) {
                    return; // the peer closed the connection between requests
                }
                if (request.refusal() != 0) {
                    respond(out, request.refusal(), true);
                    return;
                }
                respond(out, answer(request, System.nanoTime()), request.closeAfter());
                if (request.closeAfter()) {
                    return;
                }
            }
        } catch (IOException e) {
            // the peer went away mid-request (a sender's timeout, or shutdown): nothing to answer
        } catch (RuntimeException e) {
            // a bug here, not the peer's doing: say so, the sender sees only a closed connection
            System.err.println("bench receiver: failed on a request: " + e);
            e.printStackTrace();
        } finally {
            connections.remove(socket);
        }
    }

    private int answer(Request request, long receivedNanos) {
        ReceiverEndpoint endpoint = request.path().startsWith(PREFIX)
                ? endpoints.get(request.path().substring(PREFIX.length()))
                : null;
        if (endpoint == null) {
            return 404;
        }
        if (!"POST".equals(request.method())) {
            return 405;
        }
        if (ReceiverEndpoint.isProbe(request.headers())) {
            return endpoint.acceptProbe(request.headers(), request.body()).status;
        }
        if (endpoint.hangs()) {
            endpoint.countHungRequest();
            holdFor(endpoint);
            return ReceiverEndpoint.Answer.HUNG.status;
        }
        return endpoint.accept(request.headers(), request.body(), receivedNanos).status;
    }

    private static void respond(OutputStream out, int status, boolean close) throws IOException {
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\n"
                + (status == 204 ? "" : "Content-Length: 0\r\n")
                + (close ? "Connection: close\r\n" : "")
                + "\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    private void holdFor(ReceiverEndpoint endpoint) {
        try {
            closing.await(endpoint.hang().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing.countDown();
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket socket : connections) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One parsed request. Header names are matched without regard to case, as HTTP requires.
     *
     * @param refusal 0, or the status a malformed or unsupported request is refused with
     */
    record Request(String method, String path, Map<String, List<String>> headers, byte[] body,
                   boolean closeAfter, int refusal) {

        /** Reads the next request, or returns null when the stream ends before one starts. */
        static Request read(InputStream in) throws IOException {
            int[] headBudget = {MAX_HEAD_BYTES};
            String requestLine = line(in, headBudget, true);
            if (requestLine == null) {
                return null;
            }
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            String line;
            while (!(line = line(in, headBudget, false)).isEmpty()) {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    return refused(400);
                }
                headers.computeIfAbsent(line.substring(0, colon).strip(), k -> new ArrayList<>(1))
                        .add(line.substring(colon + 1).strip());
            }
            String[] parts = requestLine.split(" ");
            if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
                return refused(400);
            }
            if (headers.containsKey("Transfer-Encoding")) {
                return refused(411); // every sender here knows its length up front
            }
            long length;
            try {
                List<String> values = headers.get("Content-Length");
                length = values == null ? 0 : Long.parseLong(values.get(0));
            } catch (NumberFormatException e) {
                return refused(400);
            }
            if (length < 0 || length > MAX_BODY_BYTES) {
                return refused(length < 0 ? 400 : 413);
            }
            byte[] body = in.readNBytes((int) length);
            if (body.length < length) {
                throw new EOFException("request body ended early");
            }
            List<String> connection = headers.get("Connection");
            boolean close = connection != null && connection.get(0).equalsIgnoreCase("close")
                    || parts[2].equals("HTTP/1.0");
            return new Request(parts[0], parts[1], headers, body, close, 0);
        }

        private static Request refused(int status) {
            return new Request("", "", Map.of(), new byte[0], true, status);
        }

        /** One CRLF-terminated ASCII line; null only when {@code firstOfRequest} and the stream is at its end. */
        private static String line(InputStream in, int[] budget, boolean firstOfRequest) throws IOException {
            StringBuilder b = new StringBuilder(64);
            while (true) {
                int c = in.read();
                if (c < 0) {
                    if (firstOfRequest && b.isEmpty()) {
                        return null;
                    }
                    throw new EOFException("request head ended early");
                }
                if (--budget[0] < 0) {
                    throw new IOException("request head longer than " + MAX_HEAD_BYTES + " bytes");
                }
                if (c == '\n') {
                    int end = b.length();
                    if (end > 0 && b.charAt(end - 1) == '\r') {
                        b.setLength(end - 1);
                    }
                    return b.toString();
                }
                b.append((char) c);
            }
        }
    }
}
