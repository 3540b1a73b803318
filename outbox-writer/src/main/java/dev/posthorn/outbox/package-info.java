/**
 * The library an application embeds to publish events through Posthorn.
 *
 * <p>Start at {@link dev.posthorn.outbox.Outbox}: {@code Outbox.builder().build()}, then
 * {@code install} the schema once, {@code publish} events inside your own transactions, and manage
 * webhook subscriptions through {@code subscriptions(dataSource)}. The key that seals subscription
 * secrets comes from {@link dev.posthorn.outbox.SecretKeys}.
 *
 * <p>Only JDBC and Jackson are needed at run time; the application brings its Postgres driver.
 */
package dev.posthorn.outbox;
