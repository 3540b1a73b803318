package dev.posthorn.app.bench;

import dev.posthorn.signature.WebhookSecrets;
import dev.posthorn.embedded.Postgres;
import java.net.URI;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Baseline: the classic polling outbox. Application threads insert one row per transaction into
 * a table of their own schema; {@code concurrency} pollers each claim up to 100 rows with
 * {@code SELECT … FOR UPDATE SKIP LOCKED}, build and sign the same envelope the pipeline sends,
 * POST each row in turn, and delete the delivered rows in the same transaction. A poller that
 * found fewer rows than a full batch waits the poll interval (100 ms) before it polls again.
 */
final class PollingOutboxBaseline {

    private static final String SCHEMA = "posthorn_bench_polling";
    private static final String TOPIC = "bench.polling";
    private static final int BATCH = 100;
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    private final BenchSettings settings;
    private final Postgres postgres;
    private final WebhookReceiver receiver;
    private final Console console;
    private final String secret = WebhookSecrets.generate();
    private final AtomicLong failedPosts = new AtomicLong();
    private final CpuMeter cpu;

    PollingOutboxBaseline(BenchSettings settings, Postgres postgres, WebhookReceiver receiver, Console console) {
        this.settings = settings;
        this.postgres = postgres;
        this.receiver = receiver;
        this.console = console;
        this.cpu = CpuMeter.of(postgres);
    }

    /** What the measured round moved, and the Postgres CPU per 1,000 events it took (NaN if unread). */
    record Outcome(Throughput throughput, double postgresCpuMsPerK) {}

    /** A warm-up round (not measured), then the measured one, on a table of their own. */
    Outcome run() throws SQLException, InterruptedException {
        createTable();
        try {
            if (settings.warmupEvents() > 0) {
                deliver("polling-warmup", settings.warmupEvents());
            }
            return deliver("polling", settings.events());
        } finally {
            dropTable();
        }
    }

    @SuppressWarnings("try") // the progress handle is only closed
    private Outcome deliver(String endpointName, long events) throws SQLException, InterruptedException {
        ReceiverEndpoint endpoint = receiver.add(
                ReceiverEndpoint.accepting(endpointName, secret, ReceiverEndpoint.ReceiptListener.NONE));
        URI url = receiver.url(endpoint);
        CountDownLatch stop = new CountDownLatch(1);
        CpuMeter.Reading cpuBefore;
        CommitLoop app = new CommitLoop(postgres, settings.appThreads(), events, 1, CommitLoop.Pacing.ASAP);
        try (SignedPoster poster = new SignedPoster(settings, Clock.systemUTC());
                ExecutorService pollers = Executors.newFixedThreadPool(settings.concurrency(),
                        Thread.ofPlatform().name("bench-poller-", 0).factory());
                Console.Progress progress = console.progress(() -> endpointName + ": committed " + app.committed()
                        + "/" + events + ", received " + endpoint.distinctEvents() + ", failed posts " + failedPosts.get())) {
            cpuBefore = cpu.read();
            List<Future<Void>> running = new ArrayList<>();
            for (int i = 0; i < settings.concurrency(); i++) {
                running.add(pollers.submit(() -> {
                    pollUntilStopped(poster, url, endpointName, stop);
                    return null;
                }));
            }
            try {
                app.run(PollingOutboxBaseline::insert);
                if (!endpoint.awaitDistinct(events, System.nanoTime() + settings.drainTimeout().toNanos())) {
                    console.line(endpointName + ": only " + endpoint.distinctEvents() + " of " + events + " delivered before the cut-off");
                }
            } finally {
                stop.countDown();
            }
            for (Future<Void> poller : running) {
                awaitPoller(poller);
            }
        }
        CpuMeter.PerEvent cpuPerEvent = CpuMeter.perEvent(cpuBefore, cpu.read(), events);
        cpuPerEvent.print(console, endpointName, "app, pollers, receiver");
        return new Outcome(new Throughput(endpoint.distinctEvents(), app.firstCommitNanos(), endpoint.lastReceiptNanos()),
                cpuPerEvent.postgresMicros());
    }

    private static List<UUID> insert(Connection connection, long firstSequence, int count) throws SQLException {
        List<UUID> ids = new ArrayList<>(count);
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + SCHEMA
                + ".outbox (id, aggregateid, type, payload) VALUES (?, ?, ?, ?::jsonb)")) {
            for (long sequence = firstSequence; sequence < firstSequence + count; sequence++) {
                UUID id = UUID.randomUUID();
                ids.add(id);
                insert.setObject(1, id);
                insert.setString(2, Payloads.key(sequence));
                insert.setString(3, TOPIC);
                insert.setString(4, Payloads.payload(sequence));
                insert.executeUpdate();
            }
        }
        return ids;
    }

    private void pollUntilStopped(SignedPoster poster, URI url, String subscriptionId, CountDownLatch stop)
            throws SQLException, InterruptedException {
        try (Connection connection = postgres.connect()) {
            connection.setAutoCommit(false);
            while (stop.getCount() > 0) {
                int claimed = deliverOneBatch(connection, poster, url, subscriptionId);
                if (claimed < BATCH) {
                    stop.await(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    /** Claims up to a batch, delivers it, deletes what was delivered; returns how many rows it claimed. */
    private int deliverOneBatch(Connection connection, SignedPoster poster, URI url, String subscriptionId)
            throws SQLException, InterruptedException {
        List<Long> delivered = new ArrayList<>(BATCH);
        int claimed = 0;
        try (PreparedStatement select = connection.prepareStatement("SELECT seq, id, type, payload::text, payload_version, created_at FROM "
                + SCHEMA + ".outbox ORDER BY seq LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                claimed++;
                String eventId = rows.getString(2);
                String topic = rows.getString(3);
                byte[] body = Payloads.envelope(rows.getObject(6, OffsetDateTime.class).toInstant(), topic,
                        rows.getString(4), rows.getInt(5));
                if (post(poster, url, subscriptionId, eventId, topic, body)) {
                    delivered.add(rows.getLong(1));
                }
            }
        }
        if (!delivered.isEmpty()) {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + SCHEMA + ".outbox WHERE seq = ANY (?)")) {
                Array seqs = connection.createArrayOf("bigint", delivered.toArray());
                delete.setArray(1, seqs);
                delete.executeUpdate();
            }
        }
        connection.commit();
        return claimed;
    }

    private boolean post(SignedPoster poster, URI url, String subscriptionId, String eventId, String topic, byte[] body)
            throws InterruptedException {
        try {
            if (poster.post(url, subscriptionId, secret, eventId, topic, body) / 100 == 2) {
                return true;
            }
        } catch (java.io.IOException e) {
            // Counted below; the row stays and is retried on a later poll, as a polling outbox does.
        }
        failedPosts.incrementAndGet();
        return false;
    }

    private void awaitPoller(Future<Void> poller) throws InterruptedException, SQLException {
        try {
            poller.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new IllegalStateException("a poller failed", e.getCause());
        }
    }

    private void createTable() throws SQLException {
        try (Connection connection = postgres.connect(); Statement ddl = connection.createStatement()) {
            ddl.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            ddl.execute("CREATE SCHEMA " + SCHEMA);
            ddl.execute("CREATE TABLE " + SCHEMA + ".outbox ("
                    + " seq bigserial PRIMARY KEY,"
                    + " id uuid NOT NULL,"
                    + " aggregateid text NOT NULL,"
                    + " type text NOT NULL,"
                    + " payload jsonb NOT NULL,"
                    + " payload_version int NOT NULL DEFAULT 1,"
                    + " created_at timestamptz NOT NULL DEFAULT now())");
        }
    }

    private void dropTable() throws SQLException {
        try (Connection connection = postgres.connect(); Statement ddl = connection.createStatement()) {
            ddl.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }
}
