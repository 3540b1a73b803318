/**
 * Spring Boot auto-configuration for Posthorn: {@link dev.posthorn.spring.TransactionalOutbox} publishes
 * outbox events in the current {@code @Transactional} transaction, configured by {@code posthorn.*}
 * ({@link dev.posthorn.spring.PosthornProperties}).
 */
package dev.posthorn.spring;
