package dev.posthorn.delivery.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.posthorn.testkit.Await;
import dev.posthorn.testkit.KafkaBroker;
import dev.posthorn.testkit.PosthornIntegrationTest;
import dev.posthorn.testkit.TestProcesses;
import dev.posthorn.testkit.TestScope;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Three delivery instances as separate JVMs in one group; one is SIGKILLed in the middle of the run. */
@PosthornIntegrationTest
class MultiInstanceTest {

    private static final int EVENTS = 20_000;
    private static final int MAX_IN_FLIGHT_PER_INSTANCE = 64;

    @Test
    @Timeout(value = 280, unit = TimeUnit.SECONDS)
    void killingOneInstanceLosesNothingAndDuplicatesOnlyWhatWasInFlight(KafkaBroker kafka, TestScope scope)
            throws Exception {
        List<Process> processes = new ArrayList<>();
        try (PosthornFixture posthorn = new PosthornFixture(kafka, scope, 6);
             Receiver receiver = Receiver.start(Receiver.OK, "secret")) {
            String subscription = posthorn.subscription("*", receiver.url()).secret("secret").put();
            Path logs = Files.createDirectories(Path.of("target", "multi-instance-" + scope.id()));
            List<CountDownLatch> ready = new ArrayList<>();
            List<Progress> progress = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                CountDownLatch latch = new CountDownLatch(1);
                ready.add(latch);
                Progress p = new Progress();
                progress.add(p);
                processes.add(launch(posthorn, scope, logs.resolve("instance-" + i + ".log"), latch, p));
            }
            for (CountDownLatch latch : ready) {
                assertThat(latch.await(120, TimeUnit.SECONDS)).as("instance ready").isTrue();
            }
            Set<String> sentIds = new HashSet<>();
            posthorn.sendEvents("load.tested", EVENTS).forEach(e -> sentIds.add(e.id()));
            Instant sent = Instant.now();

            Await.until(Duration.ofSeconds(120), "a third delivered", () -> receiver.count() >= EVENTS / 3);
            Process victim = processes.get(0);
            Progress victimProgress = progress.get(0);
            // Kill it while it is busy: it reported a new delivery within the last 200 ms.
            Await.until(Duration.ofSeconds(30), "the victim delivering right now",
                    () -> System.nanoTime() - victimProgress.changedAtNanos < Duration.ofMillis(200).toNanos());
            long victimDelivered = victimProgress.delivered;
            victim.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no drain, no commit
            assertThat(victim.waitFor(10, TimeUnit.SECONDS)).isTrue();
            List<Receiver.Request> beforeKill = receiver.requests();
            Instant killedAt = Instant.now();

            Await.until(Duration.ofSeconds(150), "every event delivered",
                    () -> receiver.requests().stream().map(Receiver.Request::eventId).distinct().count() == EVENTS);
            List<Receiver.Request> all = receiver.requests();
            Map<String, Integer> perEvent = new HashMap<>();
            all.forEach(r -> perEvent.merge(r.eventId(), 1, Integer::sum));
            int duplicates = all.size() - perEvent.size();
            Instant first = beforeKill.stream().map(Receiver.Request::at).min(Instant::compareTo).orElseThrow();
            double eps = beforeKill.size() / (Duration.between(first, killedAt).toNanos() / 1e9);
            System.out.printf("DELIVERY_EPS instances=3 eps=%.0f (1 subscription, %d deliveries before the kill, "
                    + "measured from the first delivery to the kill)%n", eps, beforeKill.size());
            System.out.printf("MULTI_INSTANCE events=%d delivered=%d distinct=%d duplicates=%d (bound: %d in flight "
                    + "in the killed instance); %d delivered before the kill, all done %.1f s after sending%n",
                    EVENTS, all.size(), perEvent.size(), duplicates, MAX_IN_FLIGHT_PER_INSTANCE, beforeKill.size(),
                    Duration.between(sent, Instant.now()).toMillis() / 1000.0);
            assertThat(victimDelivered).as("deliveries the victim reported before it was killed").isPositive();
            assertThat(perEvent.keySet()).as("the delivered ids are the ids sent").isEqualTo(sentIds);
            assertThat(all).allMatch(r -> r.verification().isVerified(), "signature verified");
            assertThat(all).allMatch(r -> subscription.equals(r.header("X-Webhook-Subscription")));
            // Only what the killed instance had in flight may come twice (a 2xx whose marker was not yet acked).
            assertThat(duplicates).isLessThanOrEqualTo(MAX_IN_FLIGHT_PER_INSTANCE);
            // Each duplicated event was first attempted (webhook-timestamp: the sender's attempt time) no later than
            // the kill: it was in flight then, not re-sent because of anything that happened afterwards.
            Map<String, Long> firstAttempt = new HashMap<>();
            all.forEach(r -> firstAttempt.merge(r.eventId(), Long.parseLong(r.header("webhook-timestamp")), Math::min));
            Set<String> duplicated = new HashSet<>();
            perEvent.forEach((id, n) -> {
                if (n > 1) {
                    duplicated.add(id);
                }
            });
            assertThat(duplicated).allMatch(id -> firstAttempt.get(id) <= killedAt.getEpochSecond(),
                    "first attempted before the kill");

            // SIGTERM: the survivors drain and exit within their 10 s budget.
            for (Process p : processes.subList(1, 3)) {
                p.destroy();
            }
            for (Process p : processes.subList(1, 3)) {
                long start = System.nanoTime();
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("instance exits after SIGTERM").isTrue();
                System.out.printf("SIGTERM exit after %d ms%n", (System.nanoTime() - start) / 1_000_000);
            }
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    /** What an instance last reported of its deliveries. */
    private static final class Progress {
        volatile long delivered;
        volatile long changedAtNanos = Long.MIN_VALUE / 2;
    }

    private static Process launch(PosthornFixture posthorn, TestScope scope, Path log, CountDownLatch ready,
                                  Progress progress) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", TestProcesses.ownerOption(),
                "-cp", System.getProperty("java.class.path"), DeliveryInstanceMain.class.getName(),
                posthorn.kafka.bootstrapServers(), scope.topicPrefix(), scope.unique("delivery"), posthorn.secretKey,
                Integer.toString(posthorn.eventPartitions));
        builder.redirectErrorStream(true);
        Process process = TestProcesses.register(builder.start());
        Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter out = new PrintWriter(Files.newBufferedWriter(log))) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.println(line);
                    out.flush();
                    if (line.contains(DeliveryInstanceMain.READY)) {
                        ready.countDown();
                    } else if (line.startsWith(DeliveryInstanceMain.DELIVERED)) {
                        progress.delivered = Long.parseLong(line.substring(DeliveryInstanceMain.DELIVERED.length()).trim());
                        progress.changedAtNanos = System.nanoTime();
                    }
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        return process;
    }
}
