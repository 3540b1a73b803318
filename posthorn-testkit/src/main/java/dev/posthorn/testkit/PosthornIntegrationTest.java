package dev.posthorn.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that runs against the real embedded Postgres and Kafka. Each test method gets a
 * hard timeout, because Debezium and Kafka threads are non-daemon and a stuck test would hang the JVM.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(TestkitExtension.class)
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
public @interface PosthornIntegrationTest {}
