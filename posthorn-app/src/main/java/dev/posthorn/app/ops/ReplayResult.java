package dev.posthorn.app.ops;

/**
 * What a DLQ replay did.
 *
 * @param requeued        dead letters put back on retry tier 1 (acknowledged by the broker)
 * @param alreadyReplayed matching dead letters skipped because an earlier replay re-queued them (see {@code force})
 * @param notReplayable   matching records that name no subscription (malformed events): nothing to deliver them to
 */
public record ReplayResult(long requeued, long alreadyReplayed, long notReplayable) {}
