package dev.posthorn.delivery.it;

import dev.posthorn.delivery.DeliveryConfig;
import dev.posthorn.delivery.DeliveryService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * One delivery instance as its own JVM, for {@link MultiInstanceTest}: args are bootstrap servers,
 * topic prefix, group id, secret key. Prints {@value #READY} once it delivers; SIGTERM closes it
 * (draining within the default 10 s budget), SIGKILL just ends it.
 */
public final class DeliveryInstanceMain {

    static final String READY = "POSTHORN_INSTANCE_READY";
    /** Printed with the running total whenever this instance delivered more (checked every 50 ms). */
    static final String DELIVERED = "POSTHORN_INSTANCE_DELIVERED ";

    private DeliveryInstanceMain() {}

    public static void main(String[] args) throws Exception {
        java.util.concurrent.atomic.AtomicLong delivered = new java.util.concurrent.atomic.AtomicLong();
        DeliveryConfig config = DeliveryConfig.builder()
                .bootstrapServers(args[0])
                .topicPrefix(args[1])
                .groupId(args[2])
                .secretKey(args[3])
                .partitions(Integer.parseInt(args[4]))
                .allowLoopback(true)
                .retrySchedule(List.of(Duration.ofMillis(500), Duration.ofSeconds(1)))
                .maxInFlight(64)
                .maxInFlightPerEndpoint(64)
                .commitInterval(Duration.ofMillis(200))
                // A killed member's partitions move after the session timeout: keep it short here.
                .kafkaProperties(Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "1500"))
                .listener(new dev.posthorn.delivery.DeliveryListener() {
                    @Override
                    public void delivered(String subscriptionId, String endpoint, int attempts) {
                        delivered.incrementAndGet();
                    }
                })
                .build();
        DeliveryService service = new DeliveryService(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "instance-shutdown"));
        service.start();
        if (!service.awaitRunning(Duration.ofSeconds(90))) {
            System.err.println("instance did not start");
            Runtime.getRuntime().halt(2);
        }
        System.out.println(READY);
        System.out.flush();
        long reported = 0;
        while (!stopped.await(50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            long now = delivered.get();
            if (now != reported) {
                System.out.println(DELIVERED + now);
                System.out.flush();
                reported = now;
            }
        }
    }
}
