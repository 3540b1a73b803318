package dev.posthorn.app.bench;

import dev.posthorn.signature.WebhookSecrets;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Isolation: the same events to many subscriptions, each on its own receiver (its own host:port,
 * so its own endpoint for the delivery's limits and circuit breakers). First every receiver
 * answers; then the first one hangs on every event until after the delivery's response timeout.
 * The ratio compares the other subscriptions' delivery throughput in the two runs.
 */
final class IsolationPhase implements AutoCloseable {

    /** The two runs' healthy throughput and what they left owed. */
    record Outcome(Throughput clean, Throughput withHangingSubscriber, List<OwedDeliveries> owed, List<String> cutOff) {
        double ratio() {
            return withHangingSubscriber.eventsPerSecond() / clean.eventsPerSecond();
        }
    }

    private final BenchSettings settings;
    private final List<WebhookReceiver> receivers;
    private final Route cleanRoute;
    private final Route hangingRoute;

    private IsolationPhase(BenchSettings settings, List<WebhookReceiver> receivers, Route cleanRoute, Route hangingRoute) {
        this.settings = settings;
        this.receivers = receivers;
        this.cleanRoute = cleanRoute;
        this.hangingRoute = hangingRoute;
    }

    /** Starts one receiver per subscription and subscribes each to both runs' topics. */
    static IsolationPhase prepare(BenchSettings settings, PosthornPipeline pipeline) throws IOException, SQLException {
        List<WebhookReceiver> receivers = new ArrayList<>();
        try {
            List<Route.Subscriber> clean = new ArrayList<>();
            List<Route.Subscriber> hanging = new ArrayList<>();
            for (int i = 0; i < settings.isolationSubscriptions(); i++) {
                WebhookReceiver receiver = WebhookReceiver.start();
                receivers.add(receiver);
                clean.add(subscribe(pipeline, receiver, "bench.isolation-clean",
                        ReceiverEndpoint.accepting("isolation-clean", WebhookSecrets.generate(), ReceiverEndpoint.ReceiptListener.NONE)));
                String secret = WebhookSecrets.generate();
                hanging.add(subscribe(pipeline, receiver, "bench.isolation-hang", i == 0
                        ? ReceiverEndpoint.hanging("isolation-hang", secret, settings.responseTimeout().multipliedBy(2))
                        : ReceiverEndpoint.accepting("isolation-hang", secret, ReceiverEndpoint.ReceiptListener.NONE)));
            }
            return new IsolationPhase(settings, receivers,
                    new Route("bench.isolation-clean", clean), new Route("bench.isolation-hang", hanging));
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
        return List.of(cleanRoute, hangingRoute);
    }

    Outcome run(PipelineLoad load, Console console) throws SQLException, InterruptedException {
        long events = settings.isolationEvents();
        console.line("isolation: " + events + " events to " + cleanRoute.subscribers().size() + " subscriptions, all answering");
        PipelineLoad.Outcome clean = load.run("isolation-clean", cleanRoute, events, 1, healthy(cleanRoute));
        console.line("isolation: the same with " + hangingRoute.subscribers().get(0).endpoint().name()
                + " on the first receiver hanging for " + settings.responseTimeout().multipliedBy(2).toMillis() + " ms");
        PipelineLoad.Outcome hanging = load.run("isolation-hang", hangingRoute, events, 1, healthy(hangingRoute));
        List<String> cutOff = new ArrayList<>(clean.cutOff());
        cutOff.addAll(hanging.cutOff());
        return new Outcome(clean.throughput(), hanging.throughput(), List.of(clean.owed(), hanging.owed()), cutOff);
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
