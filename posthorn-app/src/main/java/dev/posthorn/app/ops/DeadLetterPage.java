package dev.posthorn.app.ops;

import java.util.List;
import java.util.Optional;

/**
 * One page of {@code dlq list}: at most the asked number of dead letters, and where the next page
 * starts ({@code <partition>:<offset>}; empty after the last page).
 */
public record DeadLetterPage(List<DeadLetter> items, Optional<String> nextCursor) {}
