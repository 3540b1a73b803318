package dev.posthorn.app.bench;

import dev.posthorn.signature.WebhookSecrets;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Isolation: the same events to many subscriptions, each on its own receiver (its own host:port,
 * so its own endpoint for the delivery's limits and circuit breakers). A round runs twice: first every
 * receiver answers; then the first one hangs on every event until after the delivery's response
 * timeout. Its ratio compares the other subscriptions' delivery throughput in the two runs. The phase
 * alternates {@link #ROUNDS} rounds, each on subscriptions of its own (so counts never mix), and
 * reports their mean and spread: one pair of runs on a shared machine is too noisy to quote. Each round's
 * first subscriber is on a receiver of its own; after its round that endpoint answers again, so its
 * retries drain in the background instead of failing on through the next rounds.
 */
final class IsolationPhase implements AutoCloseable {

    static final int ROUNDS = 3;

    /** One clean run and one with a hanging subscriber. */
    record Round(Throughput clean, Throughput withHangingSubscriber) {
        double ratio() {
            return withHangingSubscriber.eventsPerSecond() / clean.eventsPerSecond();
        }
    }

    /** Every round's healthy throughput and what the runs left owed. */
    record Outcome(List<Round> rounds, List<OwedDeliveries> owed, List<String> cutOff) {
        /** The mean of the rounds' ratios. */
        double ratio() {
            return rounds.stream().mapToDouble(Round::ratio).average().orElse(Double.NaN);
        }

        double minRatio() {
            return rounds.stream().mapToDouble(Round::ratio).min().orElse(Double.NaN);
        }

        double maxRatio() {
            return rounds.stream().mapToDouble(Round::ratio).max().orElse(Double.NaN);
        }
    }

    /** Waits until delivery is quiet before a run. */
    @FunctionalInterface
    interface Settle {
        void await() throws InterruptedException;
    }

    private record RoundRoutes(Route clean, Route hanging) {}

    private final BenchSettings settings;
    private final List<WebhookReceiver> receivers;
    private final List<RoundRoutes> rounds;

    private IsolationPhase(BenchSettings settings, List<WebhookReceiver> receivers, List<RoundRoutes> rounds) {
        this.settings = settings;
        this.receivers = receivers;
        this.rounds = rounds;
    }

    /** Starts one receiver per subscription and subscribes each to every round's two topics. */
    static IsolationPhase prepare(BenchSettings settings, PosthornPipeline pipeline) throws IOException, SQLException {
        List<WebhookReceiver> receivers = new ArrayList<>();
        try {
            List<WebhookReceiver> healthyReceivers = new ArrayList<>();
            for (int i = 1; i < settings.isolationSubscriptions(); i++) {
                healthyReceivers.add(WebhookReceiver.start());
            }
            receivers.addAll(healthyReceivers);
            List<RoundRoutes> rounds = new ArrayList<>();
            for (int round = 1; round <= ROUNDS; round++) {
                String cleanTopic = "bench.isolation-clean-" + round;
                String hangTopic = "bench.isolation-hang-" + round;
                List<Route.Subscriber> clean = new ArrayList<>();
                List<Route.Subscriber> hanging = new ArrayList<>();
                // The endpoint that hangs is new in every round: an earlier round's open circuit breaker
                // and retry backlog (which go on in the background) must not make a clean run unclean.
                List<WebhookReceiver> roundReceivers = new ArrayList<>();
                roundReceivers.add(WebhookReceiver.start());
                receivers.add(roundReceivers.get(0));
                roundReceivers.addAll(healthyReceivers);
                for (int i = 0; i < roundReceivers.size(); i++) {
                    WebhookReceiver receiver = roundReceivers.get(i);
                    clean.add(subscribe(pipeline, receiver, cleanTopic, ReceiverEndpoint.accepting(
                            "isolation-clean-" + round, WebhookSecrets.generate(), ReceiverEndpoint.ReceiptListener.NONE)));
                    String secret = WebhookSecrets.generate();
                    String name = "isolation-hang-" + round;
                    hanging.add(subscribe(pipeline, receiver, hangTopic, i == 0
                            ? ReceiverEndpoint.hanging(name, secret, settings.responseTimeout().multipliedBy(2))
                            : ReceiverEndpoint.accepting(name, secret, ReceiverEndpoint.ReceiptListener.NONE)));
                }
                rounds.add(new RoundRoutes(new Route(cleanTopic, clean), new Route(hangTopic, hanging)));
            }
            return new IsolationPhase(settings, receivers, rounds);
        } catch (IOException | SQLException | RuntimeException e) {
            receivers.forEach(WebhookReceiver::close);
            throw e;
        }
    }

    private static Route.Subscriber subscribe(PosthornPipeline pipeline, WebhookReceiver receiver, String topicBase,
            ReceiverEndpoint endpoint) throws SQLException {
        receiver.add(endpoint);
        return new Route.Subscriber(pipeline.subscribe(topicBase, receiver.url(endpoint), endpoint.secret()), endpoint);
    }

    List<Route> routes() {
        List<Route> routes = new ArrayList<>();
        rounds.forEach(round -> routes.addAll(List.of(round.clean(), round.hanging())));
        return routes;
    }

    Outcome run(PipelineLoad load, Console console, Settle settle) throws SQLException, InterruptedException {
        long events = settings.isolationEvents();
        List<Round> results = new ArrayList<>();
        List<OwedDeliveries> owed = new ArrayList<>();
        List<String> cutOff = new ArrayList<>();
        for (int i = 0; i < rounds.size(); i++) {
            RoundRoutes round = rounds.get(i);
            String label = "isolation round " + (i + 1) + "/" + rounds.size();
            console.line(label + ": " + events + " events to " + round.clean().subscribers().size()
                    + " subscriptions, all answering");
            settle.await();
            PipelineLoad.Outcome clean = load.run("isolation-clean-" + (i + 1), round.clean(), events, 1,
                    healthy(round.clean()));
            ReceiverEndpoint hangingEndpoint = round.hanging().subscribers().get(0).endpoint();
            console.line(label + ": the same with " + hangingEndpoint.name() + " on the first receiver hanging for "
                    + settings.responseTimeout().multipliedBy(2).toMillis() + " ms");
            settle.await();
            PipelineLoad.Outcome hanging = load.run("isolation-hang-" + (i + 1), round.hanging(), events, 1,
                    healthy(round.hanging()));
            hangingEndpoint.stopHanging();
            Round result = new Round(clean.throughput(), hanging.throughput());
            console.line(label + ": ratio " + BenchResult.ratio(result.ratio()));
            results.add(result);
            owed.addAll(List.of(clean.owed(), hanging.owed()));
            cutOff.addAll(clean.cutOff());
            cutOff.addAll(hanging.cutOff());
        }
        return new Outcome(results, owed, cutOff);
    }

    /** Every subscriber but the first: the one that hangs in the second run. */
    private static List<Route.Subscriber> healthy(Route route) {
        return route.subscribers().subList(1, route.subscribers().size());
    }

    @Override
    public void close() {
        receivers.forEach(WebhookReceiver::close);
    }
}
