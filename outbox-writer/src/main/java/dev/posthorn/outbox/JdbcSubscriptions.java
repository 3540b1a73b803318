package dev.posthorn.outbox;

import dev.posthorn.signature.Ed25519Keys;
import dev.posthorn.signature.SecretCipher;
import dev.posthorn.signature.SecretCipherException;
import dev.posthorn.signature.WebhookSecrets;
import java.net.URI;
import java.net.URISyntaxException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * {@link Subscriptions} over JDBC. Each operation runs in one transaction of its own (auto-commit is
 * switched off for it and restored after), committed before returning.
 */
final class JdbcSubscriptions implements Subscriptions {

    static final int MIN_SECRET_LENGTH = 16;
    static final int MAX_SECRET_LENGTH = 1024;
    static final int MAX_URL_LENGTH = 2048;
    private static final String STANDARD_SECRET_PREFIX = "whsec_";
    private static final String COLUMNS = "id, topic, url, enabled, disabled_reason, strict_order,"
            + " previous_secret_expires_at, created_at, updated_at, payload_filter, custom_headers, rate_limit, signing,"
            + " signing_public_key";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final OutboxSettings settings;
    private final DataSource dataSource;
    private final String insertSql;
    private final String lockPairSql;
    private final String readdSql;
    private final String rotateSql;
    private final String listSql;
    private final String getSql;
    private final String removeSql;
    private final String disableSql;
    private final String enableSql;
    private final String secretsSql;
    private final String lockSql;
    private final String updateSql;
    private final String keysSql;
    private final String newKeysSql;
    private final String signingSql;

    JdbcSubscriptions(OutboxSettings settings, DataSource dataSource) {
        this.settings = settings;
        this.dataSource = dataSource;
        String table = settings.qualified(Outbox.SUBSCRIPTIONS_TABLE);
        // A sealed secret is bound to its row's id, so it can only be sealed once the id is known: re-adding
        // (topic, url) locks the existing row first, then rotates it (its current secret becomes the previous
        // one under that lock, so concurrent adds cannot lose a secret); a new pair is inserted unless a
        // concurrent add inserted it first, which is then rotated instead.
        this.insertSql = "INSERT INTO " + table + " (id, topic, url, secret, strict_order, created_at, updated_at,"
                + " payload_filter, custom_headers, rate_limit)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?::json, ?, ?) ON CONFLICT (topic, url) DO NOTHING";
        this.lockPairSql = "SELECT id FROM " + table + " WHERE topic = ? AND url = ? FOR UPDATE";
        this.readdSql = "UPDATE " + table + " SET previous_secret = secret, previous_secret_expires_at = ?,"
                + " secret = ?, strict_order = ?, updated_at = ?, payload_filter = ?::json, custom_headers = ?,"
                + " rate_limit = ? WHERE id = ?";
        this.rotateSql = "UPDATE " + table + " SET previous_secret = secret, previous_secret_expires_at = ?,"
                + " secret = ?, updated_at = ? WHERE id = ?";
        this.listSql = "SELECT " + COLUMNS + " FROM " + table + " ORDER BY created_at, id";
        this.getSql = "SELECT " + COLUMNS + " FROM " + table + " WHERE id = ?";
        this.removeSql = "DELETE FROM " + table + " WHERE id = ?";
        this.disableSql = "UPDATE " + table + " SET enabled = false, disabled_reason = ?, updated_at = ? WHERE id = ?";
        this.enableSql = "UPDATE " + table + " SET enabled = true, disabled_reason = NULL, updated_at = ? WHERE id = ?";
        this.lockSql = "SELECT " + COLUMNS + " FROM " + table + " WHERE id = ? FOR UPDATE";
        this.updateSql = "UPDATE " + table + " SET strict_order = ?, payload_filter = ?::json, custom_headers = ?,"
                + " rate_limit = ?, updated_at = ? WHERE id = ?";
        this.keysSql = "SELECT signing_key, signing_public_key FROM " + table + " WHERE id = ?";
        this.newKeysSql = "UPDATE " + table + " SET signing = ?, previous_signing_key = CASE WHEN ? THEN signing_key"
                + " ELSE previous_signing_key END, signing_key = ?, signing_public_key = ? WHERE id = ?";
        this.signingSql = "UPDATE " + table + " SET signing = ? WHERE id = ?";
        this.secretsSql = "SELECT secret, previous_secret, previous_secret_expires_at FROM " + table + " WHERE id = ?";
    }

    @Override
    public SubscriptionChange add(String topic, String url, Optional<String> secret, boolean strictOrder,
            SubscriptionOptions options) throws SQLException {
        Topics.subscriptionTopicProblem(topic).ifPresent(problem -> {
            throw new InvalidSubscriptionException("topic", problem);
        });
        checkUrl(url);
        if (secret == null) {
            throw new InvalidSubscriptionException("secret", "must not be null; pass Optional.empty() to have one generated");
        }
        secret.ifPresent(JdbcSubscriptions::checkSecret);
        if (options == null) {
            throw new InvalidSubscriptionException("options", "must not be null; pass SubscriptionOptions.NONE");
        }
        SecretCipher cipher = cipher();
        Optional<String> generated = secret.isPresent() ? Optional.empty() : Optional.of(WebhookSecrets.generate());
        String plaintext = secret.or(() -> generated).orElseThrow();
        Instant now = now();
        UUID proposedId = UUID.randomUUID();
        String sealedForNew = cipher.seal(proposedId.toString(), plaintext);
        @SuppressWarnings("unchecked")
        Optional<String>[] publicKey = new Optional[] {Optional.empty()};
        UUID id = inTransaction(connection -> {
            // Twice at most: a concurrent add can insert the pair between our lookup and our insert (we then
            // wait for it and rotate its row), and nobody can delete a row while we hold its lock.
            for (int attempt = 0; ; attempt++) {
                try (PreparedStatement lock = connection.prepareStatement(lockPairSql)) {
                    lock.setString(1, topic);
                    lock.setString(2, url);
                    try (ResultSet rs = lock.executeQuery()) {
                        if (rs.next()) {
                            UUID existing = rs.getObject(1, UUID.class);
                            try (PreparedStatement readd = connection.prepareStatement(readdSql)) {
                                readd.setObject(1, timestamp(now.plus(settings.secretGracePeriod())));
                                readd.setString(2, cipher.seal(existing.toString(), plaintext));
                                readd.setBoolean(3, strictOrder);
                                readd.setObject(4, timestamp(now));
                                setOptions(readd, 5, options, cipher, existing);
                                readd.setObject(8, existing);
                                readd.executeUpdate();
                            }
                            publicKey[0] = applySigning(connection, existing, options.signing(), true, cipher);
                            return existing;
                        }
                    }
                }
                try (PreparedStatement insert = connection.prepareStatement(insertSql)) {
                    insert.setObject(1, proposedId);
                    insert.setString(2, topic);
                    insert.setString(3, url);
                    insert.setString(4, sealedForNew);
                    insert.setBoolean(5, strictOrder);
                    insert.setObject(6, timestamp(now));
                    insert.setObject(7, timestamp(now));
                    setOptions(insert, 8, options, cipher, proposedId);
                    if (insert.executeUpdate() == 1) {
                        publicKey[0] = applySigning(connection, proposedId, options.signing(), false, cipher);
                        return proposedId;
                    }
                }
                if (attempt > 0) {
                    throw new SQLException("subscription (" + topic + ", " + url + ") was added and removed concurrently"
                            + " while adding it again; retry");
                }
            }
        });
        SubscriptionChange.Kind kind = id.equals(proposedId) ? SubscriptionChange.Kind.CREATED : SubscriptionChange.Kind.ROTATED;
        return new SubscriptionChange(id, kind, generated, publicKey[0]);
    }

    @Override
    public Optional<SubscriptionChange> rotate(UUID id) throws SQLException {
        requireId(id);
        String secret = WebhookSecrets.generate();
        SecretCipher cipher = cipher();
        String sealed = cipher.seal(id.toString(), secret);
        Instant now = now();
        return inTransaction(connection -> {
            Optional<Subscription> locked = lock(connection, id);
            if (locked.isEmpty()) {
                return Optional.empty();
            }
            Subscription current = locked.get();
            try (PreparedStatement rotate = connection.prepareStatement(rotateSql)) {
                rotate.setObject(1, timestamp(now.plus(settings.secretGracePeriod())));
                rotate.setString(2, sealed);
                rotate.setObject(3, timestamp(now));
                rotate.setObject(4, id);
                rotate.executeUpdate();
            }
            // An Ed25519 key pair rotates with the secret: the old key keeps signing for the same grace period.
            Optional<String> publicKey = applySigning(connection, id, current.options().signing(), true, cipher);
            return Optional.of(new SubscriptionChange(id, SubscriptionChange.Kind.ROTATED, Optional.of(secret), publicKey));
        });
    }

    /** Reads subscription {@code id} and locks its row for this transaction; empty if there is none. */
    private Optional<Subscription> lock(Connection connection, UUID id) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement(lockSql)) {
            lock.setObject(1, id);
            try (ResultSet rs = lock.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    /**
     * Stores the signing scheme and, when it needs one, the Ed25519 key pair: a new pair when there is none
     * yet, or on a rotation ({@code rotate}) of a subscription that has one (the current key becomes the
     * previous, valid as long as the previous secret). The signing key is sealed like the secret, bound to
     * {@code <id>#signing-key}. Returns the public key the subscription has now.
     */
    private Optional<String> applySigning(Connection connection, UUID id, Signing signing, boolean rotate,
            SecretCipher cipher) throws SQLException {
        String currentKey;
        String currentPublic;
        try (PreparedStatement keys = connection.prepareStatement(keysSql)) {
            keys.setObject(1, id);
            try (ResultSet rs = keys.executeQuery()) {
                rs.next();
                currentKey = rs.getString(1);
                currentPublic = rs.getString(2);
            }
        }
        boolean newPair = rotate ? signing.usesEd25519() || currentKey != null : signing.usesEd25519() && currentKey == null;
        if (!newPair) {
            try (PreparedStatement update = connection.prepareStatement(signingSql)) {
                update.setString(1, signing.text());
                update.setObject(2, id);
                update.executeUpdate();
            }
            return Optional.ofNullable(currentPublic);
        }
        Ed25519Keys.Pair pair = Ed25519Keys.generate();
        try (PreparedStatement update = connection.prepareStatement(newKeysSql)) {
            update.setString(1, signing.text());
            update.setBoolean(2, rotate);
            update.setString(3, cipher.seal(signingKeySealId(id), pair.signingKey()));
            update.setString(4, pair.publicKey());
            update.setObject(5, id);
            update.executeUpdate();
        }
        return Optional.of(pair.publicKey());
    }

    /** What a sealed Ed25519 signing key is bound to (apart from the secret's and the headers' binding). */
    static String signingKeySealId(UUID id) {
        return id + "#signing-key";
    }

    @Override
    public Optional<Subscription> update(UUID id, SubscriptionPatch patch) throws SQLException {
        requireId(id);
        if (patch == null) {
            throw new InvalidSubscriptionException("patch", "must not be null");
        }
        Instant now = now();
        SecretCipher cipher = cipher();
        return inTransaction(connection -> {
            Optional<Subscription> locked = lock(connection, id);
            if (locked.isEmpty()) {
                return Optional.empty();
            }
            Subscription current = locked.get();
            SubscriptionOptions options = patch.applyTo(current.options()); // validates before writing
            boolean strictOrder = patch.strictOrder().orElse(current.strictOrder());
            try (PreparedStatement update = connection.prepareStatement(updateSql)) {
                update.setBoolean(1, strictOrder);
                setOptions(update, 2, options, cipher, id);
                update.setObject(5, timestamp(now));
                update.setObject(6, id);
                update.executeUpdate();
            }
            Optional<String> publicKey = applySigning(connection, id, options.signing(), false, cipher);
            return Optional.of(new Subscription(current.id(), current.topic(), current.url(), current.enabled(),
                    current.disabledReason(), strictOrder, current.previousSecretExpiresAt(), current.createdAt(), now,
                    options, publicKey));
        });
    }

    /**
     * Sets payload_filter, custom_headers and rate_limit at {@code first}, {@code first + 1}, {@code first + 2}.
     * Header values may be credentials (a gateway's static token): they are sealed like secrets, bound to
     * the subscription (see {@link #headersSealId}).
     */
    private static void setOptions(PreparedStatement statement, int first, SubscriptionOptions options,
            SecretCipher cipher, UUID id) throws SQLException {
        statement.setString(first, options.filter().orElse(null));
        statement.setString(first + 1, options.headers().isEmpty() ? null
                : cipher.seal(headersSealId(id), json(options.headers())));
        if (options.rateLimit().isPresent()) {
            statement.setInt(first + 2, options.rateLimit().get());
        } else {
            statement.setNull(first + 2, java.sql.Types.INTEGER);
        }
    }

    /**
     * What sealed custom headers are bound to: the subscription id with a suffix, so that a sealed secret
     * and sealed headers cannot stand in for each other.
     */
    static String headersSealId(UUID id) {
        return id + "#headers";
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    @Override
    public List<Subscription> list() throws SQLException {
        return inTransaction(connection -> {
            List<Subscription> subscriptions = new ArrayList<>();
            try (PreparedStatement list = connection.prepareStatement(listSql); ResultSet rs = list.executeQuery()) {
                while (rs.next()) {
                    subscriptions.add(read(rs));
                }
            }
            return List.copyOf(subscriptions);
        });
    }

    @Override
    public Optional<Subscription> get(UUID id) throws SQLException {
        requireId(id);
        return inTransaction(connection -> {
            try (PreparedStatement get = connection.prepareStatement(getSql)) {
                get.setObject(1, id);
                try (ResultSet rs = get.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public boolean remove(UUID id) throws SQLException {
        requireId(id);
        return inTransaction(connection -> {
            try (PreparedStatement remove = connection.prepareStatement(removeSql)) {
                remove.setObject(1, id);
                return remove.executeUpdate() > 0;
            }
        });
    }

    @Override
    public boolean disable(UUID id, String reason) throws SQLException {
        requireId(id);
        if (reason == null || reason.isBlank()) {
            throw new InvalidSubscriptionException("reason", "must not be blank; say why deliveries stop, e.g. 'endpoint answered 410 Gone'");
        }
        if (reason.indexOf('\0') >= 0) {
            throw new InvalidSubscriptionException("reason", "must not contain the character U+0000");
        }
        Instant now = now();
        return inTransaction(connection -> {
            try (PreparedStatement disable = connection.prepareStatement(disableSql)) {
                disable.setString(1, reason);
                disable.setObject(2, timestamp(now));
                disable.setObject(3, id);
                return disable.executeUpdate() > 0;
            }
        });
    }

    @Override
    public boolean enable(UUID id) throws SQLException {
        requireId(id);
        Instant now = now();
        return inTransaction(connection -> {
            try (PreparedStatement enable = connection.prepareStatement(enableSql)) {
                enable.setObject(1, timestamp(now));
                enable.setObject(2, id);
                return enable.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<String> validSecrets(UUID id, Instant now) throws SQLException {
        requireId(id);
        if (now == null) {
            throw new InvalidSubscriptionException("now", "must not be null");
        }
        SecretCipher cipher = cipher();
        return inTransaction(connection -> {
            try (PreparedStatement query = connection.prepareStatement(secretsSql)) {
                query.setObject(1, id);
                try (ResultSet rs = query.executeQuery()) {
                    if (!rs.next()) {
                        return List.of();
                    }
                    List<String> secrets = new ArrayList<>(2);
                    secrets.add(open(cipher, id, rs.getString(1)));
                    String previous = rs.getString(2);
                    OffsetDateTime expiresAt = rs.getObject(3, OffsetDateTime.class);
                    if (previous != null && expiresAt != null && now.isBefore(expiresAt.toInstant())) {
                        secrets.add(open(cipher, id, previous));
                    }
                    return List.copyOf(secrets);
                }
            }
        });
    }

    private static String open(SecretCipher cipher, UUID id, String sealed) {
        try {
            return cipher.open(id.toString(), sealed);
        } catch (SecretCipherException e) {
            if (SecretCipher.isLegacy(sealed)) {
                throw new IllegalStateException("cannot decrypt the secret of subscription " + id + ": it is sealed in"
                        + " the old v1: format, not bound to its subscription. Run `posthorn outbox install` (or"
                        + " Outbox.install with the secret cipher) to re-seal stored secrets", e);
            }
            throw new IllegalStateException("cannot decrypt the secret of subscription " + id + ": it was sealed for"
                    + " another subscription (copied from another row), or " + SecretKeys.ENVIRONMENT_VARIABLE
                    + " is not the key it was stored with, or the stored value is damaged. Use the original key, or"
                    + " re-add the subscription to store a new secret", e);
        }
    }

    private Subscription read(ResultSet rs) throws SQLException {
        return new Subscription(
                rs.getObject("id", UUID.class),
                rs.getString("topic"),
                rs.getString("url"),
                rs.getBoolean("enabled"),
                Optional.ofNullable(rs.getString("disabled_reason")),
                rs.getBoolean("strict_order"),
                Optional.ofNullable(rs.getObject("previous_secret_expires_at", OffsetDateTime.class))
                        .map(OffsetDateTime::toInstant),
                rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                rs.getObject("updated_at", OffsetDateTime.class).toInstant(),
                readOptions(rs),
                Optional.ofNullable(rs.getString("signing_public_key")));
    }

    /**
     * Options as stored. Values written by other tools that no longer validate are read as stored would
     * fail: they are reported by id instead, so one bad row cannot hide the others from {@link #list}.
     */
    private SubscriptionOptions readOptions(ResultSet rs) throws SQLException {
        String filter = rs.getString("payload_filter");
        String sealedHeaders = rs.getString("custom_headers");
        String headers = sealedHeaders == null ? null : openHeaders(rs.getObject("id", UUID.class), sealedHeaders);
        int rate = rs.getInt("rate_limit");
        Optional<Integer> rateLimit = rs.wasNull() ? Optional.empty() : Optional.of(rate);
        Map<String, String> headerMap = new java.util.LinkedHashMap<>();
        if (headers != null) {
            try {
                JSON.readTree(headers).fields().forEachRemaining(e -> headerMap.put(e.getKey(), e.getValue().asText()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("subscription " + rs.getObject("id") + ": custom_headers is not a JSON"
                        + " object", e);
            }
        }
        try {
            String signing = rs.getString("signing");
            return new SubscriptionOptions(Optional.ofNullable(filter), headerMap, rateLimit,
                    signing == null ? Signing.HMAC : Signing.parse(signing));
        } catch (InvalidSubscriptionException e) {
            throw new IllegalStateException("subscription " + rs.getObject("id") + " has stored options that do not"
                    + " validate: " + e.getMessage(), e);
        }
    }

    private String openHeaders(UUID id, String sealed) {
        if (settings.secretCipher() == null) {
            throw new IllegalStateException("subscription " + id + " has custom headers, which are sealed like secrets:"
                    + " reading it needs the key (Outbox.builder().secretCipher(...))");
        }
        try {
            return settings.secretCipher().open(headersSealId(id), sealed);
        } catch (SecretCipherException e) {
            throw new IllegalStateException("cannot decrypt the custom headers of subscription " + id + ": "
                    + SecretKeys.ENVIRONMENT_VARIABLE + " is not the key they were stored with, or they were copied from"
                    + " another row", e);
        }
    }

    private SecretCipher cipher() {
        if (settings.secretCipher() == null) {
            throw new IllegalStateException("subscription secrets need a key to be sealed and opened: build the outbox"
                    + " with Outbox.builder().secretCipher(SecretKeys.fromEnvironment(false))");
        }
        return settings.secretCipher();
    }

    private static void requireId(UUID id) {
        if (id == null) {
            throw new InvalidSubscriptionException("id", "must not be null");
        }
    }

    static void checkUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new InvalidSubscriptionException("url", "must not be blank");
        }
        if (url.length() > MAX_URL_LENGTH) {
            throw new InvalidSubscriptionException("url", "is " + url.length() + " characters long; at most "
                    + MAX_URL_LENGTH + " are allowed");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new InvalidSubscriptionException("url", "is not a valid URI: " + e.getReason() + " at index " + e.getIndex());
        }
        String scheme = uri.getScheme();
        if (!uri.isAbsolute() || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
            throw new InvalidSubscriptionException("url", "must be an absolute http or https URL, e.g."
                    + " https://example.com/webhooks, was '" + url + "'");
        }
        if (uri.getHost() == null) {
            throw new InvalidSubscriptionException("url", "has no host name, was '" + url + "'");
        }
        if (uri.getRawUserInfo() != null) {
            // Credentials in the URL would end up in logs and Kafka in plaintext; the secret signs instead.
            throw new InvalidSubscriptionException("url", "must not contain user info (user:password@); receivers"
                    + " authenticate deliveries by their signature");
        }
    }

    /** Messages here describe the secret's shape only, never its content. */
    static void checkSecret(String secret) {
        if (secret == null || secret.isBlank()) {
            throw new InvalidSubscriptionException("secret", "must not be blank; pass Optional.empty() to have one generated");
        }
        if (secret.length() < MIN_SECRET_LENGTH || secret.length() > MAX_SECRET_LENGTH) {
            throw new InvalidSubscriptionException("secret", "must be " + MIN_SECRET_LENGTH + " to " + MAX_SECRET_LENGTH
                    + " characters long, was " + secret.length());
        }
        for (int i = 0; i < secret.length(); i++) {
            char c = secret.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw new InvalidSubscriptionException("secret", "must not contain spaces or control characters"
                        + " (found one at index " + i + ")");
            }
        }
        if (secret.startsWith(STANDARD_SECRET_PREFIX)) {
            // Standard Webhooks signs with the base64-decoded part after the prefix; fail now, not at delivery.
            byte[] key;
            try {
                key = Base64.getDecoder().decode(secret.substring(STANDARD_SECRET_PREFIX.length()));
            } catch (IllegalArgumentException e) {
                throw new InvalidSubscriptionException("secret", "starts with " + STANDARD_SECRET_PREFIX
                        + " but does not continue with base64, as the Standard Webhooks secret format requires");
            }
            if (key.length == 0) {
                throw new InvalidSubscriptionException("secret", "has no key after the " + STANDARD_SECRET_PREFIX + " prefix");
            }
        }
    }

    private Instant now() {
        return settings.clock().instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static OffsetDateTime timestamp(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T apply(Connection connection) throws SQLException;
    }

    private <T> T inTransaction(SqlWork<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            if (autoCommit) {
                connection.setAutoCommit(false);
            }
            try {
                T result = work.apply(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException rollbackFailure) {
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            } finally {
                if (autoCommit) {
                    connection.setAutoCommit(true);
                }
            }
        }
    }
}
