package dev.posthorn.testkit;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands tests the shared {@link PostgresServer}, the shared {@link KafkaBroker}, and a fresh
 * {@link TestScope} per test method, as parameters of test methods, constructors or lifecycle methods.
 */
public final class TestkitExtension implements ParameterResolver, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(TestkitExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == PostgresServer.class || type == KafkaBroker.class || type == TestScope.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == PostgresServer.class) {
            return Testkit.postgres();
        }
        if (type == KafkaBroker.class) {
            return Testkit.kafka();
        }
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(TestScope.class, key -> {
            TestScope scope = new TestScope(Testkit.postgres());
            try {
                scope.createSchema();
            } catch (Exception e) {
                throw new ParameterResolutionException("cannot create the test's schema " + scope.schema(), e);
            }
            return scope;
        }, TestScope.class);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        TestScope scope = context.getStore(NAMESPACE).get(TestScope.class, TestScope.class);
        if (scope != null) {
            scope.dropLeftovers();
        }
    }
}
