package dev.posthorn.relay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.OptionalLong;

/**
 * Which relay may stream: the holder of a Postgres session-level advisory lock, taken with
 * {@code pg_try_advisory_lock} on a dedicated connection. The lock lives exactly as long as that
 * session: a relay that crashes, is killed or loses its network loses the lock when Postgres drops
 * the session, and a standby then takes it. Postgres additionally refuses a second active consumer of
 * one replication slot, so two relays never stream at once even if the lock connection is cut while
 * the old stream still runs.
 *
 * <p>Owned by the supervisor thread only; not thread-safe.
 */
final class LeaderLock implements AutoCloseable {

    private final Connection connection;
    private final long key;
    private final String slotName;
    private boolean held;

    LeaderLock(Connection connection, String slotName) {
        this.connection = connection;
        this.slotName = slotName;
        this.key = keyFor(slotName);
    }

    /** The lock key: the first 8 bytes of SHA-256("posthorn.relay/" + slot name), so one lock per slot. */
    static long keyFor(String slotName) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("posthorn.relay/" + slotName).getBytes(StandardCharsets.UTF_8));
            long k = 0;
            for (int i = 0; i < 8; i++) {
                k = (k << 8) | (digest[i] & 0xff);
            }
            return k;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    long key() {
        return key;
    }

    /** Tries once; true if this session holds the lock now. */
    boolean tryAcquire() throws SQLException {
        if (held) {
            return true;
        }
        try (PreparedStatement s = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            s.setLong(1, key);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                held = rs.getBoolean(1);
            }
        }
        return held;
    }

    /**
     * Where the slot stands behind the server's WAL position.
     *
     * @param lagBytes WAL not yet confirmed by the relay ({@code confirmed_flush_lsn}), or empty
     * @param retainedBytes WAL Postgres keeps for the slot ({@code restart_lsn}): what fills the disk, or empty
     */
    record SlotPosition(OptionalLong lagBytes, OptionalLong retainedBytes) {
        static final SlotPosition MISSING = new SlotPosition(OptionalLong.empty(), OptionalLong.empty());
    }

    /**
     * Proves the session (and so the lock) is still alive and measures the slot.
     *
     * @throws SQLException if the session is gone: the lock is lost
     */
    SlotPosition slotPosition() throws SQLException {
        try (PreparedStatement s = connection.prepareStatement(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint,"
                        + " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
                        + " FROM pg_replication_slots WHERE slot_name = ?")) {
            s.setString(1, slotName);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return SlotPosition.MISSING;
                }
                long lag = rs.getLong(1);
                OptionalLong lagBytes = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(lag);
                long retained = rs.getLong(2);
                return new SlotPosition(lagBytes, rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(retained));
            }
        }
    }

    /** Whether the slot has an active consumer (walsender) now. */
    boolean slotActive() throws SQLException {
        try (PreparedStatement s = connection.prepareStatement(
                "SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            s.setString(1, slotName);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    Connection connection() {
        return connection;
    }

    /** Releases the lock by closing the session. */
    @Override
    public void close() throws SQLException {
        held = false;
        connection.close();
    }
}
