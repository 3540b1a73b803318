package dev.posthorn.app.attempts;

import dev.posthorn.delivery.attempts.AttemptRecord;
import java.util.List;
import java.util.Optional;

/** One page of a subscription's attempts, and where the next starts (empty after the last). */
public record AttemptPage(List<AttemptRecord> items, Optional<String> nextCursor) {}
