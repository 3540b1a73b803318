package dev.posthorn.relay;

import java.time.Duration;
import java.util.Map;

/**
 * A relay in its own JVM, for tests that SIGKILL it. Reads its settings from the environment (the
 * password too, so it never shows in the process list), prints every state change, and stops cleanly
 * on SIGTERM; a SIGKILL runs nothing, which is the point.
 */
public final class RelayProcessMain {

    private RelayProcessMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        RelayConfig config = RelayConfig.builder()
                .host(env.get("RELAY_TEST_HOST"))
                .port(Integer.parseInt(env.get("RELAY_TEST_PORT")))
                .database(env.get("RELAY_TEST_DATABASE"))
                .user(env.get("RELAY_TEST_USER"))
                .password(env.get("RELAY_TEST_PASSWORD"))
                .schema(env.get("RELAY_TEST_SCHEMA"))
                .slotName(env.get("RELAY_TEST_SLOT"))
                .publicationName(env.get("RELAY_TEST_PUBLICATION"))
                .kafkaBootstrap(env.get("RELAY_TEST_KAFKA"))
                .topicPrefix(env.get("RELAY_TEST_TOPIC_PREFIX"))
                .eventsPartitions(3)
                .offsetFlushInterval(Duration.ofSeconds(1))
                .standbyPollInterval(Duration.ofMillis(500))
                .listener(new RelayListener() {
                    @Override
                    public void stateChanged(RelayState previous, RelayState current) {
                        System.out.println("RELAY_STATE " + current);
                    }
                })
                .build();
        RelayService relay = new RelayService(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> relay.close(Duration.ofSeconds(10)), "relay-shutdown"));
        relay.start();
        try {
            while (!relay.awaitState(RelayState.STOPPED, Duration.ofSeconds(5))) {
                // keep running until stopped
            }
        } catch (IllegalStateException failed) {
            failed.printStackTrace(System.out);
        }
        System.exit(relay.state() == RelayState.FAILED ? 1 : 0);
    }
}
