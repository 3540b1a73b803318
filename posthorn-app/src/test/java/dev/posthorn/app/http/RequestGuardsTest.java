package dev.posthorn.app.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestGuardsTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.0.0.1:8080", "localhost", "LocalHost:1", "[::1]", "[::1]:65535", " localhost "})
    void localAuthorities(String authority) {
        assertThat(RequestGuards.isLocalAuthority(authority)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "attacker.example", "localhost.attacker.example", "127.0.0.1.nip.io", "127.0.0.2",
            "0.0.0.0", "[::1", "[::1]x", "::1", "localhost:", "localhost:80:80", "localhost:http", "127.0.0.1:1234567",
            "user@localhost", "[::ffff:127.0.0.1]"})
    void foreignOrMalformedAuthorities(String authority) {
        assertThat(RequestGuards.isLocalAuthority(authority)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:3000", "https://127.0.0.1", "http://[::1]:8080"})
    void localOrigins(String origin) {
        assertThat(RequestGuards.isLocalOrigin(origin)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "file://", "http://attacker.example", "http://localhost@attacker.example",
            "http://user@localhost", "ws://localhost", "http://localhost/path", "chrome-extension://abc", "http://local host"})
    void foreignOrigins(String origin) {
        assertThat(RequestGuards.isLocalOrigin(origin)).isFalse();
    }
}
