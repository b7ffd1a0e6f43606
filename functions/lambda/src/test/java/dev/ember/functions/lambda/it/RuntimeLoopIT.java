package dev.ember.functions.lambda.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.bench.lambda.ApiGatewayEvents;
import dev.ember.bench.lambda.LambdaProcess;
import dev.ember.bench.lambda.RuntimeApiServer;
import dev.ember.functions.core.redis.RedisFixture;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged function ({@code target/ember-lambda.zip}, unpacked as the task root) driven through
 * the Lambda Runtime API by a loopback server playing the Lambda service: the custom runtime's
 * {@code bootstrap} a user deploys, and the managed runtime's client ({@code AWSLambda}, as java21
 * runs it) through a SnapStart init. Real processes, a real worker, a real Redis; only AWS is not
 * there.
 */
class RuntimeLoopIT {
    private static final String HTTP_API = "dev.ember.functions.lambda.HttpApiHandler";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static Path taskRoot;

    @BeforeAll
    static void unpack() {
        taskRoot = LambdaProcess.unpack(Path.of("target/ember-lambda.zip"), dir.resolve("task"));
    }

    private static byte[] infer(String model, String json) {
        return ApiGatewayEvents.httpApi(
                        "POST", "/v2/models/" + model + "/infer", Map.of("content-type", "application/json"), json)
                .getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode response(RuntimeApiServer.Outcome outcome) throws Exception {
        assertThat(outcome.error())
                .as(new String(outcome.body(), StandardCharsets.UTF_8))
                .isFalse();
        return JSON.readTree(outcome.body());
    }

    @Test
    void theBootstrapServesInvocationsAndReportsAnEventItCannotServeAsAnInvocationError() throws Exception {
        Map<String, String> env = Map.of(
                "POOL_URL", Backends.worker().uri().toString(),
                "REDIS_URL", RedisFixture.url(),
                "EMBER_KEY_PREFIX", RedisFixture.uniquePrefix());
        try (RuntimeApiServer api = RuntimeApiServer.start();
                LambdaProcess function = LambdaProcess.custom(taskRoot, HTTP_API, env, api)) {
            api.firstNext().get(90, TimeUnit.SECONDS);

            JsonNode ok = response(api.invoke(infer("masked-sum", HandlerContract.maskedSum(7)))
                    .get(30, TimeUnit.SECONDS));
            assertThat(ok.path("statusCode").asInt()).as(ok.toString()).isEqualTo(200);
            assertThat(ok.path("body").asText()).contains("\"sum\"");

            JsonNode missing = response(api.invoke(infer("no-such-model", HandlerContract.maskedSum(7)))
                    .get(30, TimeUnit.SECONDS));
            assertThat(missing.path("statusCode").asInt()).isEqualTo(404);

            RuntimeApiServer.Outcome notHttp =
                    api.invoke("{}".getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
            assertThat(notHttp.error()).isTrue();
            assertThat(new String(notHttp.body(), StandardCharsets.UTF_8)).contains("requestContext.http.method");

            // and the loop goes on after an invocation error
            JsonNode again = response(api.invoke(infer("masked-sum", HandlerContract.maskedSum(8)))
                    .get(30, TimeUnit.SECONDS));
            assertThat(again.path("statusCode").asInt()).isEqualTo(200);
        }
    }

    @Test
    void aFunctionThatCannotStartReportsAnInitErrorAndExits() throws Exception {
        try (RuntimeApiServer api = RuntimeApiServer.start();
                LambdaProcess function = LambdaProcess.custom(taskRoot, HTTP_API, Map.of(), api)) {
            String error = api.initError().get(90, TimeUnit.SECONDS);

            assertThat(error).contains("no pool: set POOL_URL");
            assertThat(function.awaitExit(Duration.ofSeconds(30))).isNotZero();
            assertThat(api.firstNext()).isNotDone();
        }
    }

    @Test
    void theManagedRuntimePrimesBeforeTheSnapshotAndServesAfterTheRestore() throws Exception {
        String prefix = RedisFixture.uniquePrefix();
        Map<String, String> env = Map.of(
                "EMBER_MODELS",
                taskRoot.resolve("models").toString(),
                "REDIS_URL",
                RedisFixture.url(),
                "EMBER_KEY_PREFIX",
                prefix,
                "JAVA_TOOL_OPTIONS",
                "-Donnxruntime.native.path=" + taskRoot.resolve("ai/onnxruntime/native/linux-x64"));
        try (RuntimeApiServer api = RuntimeApiServer.start();
                LambdaProcess function = LambdaProcess.managed(taskRoot, HTTP_API, true, env, api);
                RedisClient client = RedisClient.create(RedisFixture.url());
                StatefulRedisConnection<String, String> redis = client.connect()) {
            api.restoreNext().get(90, TimeUnit.SECONDS);
            // The snapshot point: both packaged models were primed through the function and cached.
            assertThat(redis.sync().keys(prefix + "*")).as(function.log()).hasSizeGreaterThanOrEqualTo(2);
            api.firstNext().get(30, TimeUnit.SECONDS);

            JsonNode ok = response(
                    api.invoke(infer("mlp-tiny", HandlerContract.mlpTiny())).get(30, TimeUnit.SECONDS));
            assertThat(ok.path("statusCode").asInt()).as(ok.toString()).isEqualTo(200);
            assertThat(api.restoreError()).isNotDone();
            assertThat(function.log())
                    .contains("before snapshot: primed 2 of 2 models")
                    .contains("after restore");
        }
    }
}
