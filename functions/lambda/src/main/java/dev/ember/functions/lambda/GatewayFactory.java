package dev.ember.functions.lambda;

import dev.ember.functions.core.http.FunctionsApi;
import dev.ember.functions.core.jobs.JobEngine;
import dev.ember.functions.core.jobs.JobSettings;
import dev.ember.functions.lambda.sqs.JobMessages;
import dev.ember.functions.lambda.sqs.SqsJobs;
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

    /** SQS messages as async jobs (the SQS handler's), run here: each delivery is one run of its job. */
    @Singleton
    SqsJobs sqsJobs(JobEngine jobs, InferenceCodec codec, @Value("${ember.sqs.max-attempts:5}") int maxAttempts) {
        return new SqsJobs(jobs, new JobMessages(codec), maxAttempts);
    }

    /**
     * The functions' endpoints over the gateway. Large bodies are decoded on the invoking thread
     * ({@code Runnable::run}): a Lambda instance has no event loop to keep free, only the one
     * invocation it is serving.
     */
    @Singleton
    FunctionsApi api(
            LambdaGateway gateway,
            JobEngine jobs,
            InferenceCodec codec,
            @Value("${ember.limits.max-body-bytes:6291456}") long maxBodyBytes) {
        return FunctionsApi.standard(gateway.gateway(), codec, Runnable::run, maxBodyBytes)
                .jobs(jobs)
                .build();
    }

    /**
     * Async submission and job status over the gateway's Redis (without one: 503). No consumer runs
     * in a Lambda instance (it is frozen between invocations): jobs are run by {@code bin/ember
     * consumer} processes or the functions elsewhere.
     */
    @Singleton
    @Bean(preDestroy = "close")
    JobEngine jobs(
            LambdaGateway gateway,
            InferenceCodec codec,
            @Value("${ember.async.stream-cap:100000}") long streamCap,
            @Value("${ember.async.sink:}") String sink,
            @Value("${ember.async.callback-allow:}") String callbackAllow,
            @Value("${ember.async.redis-timeout:2s}") java.time.Duration redisTimeout) {
        JobSettings settings = JobSettings.DEFAULTS
                .withKeyPrefix(gateway.settings().keyPrefix())
                .withStreamCap(streamCap)
                .withSink(LambdaSettings.present(sink).map(java.net.URI::create), LambdaSettings.list(callbackAllow));
        JobEngine.Builder builder = JobEngine.builder(gateway.gateway(), codec).settings(settings);
        gateway.redis().ifPresent(link -> builder.redis(link.url(), redisTimeout));
        return builder.build();
    }
}
