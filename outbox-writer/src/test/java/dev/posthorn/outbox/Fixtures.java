package dev.posthorn.outbox;

import dev.posthorn.signature.SecretCipher;
import dev.posthorn.testkit.TestScope;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** Shared set-up for tests against the real embedded Postgres. */
final class Fixtures {

    private Fixtures() {}

    /**
     * An outbox in the test's own schema, publication and replication slot, so tests never see each other's
     * rows (the testkit drops the slot after the test).
     */
    static Outbox.Builder outboxIn(TestScope scope) {
        return Outbox.builder().schema(scope.schema()).publication(scope.publicationName()).slotName(scope.slotName());
    }

    static Outbox installed(TestScope scope, Outbox.Builder builder) throws SQLException {
        Outbox outbox = builder.build();
        try (Connection connection = scope.connect()) {
            outbox.install(connection);
        }
        return outbox;
    }

    static DataSource dataSource(TestScope scope) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(scope.jdbcUrl());
        dataSource.setUser(scope.postgres().user());
        dataSource.setPassword(scope.postgres().password());
        return dataSource;
    }

    /**
     * A secret sealed as installs before 0.2 stored it: {@code "v1:" + base64(nonce || AES-256-GCM(secret) || tag)}
     * with the fixed associated data {@code posthorn/subscription-secret/v1}, bound to no subscription.
     * Written here with the JDK alone, independently of {@link SecretCipher}, which no longer seals it.
     */
    static String sealV1(String base64Key, String secret) throws java.security.GeneralSecurityException {
        byte[] nonce = new byte[12];
        new java.security.SecureRandom().nextBytes(nonce);
        javax.crypto.Cipher aes = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        aes.init(javax.crypto.Cipher.ENCRYPT_MODE,
                new javax.crypto.spec.SecretKeySpec(java.util.Base64.getDecoder().decode(base64Key), "AES"),
                new javax.crypto.spec.GCMParameterSpec(128, nonce));
        aes.updateAAD("posthorn/subscription-secret/v1".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        byte[] sealed = aes.doFinal(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        byte[] all = new byte[nonce.length + sealed.length];
        System.arraycopy(nonce, 0, all, 0, nonce.length);
        System.arraycopy(sealed, 0, all, nonce.length, sealed.length);
        return "v1:" + java.util.Base64.getEncoder().encodeToString(all);
    }

    static SecretCipher newCipher() {
        return SecretCipher.fromBase64Key(SecretCipher.generateKey());
    }

    /** Rows in the test schema's outbox table, read on a fresh connection: only committed rows count. */
    static long outboxRows(TestScope scope) throws SQLException {
        try (Connection connection = scope.connect()) {
            return count(connection, Outbox.OUTBOX_TABLE);
        }
    }

    static long count(Connection connection, String table) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
