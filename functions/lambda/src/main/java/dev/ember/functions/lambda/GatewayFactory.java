package dev.ember.functions.lambda;

import dev.ember.functions.core.http.FunctionsApi;
import dev.ember.pool.api.codec.InferenceCodec;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The function's beans: its settings, read from {@code application.properties} (which maps the
 * environment variables), and the gateway built from them. Created when a handler is constructed,
 * which is the Lambda init phase.
 */
@Factory
final class GatewayFactory {
    @Singleton
    LambdaSettings settings(
            @Value("${ember.pool.url:}") String poolUrl,
            @Value("${ember.pool.models:}") String models,
            @Value("${ember.redis.url:}") String redisUrl,
            @Value("${ember.redis.timeout:200ms}") Duration redisTimeout,
            @Value("${ember.redis.key-prefix:ember:}") String keyPrefix,
            @Value("${ember.tenants.file:}") String tenantsFile,
            @Value("${ember.limits.max-elements:16777216}") long maxElements,
            @Value("${ember.priming.models:}") String primeModels,
            @Value("${ember.priming.api-key:}") String primingApiKey) {
        return new LambdaSettings(
                LambdaSettings.uri(poolUrl),
                LambdaSettings.present(models).map(Path::of),
                LambdaSettings.present(redisUrl),
                redisTimeout,
                keyPrefix,
                LambdaSettings.present(tenantsFile).map(Path::of),
                maxElements,
                LambdaSettings.list(primeModels),
                LambdaSettings.present(primingApiKey));
    }

    @Singleton
    @Bean(preDestroy = "close")
    LambdaGateway gateway(LambdaSettings settings) {
        return LambdaGateway.start(settings);
    }

    /** One codec for the process: it is thread-safe. */
    @Singleton
    InferenceCodec codec() {
        return new InferenceCodec();
    }

    /**
     * The functions' endpoints over the gateway. Large bodies are decoded on the invoking thread
     * ({@code Runnable::run}): a Lambda instance has no event loop to keep free, only the one
     * invocation it is serving.
     */
    @Singleton
    FunctionsApi api(
            LambdaGateway gateway,
            InferenceCodec codec,
            @Value("${ember.limits.max-body-bytes:6291456}") long maxBodyBytes) {
        return FunctionsApi.standard(gateway.gateway(), codec, Runnable::run, maxBodyBytes)
                .build();
    }
}
