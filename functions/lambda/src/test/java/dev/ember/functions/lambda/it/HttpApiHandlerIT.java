package dev.ember.functions.lambda.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.functions.lambda.HttpApiHandler;
import io.micronaut.context.ApplicationContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API handler (payload format 2.0) on a remote pool, a real worker process, with Redis and tenants. */
class HttpApiHandlerIT extends HandlerContract {
    @TempDir
    static Path dir;

    private static HttpApiHandler handler;

    @BeforeAll
    static void start() {
        handler = new HttpApiHandler(ApplicationContext.builder()
                .properties(Backends.remote(Backends.tenantsFile(dir), RedisFixture.uniquePrefix())));
    }

    @AfterAll
    static void stop() {
        handler.close();
    }

    @Override
    Reply send(String method, String path, Map<String, String> headers, byte[] body, boolean base64) {
        return reply(handler.execute(event(method, path, "$default", headers, body, base64)));
    }

    static APIGatewayV2HTTPEvent event(
            String method, String path, String stage, Map<String, String> headers, byte[] body, boolean base64) {
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey("$default")
                .withRawPath(path)
                .withRawQueryString("")
                .withHeaders(headers)
                .withBody(base64 ? Base64.getEncoder().encodeToString(body) : new String(body, StandardCharsets.UTF_8))
                .withIsBase64Encoded(base64)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withStage(stage)
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(method)
                                .withPath(path)
                                .build())
                        .build())
                .build();
    }

    private static Reply reply(APIGatewayV2HTTPResponse r) {
        return new Reply(r.getStatusCode(), r.getHeaders(), r.getBody(), r.getIsBase64Encoded());
    }

    @Test
    void aNamedStageIsNotPartOfThePath() {
        Reply r = reply(handler.execute(event("GET", "/prod/v2/health/live", "prod", Map.of(), new byte[0], false)));

        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void anEventThatIsNotAnHttpApiEventFailsTheInvocation() {
        assertThatThrownBy(() -> handler.execute(new APIGatewayV2HTTPEvent()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requestContext.http.method");
    }
}
