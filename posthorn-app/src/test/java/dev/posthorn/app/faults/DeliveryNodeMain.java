package dev.posthorn.app.faults;

import dev.posthorn.delivery.DeliveryConfig;
import dev.posthorn.delivery.DeliveryService;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One delivery instance in a JVM of its own, configured as {@link FaultPipeline#delivery()} but from
 * arguments: bootstrap servers, topic prefix, group id, partitions; the secret key comes from
 * {@code POSTHORN_SECRET_KEY}. Unlike {@code posthorn deliver} it uses a 6 s session timeout, so that a
 * SIGKILLed instance's partitions move within seconds rather than after the 45 s default. Prints
 * {@value #READY} once it delivers; SIGTERM drains and exits.
 */
public final class DeliveryNodeMain {

    static final String READY = "DELIVERY_NODE_READY";

    private DeliveryNodeMain() {}

    public static void main(String[] args) throws Exception {
        java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
        DeliveryConfig config = DeliveryConfig.builder()
                .bootstrapServers(args[0]).topicPrefix(args[1]).groupId(args[2])
                .partitions(Integer.parseInt(args[3]))
                .secretKey(System.getenv("POSTHORN_SECRET_KEY"))
                .allowLoopback(true)
                .retrySchedule(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
                        Duration.ofSeconds(10), Duration.ofSeconds(30)))
                .commitInterval(Duration.ofMillis(200))
                .kafkaProperties(Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "1500"))
                .listener(new dev.posthorn.delivery.DeliveryListener() {
                    @Override
                    public void stateChanged(DeliveryService.State state) {
                        if (state == DeliveryService.State.STOPPED || state == DeliveryService.State.FAILED) {
                            ended.countDown();
                        }
                    }
                })
                .build();
        DeliveryService service = new DeliveryService(config);
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "delivery-node-shutdown"));
        service.start();
        if (!service.awaitRunning(Duration.ofSeconds(90))) {
            System.out.println("delivery did not start: " + service.problem());
            Runtime.getRuntime().halt(2);
        }
        System.out.println(READY);
        System.out.flush();
        ended.await(); // until the service stops (SIGTERM) or fails; SIGKILL just ends the JVM
        System.out.println("delivery ended in " + service.state() + ": " + service.problem());
        Runtime.getRuntime().halt(service.state() == DeliveryService.State.FAILED ? 1 : 0);
    }
}
