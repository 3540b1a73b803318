package dev.posthorn.spring;

import dev.posthorn.outbox.Outbox;
import java.sql.Connection;
import javax.sql.DataSource;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * An {@link Outbox} configured from {@code posthorn.*} and a {@link TransactionalOutbox} over the
 * application's {@code DataSource}; optionally installs the schema at startup.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration", // Spring Boot 4
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration"}) // Spring Boot 3
@ConditionalOnClass({DataSource.class, Outbox.class})
@ConditionalOnSingleCandidate(DataSource.class)
@EnableConfigurationProperties(PosthornProperties.class)
public class PosthornAutoConfiguration {

    /** Created by Spring Boot from {@code AutoConfiguration.imports}. */
    public PosthornAutoConfiguration() {}

    @Bean
    @ConditionalOnMissingBean
    Outbox posthornOutbox(PosthornProperties properties) {
        return Outbox.builder()
                .schema(properties.getSchema())
                .publication(properties.getPublication())
                .slotName(properties.getSlotName())
                .retention(properties.getRowRetention())
                .build();
    }

    @Bean
    @ConditionalOnMissingBean
    TransactionalOutbox transactionalOutbox(Outbox outbox, DataSource dataSource,
            ObjectProvider<TraceContextSource> traceContext) {
        return new TransactionalOutbox(outbox, dataSource, traceContext.getIfAvailable(() -> TraceContextSource.NONE));
    }

    /** {@code posthorn.install-on-startup=true}: tables, publication and slot before the application serves. */
    @Bean
    @ConditionalOnProperty(prefix = "posthorn", name = "install-on-startup", havingValue = "true")
    InitializingBean posthornOutboxInstaller(Outbox outbox, DataSource dataSource) {
        return () -> {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true); // install creates the replication slot only in auto-commit mode
                outbox.install(connection);
            }
        };
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.opentelemetry.api.trace.Span")
    static class OpenTelemetryTraceContext {

        @Bean
        @ConditionalOnMissingBean
        TraceContextSource posthornTraceContextSource() {
            return new OpenTelemetryTraceContextSource();
        }
    }
}
