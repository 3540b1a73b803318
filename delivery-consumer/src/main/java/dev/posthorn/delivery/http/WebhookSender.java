package dev.posthorn.delivery.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * POSTs webhook bodies with Apache HttpClient 5 (classic, blocking: one virtual thread per request).
 * Pooled keep-alive connections, connect and response timeouts, and one total deadline per request
 * (connect to last body byte: a receiver that trickles a byte every few seconds never trips the
 * response timeout, so the request is aborted at the deadline instead), redirects never followed, no
 * automatic retries, no cookies, no proxy, at most {@link #MAX_RESPONSE_HEADERS} response headers of
 * at most {@link #MAX_HEADER_LINE} bytes each, and at most {@link #MAX_RESPONSE_BYTES} of a
 * response body read (a longer response's connection is dropped rather than drained). Every address
 * it dials comes through the given {@link DnsResolver}, where the SSRF guard sits.
 */
public final class WebhookSender implements AutoCloseable {

    /** 64 KiB. */
    public static final int MAX_RESPONSE_BYTES = 64 * 1024;
    /** Bytes of a response body kept for the DLQ's last error and the delivery log (DeliveryConfig.MAX_ATTEMPT_RESPONSE_BYTES). */
    private static final int BODY_START_CHARS = 1024;
    static final int MAX_RESPONSE_HEADERS = 64;
    static final int MAX_HEADER_LINE = 8 * 1024;

    private final PoolingHttpClientConnectionManager connections;
    private final CloseableHttpClient client;
    private final Set<HttpPost> active = ConcurrentHashMap.newKeySet();
    private final Duration requestTimeout;
    /** Aborts requests at their total deadline; one daemon thread, owned and shut down here. */
    private final ScheduledThreadPoolExecutor deadlines;

    /**
     * The sender delivery uses for {@code config}: its timeouts, connection limits and SSRF-guarded DNS.
     * Also for measurements that must post exactly as delivery does.
     */
    public static WebhookSender of(dev.posthorn.delivery.DeliveryConfig config) {
        return new WebhookSender(config.connectTimeout(), config.responseTimeout(), config.requestTimeout(),
                config.maxInFlight(), config.maxInFlightPerEndpoint(),
                new dev.posthorn.delivery.guard.GuardedDnsResolver(config.hostResolver(), config.destinationPolicy()));
    }

    public WebhookSender(Duration connectTimeout, Duration responseTimeout, Duration requestTimeout, int maxConnections,
                         int maxConnectionsPerEndpoint, DnsResolver dnsResolver) {
        Objects.requireNonNull(dnsResolver, "dnsResolver");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.deadlines = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("posthorn-request-deadlines").daemon(true).factory());
        deadlines.setRemoveOnCancelPolicy(true);
        Timeout connect = Timeout.of(connectTimeout);
        Timeout response = Timeout.of(responseTimeout);
        this.connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(dnsResolver)
                .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                        .http1Config(Http1Config.custom()
                                .setMaxHeaderCount(MAX_RESPONSE_HEADERS)
                                .setMaxLineLength(MAX_HEADER_LINE)
                                .build())
                        .build())
                .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.STRICT)
                .setMaxConnTotal(maxConnections)
                .setMaxConnPerRoute(maxConnectionsPerEndpoint)
                .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(response).setTcpNoDelay(true).build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(connect)
                        .setSocketTimeout(response)
                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                        .setTimeToLive(TimeValue.ofMinutes(5))
                        .build())
                .build();
        this.client = HttpClients.custom()
                .setConnectionManager(connections)
                .setConnectionManagerShared(false)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(response)
                        .setResponseTimeout(response)
                        .setRedirectsEnabled(false)
                        .setAuthenticationEnabled(false)
                        .setContentCompressionEnabled(false)
                        .build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .evictIdleConnections(TimeValue.ofSeconds(30))
                .build();
    }

    /**
     * Sends one request and reads the answer. Blocking: call it from a virtual thread.
     *
     * @throws IOException on timeouts, connection errors, or a destination the SSRF guard refused
     *                     ({@link dev.posthorn.delivery.guard.BlockedDestinationException})
     */
    public HttpResult post(URI url, Map<String, String> headers, byte[] body) throws IOException {
        return post(url, headers, body, abort -> {});
    }

    /**
     * As {@link #post(URI, Map, byte[])}; {@code abortHandle} receives, before the request starts, an
     * action that aborts it (the caller's way to end one request early, e.g. when its partition moves).
     */
    public HttpResult post(URI url, Map<String, String> headers, byte[] body, Consumer<Runnable> abortHandle)
            throws IOException {
        HttpPost post = new HttpPost(url);
        abortHandle.accept(post::cancel);
        headers.forEach(post::setHeader);
        post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
        HttpHost target = new HttpHost(url.getScheme(), url.getHost(), url.getPort());
        active.add(post);
        long start = System.nanoTime();
        AtomicBoolean pastDeadline = new AtomicBoolean();
        ScheduledFuture<?> deadline = deadlines.schedule(() -> {
            pastDeadline.set(true);
            post.cancel();
        }, requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
        try (ClassicHttpResponse response = client.executeOpen(target, post, null)) {
            String bodyStart = readCapped(response.getEntity(), post);
            Header retryAfter = response.getFirstHeader("Retry-After");
            return new HttpResult(response.getCode(), retryAfter == null ? null : retryAfter.getValue(),
                    bodyStart, Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException | RuntimeException e) {
            if (pastDeadline.get()) {
                SocketTimeoutException timeout = new SocketTimeoutException(
                        "no complete answer within the request deadline of " + requestTimeout.toMillis() + " ms");
                timeout.initCause(e);
                throw timeout;
            }
            throw e;
        } finally {
            deadline.cancel(false);
            active.remove(post);
        }
    }

    /** Reads at most 64 KiB; a body that is longer gets its connection aborted instead of drained. */
    private static String readCapped(HttpEntity entity, HttpPost post) throws IOException {
        if (entity == null) {
            return "";
        }
        byte[] buffer = new byte[8192];
        byte[] first = new byte[BODY_START_CHARS];
        int firstLength = 0;
        long total = 0;
        InputStream in = entity.getContent();
        if (in == null) {
            return "";
        }
        boolean overCap = false;
        while (true) {
            int want = (int) Math.min(buffer.length, MAX_RESPONSE_BYTES - total);
            if (want == 0) {
                overCap = in.read() != -1;
                break;
            }
            int n = in.read(buffer, 0, want);
            if (n < 0) {
                break;
            }
            if (firstLength < first.length) {
                int copy = Math.min(n, first.length - firstLength);
                System.arraycopy(buffer, 0, first, firstLength, copy);
                firstLength += copy;
            }
            total += n;
        }
        if (overCap) {
            // Closing the stream would drain the rest of the body: drop the connection instead.
            post.cancel();
            try {
                in.close();
            } catch (IOException expectedAfterAbort) {
                // the connection is gone, which is what we wanted
            }
        } else {
            in.close(); // at end of stream: hands the keep-alive connection back to the pool
        }
        return new String(first, 0, firstLength, StandardCharsets.UTF_8);
    }

    /** Aborts every request in flight (used when a drain runs out of time). */
    public void cancelAll() {
        for (HttpPost post : active) {
            post.cancel();
        }
    }

    public int activeRequests() {
        return active.size();
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
        cancelAll();
        client.close(CloseMode.IMMEDIATE);
        connections.close(CloseMode.IMMEDIATE);
    }
}
