package dev.posthorn.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.app.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each service refuses to start on bad configuration, naming every key at fault and no secret. */
class ConfigurationErrorsTest {

    @AfterEach
    void restoreEnvironment() {
        Environment.overrideForTests(null);
    }

    private static String run(Map<String, String> environment, String... args) {
        Environment.overrideForTests(environment);
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), args);
        assertThat(code).as("exit code of %s", String.join(" ", args)).isEqualTo(78);
        return err.toString();
    }

    @Test
    void relayNamesEveryMissingKey() {
        assertThat(run(Map.of(), "relay"))
                .contains("POSTHORN_DATABASE_URL: required")
                .contains("POSTHORN_KAFKA_BOOTSTRAP: required");
    }

    @Test
    void deliverNamesBadValuesAndUnknownKeys() {
        String err = run(Map.of(
                "POSTHORN_KAFKA_BOOTSTRAP", "127.0.0.1:1",
                "POSTHORN_SECRET_KEY", "c2VjcmV0LXRoYXQtaXMtd2F5LXRvby1zaG9ydA==",
                "POSTHORN_DELIVERY_RETRY_SCHEDULE", "5s,soon",
                "POSTHORN_DELIVERY_MAX_IN_FLIGH", "10"), "deliver");
        assertThat(err)
                .contains("POSTHORN_DELIVERY_RETRY_SCHEDULE: invalid value '5s,soon'")
                .contains("POSTHORN_DELIVERY_MAX_IN_FLIGH (environment): unknown configuration key; did you mean POSTHORN_DELIVERY_MAX_IN_FLIGHT?")
                .doesNotContain("c2VjcmV0LXRoYXQtaXMtd2F5LXRvby1zaG9ydA");
    }

    @Test
    void deliverRejectsAMalformedSecretKeyWithoutEchoingIt() {
        String err = run(Map.of(
                "POSTHORN_KAFKA_BOOTSTRAP", "127.0.0.1:1",
                "POSTHORN_SECRET_KEY", "not-base64-and-too-short"), "deliver");
        assertThat(err).contains("POSTHORN_SECRET_KEY").doesNotContain("not-base64-and-too-short");
    }

    @Test
    void adminRequiresATokenUnlessAuthenticationIsOff() {
        String err = run(Map.of(
                "POSTHORN_DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/app",
                "POSTHORN_KAFKA_BOOTSTRAP", "127.0.0.1:1",
                "POSTHORN_SECRET_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="), "admin");
        assertThat(err).contains("POSTHORN_ADMIN_TOKEN: required");
        assertThat(run(Map.of("POSTHORN_ADMIN_AUTH", "maybe"), "admin"))
                .contains("POSTHORN_ADMIN_AUTH: must be `token` or `off`");
    }
}
