package dev.posthorn.signature;

import dev.posthorn.signature.VerificationResult.Rejected;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A Jakarta Servlet {@link Filter} that lets only verified webhook requests through, answering
 * like {@link VerifyingHttpHandler}: 413 over the body limit, 401
 * {@code {"detail":"missing signature"}}, 400 {@code {"detail":"invalid JSON body"}}, 401
 * {@code {"detail":"invalid signature"}}. Downstream, the request body can be read again as usual
 * and is also the {@code byte[]} request attribute {@link #BODY_ATTRIBUTE}.
 *
 * <p>Register an instance programmatically (e.g. {@code ServletContext.addFilter} or Spring's
 * {@code FilterRegistrationBean}) on the webhook path only. The Servlet API is a {@code provided}
 * dependency: the container supplies it.
 */
public final class WebhookVerificationFilter implements Filter {

    /** Request attribute holding the verified raw body as {@code byte[]}. */
    public static final String BODY_ATTRIBUTE = HttpVerification.BODY_ATTRIBUTE;

    private static final System.Logger LOG = System.getLogger(WebhookVerificationFilter.class.getName());

    private final WebhookVerifier verifier;
    private final int maxBodyBytes;

    /** Verifies with {@code verifier}, accepting bodies up to 1 MiB. */
    public WebhookVerificationFilter(WebhookVerifier verifier) {
        this(verifier, HttpVerification.DEFAULT_MAX_BODY_BYTES);
    }

    /** Verifies with {@code verifier}, answering 413 to bodies over {@code maxBodyBytes}. */
    public WebhookVerificationFilter(WebhookVerifier verifier, int maxBodyBytes) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        if (maxBodyBytes < 0 || maxBodyBytes == Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxBodyBytes must be between 0 and " + (Integer.MAX_VALUE - 1));
        }
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)) {
            // Passing it on unverified would defeat the filter.
            throw new ServletException("WebhookVerificationFilter handles HTTP requests only");
        }
        HttpServletRequest httpRequest = (HttpServletRequest) request;
        HttpServletResponse httpResponse = (HttpServletResponse) response;

        byte[] body = null;
        if (httpRequest.getContentLengthLong() <= maxBodyBytes) {
            body = httpRequest.getInputStream().readNBytes(maxBodyBytes + 1);
        }
        if (body == null || body.length > maxBodyBytes) {
            reject(httpResponse, HttpVerification.TOO_LARGE);
            return;
        }
        VerificationResult result = verifier.verify(httpRequest::getHeader, body);
        if (result instanceof Rejected) {
            HttpVerification.log(LOG, (Rejected) result);
            reject(httpResponse, HttpVerification.of((Rejected) result));
            return;
        }
        CachedBodyRequest verified = new CachedBodyRequest(httpRequest, body);
        verified.setAttribute(BODY_ATTRIBUTE, body);
        chain.doFilter(verified, response);
    }

    private static void reject(HttpServletResponse response, HttpVerification rejection) throws IOException {
        response.setStatus(rejection.status);
        response.setContentType("application/json");
        response.setContentLength(rejection.body.length);
        response.getOutputStream().write(rejection.body);
    }

    /** Replays the body that verification consumed. */
    private static final class CachedBodyRequest extends HttpServletRequestWrapper {

        private final byte[] body;

        CachedBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            return new BodyInputStream(body);
        }

        @Override
        public BufferedReader getReader() throws UnsupportedEncodingException {
            String encoding = getCharacterEncoding();
            Charset charset;
            try {
                charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            } catch (IllegalArgumentException e) {
                UnsupportedEncodingException unsupported = new UnsupportedEncodingException(encoding);
                unsupported.initCause(e);
                throw unsupported;
            }
            return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), charset));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }

    private static final class BodyInputStream extends ServletInputStream {

        private final ByteArrayInputStream in;

        BodyInputStream(byte[] body) {
            this.in = new ByteArrayInputStream(body);
        }

        @Override
        public boolean isFinished() {
            return in.available() == 0;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            // Everything is in memory already: report it available and complete at once.
            try {
                if (!isFinished()) {
                    listener.onDataAvailable();
                }
                listener.onAllDataRead();
            } catch (IOException e) {
                listener.onError(e);
            }
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            return in.read(buffer, offset, length);
        }
    }
}
