package dev.posthorn.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * No servlet container is on the test classpath, so requests and responses are minimal dynamic
 * proxies that implement only what a container would provide to this filter; any other call fails
 * the test loudly.
 */
class WebhookVerificationFilterTest {

    private static final int MAX_BODY_BYTES = 1024;

    private final WebhookVerificationFilter filter = new WebhookVerificationFilter(WebhookVerifier.builder()
            .secret(SignedRequest.SECRET).clock(SignedRequest.CLOCK).require(WebhookVerifier.Requirement.BOTH).build(),
            MAX_BODY_BYTES);

    @Test
    void verifiedRequestPassesWithItsBodyReadableAgain() throws Exception {
        FakeResponse response = new FakeResponse();
        Map<String, Object> seen = new HashMap<>();

        filter.doFilter(request(SignedRequest.valid()), response.proxy(), (req, res) -> {
            HttpServletRequest http = (HttpServletRequest) req;
            seen.put("stream", new String(http.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            seen.put("reader", http.getReader().lines().collect(Collectors.joining("\n")));
            seen.put("attribute", new String((byte[]) http.getAttribute(WebhookVerificationFilter.BODY_ATTRIBUTE),
                    StandardCharsets.UTF_8));
            seen.put("eventId", http.getHeader("x-event-id"));
        });

        assertThat(seen).containsEntry("stream", SignedRequest.BODY)
                .containsEntry("reader", SignedRequest.BODY)
                .containsEntry("attribute", SignedRequest.BODY)
                .containsEntry("eventId", "0b0e2c52-9f3c-4d1e-8a53-1f2a3b4c5d6e");
        assertThat(response.status).isZero();
    }

    @Test
    void rejectionsAreAnsweredLikeTheReferenceDesign() throws Exception {
        assertRejected(SignedRequest.valid().withoutHeader("X-Signature"), 401, "{\"detail\":\"missing signature\"}");
        assertRejected(SignedRequest.valid().withHeader("X-Signature", "ab".repeat(32)), 401,
                "{\"detail\":\"invalid signature\"}");
        byte[] notJson = "<xml/>".getBytes(StandardCharsets.UTF_8);
        assertRejected(SignedRequest.signed(notJson, SignedRequest.NOW, SignedRequest.SECRET), 400,
                "{\"detail\":\"invalid JSON body\"}");
        byte[] large = ("\"" + "x".repeat(MAX_BODY_BYTES) + "\"").getBytes(StandardCharsets.UTF_8);
        assertRejected(SignedRequest.signed(large, SignedRequest.NOW, SignedRequest.SECRET), 413,
                "{\"detail\":\"body too large\"}");
    }

    @Test
    void refusesNonHttpRequestsRatherThanPassingThemUnverified() {
        ServletRequest plain = (ServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServletRequest.class}, (p, m, a) -> {
                    throw new UnsupportedOperationException(m.getName());
                });
        assertThatThrownBy(() -> filter.doFilter(plain, new FakeResponse().proxy(), (req, res) -> { }))
                .isInstanceOf(ServletException.class);
    }

    private void assertRejected(SignedRequest signed, int status, String body) throws Exception {
        FakeResponse response = new FakeResponse();
        boolean[] passed = {false};
        filter.doFilter(request(signed), response.proxy(), (req, res) -> passed[0] = true);
        assertThat(passed[0]).as("reached the chain").isFalse();
        assertThat(response.status).isEqualTo(status);
        assertThat(response.contentType).isEqualTo("application/json");
        assertThat(response.body.toString(StandardCharsets.UTF_8)).isEqualTo(body);
        assertThat(response.contentLength).isEqualTo(body.length());
    }

    private static HttpServletRequest request(SignedRequest signed) {
        Map<String, Object> attributes = new HashMap<>();
        return (HttpServletRequest) Proxy.newProxyInstance(WebhookVerificationFilterTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getHeader":
                            return signed.lookup().apply((String) args[0]);
                        case "getContentLengthLong":
                            return (long) signed.body.length;
                        case "getContentLength":
                            return signed.body.length;
                        case "getInputStream":
                            return new BytesInputStream(signed.body);
                        case "getCharacterEncoding":
                            return null;
                        case "getAttribute":
                            return attributes.get((String) args[0]);
                        case "setAttribute":
                            attributes.put((String) args[0], args[1]);
                            return null;
                        default:
                            throw new UnsupportedOperationException("request." + method.getName());
                    }
                });
    }

    private static final class FakeResponse {
        int status;
        String contentType;
        int contentLength = -1;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        ServletResponse proxy() {
            ServletOutputStream out = new ServletOutputStream() {
                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void write(int b) {
                    body.write(b);
                }
            };
            return (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "setStatus":
                                status = (Integer) args[0];
                                return null;
                            case "setContentType":
                                contentType = (String) args[0];
                                return null;
                            case "setContentLength":
                                contentLength = (Integer) args[0];
                                return null;
                            case "getOutputStream":
                                return out;
                            default:
                                throw new UnsupportedOperationException("response." + method.getName());
                        }
                    });
        }
    }

    private static final class BytesInputStream extends ServletInputStream {
        private final ByteArrayInputStream in;

        BytesInputStream(byte[] bytes) {
            in = new ByteArrayInputStream(bytes);
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
            throw new UnsupportedOperationException();
        }

        @Override
        public int read() throws IOException {
            return in.read();
        }
    }
}
