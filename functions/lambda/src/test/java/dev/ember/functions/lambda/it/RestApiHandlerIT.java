package dev.ember.functions.lambda.it;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.functions.lambda.RestApiHandler;
import io.micronaut.context.ApplicationContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The REST API proxy handler (payload format 1.0), on the same backends as the HTTP API's. */
class RestApiHandlerIT extends HandlerContract {
    @TempDir
    static Path dir;

    private static RestApiHandler handler;

    @BeforeAll
    static void start() {
        handler = new RestApiHandler(ApplicationContext.builder()
                .properties(Backends.remote(Backends.tenantsFile(dir), RedisFixture.uniquePrefix())));
    }

    @AfterAll
    static void stop() {
        handler.close();
    }

    @Override
    Reply send(String method, String path, Map<String, String> headers, byte[] body, boolean base64) {
        Map<String, List<String>> multi = new HashMap<>();
        headers.forEach((k, v) -> multi.put(k, List.of(v)));
        APIGatewayProxyRequestEvent event = new APIGatewayProxyRequestEvent()
                .withHttpMethod(method)
                .withPath(path)
                .withResource("/{proxy+}")
                .withHeaders(headers)
                .withMultiValueHeaders(multi)
                .withBody(base64 ? Base64.getEncoder().encodeToString(body) : new String(body, StandardCharsets.UTF_8))
                .withIsBase64Encoded(base64)
                .withRequestContext(new APIGatewayProxyRequestEvent.ProxyRequestContext().withStage("prod"));
        APIGatewayProxyResponseEvent r = handler.execute(event);
        return new Reply(r.getStatusCode(), r.getHeaders(), r.getBody(), Boolean.TRUE.equals(r.getIsBase64Encoded()));
    }
}
