package dev.ember.functions.lambda.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.functions.lambda.FunctionsHttp;
import dev.ember.functions.lambda.HttpApiHandler;
import dev.ember.functions.lambda.LambdaGateway;
import dev.ember.functions.lambda.pool.InProcessPool;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.context.ApplicationContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process pool (ONNX Runtime in the function's JVM, loaded in the init phase) and the
 * SnapStart hooks, called as Lambda calls them around a snapshot, against a real Redis.
 */
class InProcessSnapStartIT {
    @TempDir
    Path dir;

    @Test
    void modelsShippedInThePackageAreServedAndPrimedAroundASnapshot() {
        String prefix = RedisFixture.uniquePrefix();
        Map<String, Object> properties = Map.of(
                "ember.pool.models", Backends.models(dir.resolve("models")).toString(),
                "ember.redis.url", RedisFixture.url(),
                "ember.redis.key-prefix", prefix);
        try (HttpApiHandler handler =
                        new HttpApiHandler(ApplicationContext.builder().properties(properties));
                RedisClient redis = RedisClient.create(RedisFixture.url());
                StatefulRedisConnection<String, String> keys = redis.connect()) {
            LambdaGateway gateway = handler.getApplicationContext().getBean(LambdaGateway.class);
            assertThat(gateway.pool()).isInstanceOf(InProcessPool.class);
            assertThat(infer(handler, 101).getStatusCode()).isEqualTo(200);

            FunctionsHttp http = handler.getApplicationContext().getBean(FunctionsHttp.class);
            http.snapStartHooks().beforeCheckpoint(null);

            // Both models were run through the function and their answers cached in Redis; then the
            // connection was closed for the snapshot. Requests still work meanwhile, without Redis.
            assertThat(keys.sync().keys(prefix + "*")).hasSizeGreaterThanOrEqualTo(3);
            assertThat(gateway.redisConnected()).isFalse();
            assertThat(infer(handler, 102).getStatusCode()).isEqualTo(200);

            http.snapStartHooks().afterRestore(null);
            assertThat(gateway.redisConnected()).isTrue();
            APIGatewayV2HTTPResponse restored = infer(handler, 103);
            assertThat(restored.getStatusCode()).isEqualTo(200);
            assertThat(restored.getBody()).contains("\"ember.cache\":\"miss\"");
            assertThat(infer(handler, 103).getBody()).contains("\"ember.cache\":\"hit\"");
        }
    }

    private static APIGatewayV2HTTPResponse infer(HttpApiHandler handler, int base) {
        byte[] body = HandlerContract.maskedSum(base).getBytes(StandardCharsets.UTF_8);
        return handler.execute(HttpApiHandlerIT.event(
                "POST",
                "/v2/models/masked-sum/infer",
                "$default",
                Map.of("content-type", "application/json"),
                body,
                false));
    }
}
