package dev.ember.functions.lambda.apigateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ember.functions.core.http.HttpCall;
import dev.ember.functions.core.http.HttpReply;
import dev.ember.pool.api.InferenceException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** API Gateway events to calls and replies to responses: nothing lost, nothing decided. */
class EventsTest {
    private static APIGatewayV2HTTPEvent v2(String rawPath, String stage, String query, String body, boolean b64) {
        return APIGatewayV2HTTPEvent.builder()
                .withRawPath(rawPath)
                .withRawQueryString(query)
                .withHeaders(Map.of("x-api-key", "k", "content-type", "application/json"))
                .withBody(body)
                .withIsBase64Encoded(b64)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withStage(stage)
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod("POST")
                                .build())
                        .build())
                .build();
    }

    @Test
    void anHttpApiEventBecomesTheCallItCarries() {
        HttpCall call = HttpApiEvents.call(
                v2("/prod/v2/models/my%2Dmodel/infer", "prod", "a=1&b=x%20y&a=2", "{\"inputs\":[]}", false));

        assertThat(call.method()).isEqualTo("POST");
        assertThat(call.path()).isEqualTo("/v2/models/my-model/infer");
        assertThat(call.query()).containsEntry("a", "1").containsEntry("b", "x y");
        assertThat(call.header("X-API-KEY")).isEqualTo("k");
        assertThat(new String(call.body(), StandardCharsets.UTF_8)).isEqualTo("{\"inputs\":[]}");
    }

    @Test
    void aBase64BodyIsDecodedAndAMalformedOneIsBadInput() {
        byte[] binary = {0, 1, 2, (byte) 0xff};
        HttpCall call = HttpApiEvents.call(
                v2("/v2/models/m/infer", "$default", null, Base64.getEncoder().encodeToString(binary), true));
        assertThat(call.body()).containsExactly(binary);

        assertThatThrownBy(() -> HttpApiEvents.call(v2("/v2", "$default", null, "not base64!", true)))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("base64");
    }

    @Test
    void binaryRepliesGoBase64AndJsonAsText() {
        HttpReply binary = new HttpReply(
                200, "application/octet-stream", Map.of("Inference-Header-Content-Length", "10"), new byte[] {1, 2});
        APIGatewayV2HTTPResponse b = HttpApiEvents.response(binary);
        assertThat(b.getIsBase64Encoded()).isTrue();
        assertThat(Base64.getDecoder().decode(b.getBody())).containsExactly(1, 2);
        assertThat(b.getHeaders())
                .containsEntry("Inference-Header-Content-Length", "10")
                .containsEntry("Content-Type", "application/octet-stream");

        HttpReply json = new HttpReply(429, "application/json", Map.of("Retry-After", "2"), "{}".getBytes());
        APIGatewayV2HTTPResponse j = HttpApiEvents.response(json);
        assertThat(j.getIsBase64Encoded()).isFalse();
        assertThat(j.getStatusCode()).isEqualTo(429);
        assertThat(j.getHeaders()).containsEntry("Retry-After", "2");
        assertThat(j.getBody()).isEqualTo("{}");
    }

    @Test
    void aRestApiEventTakesFirstValuesOfRepeatedParameters() {
        APIGatewayProxyRequestEvent event = new APIGatewayProxyRequestEvent()
                .withHttpMethod("GET")
                .withPath("/v2/models/m")
                .withMultiValueQueryStringParameters(Map.of("v", List.of("1", "2")))
                .withMultiValueHeaders(Map.of("Authorization", List.of("Bearer a", "Bearer b")));

        HttpCall call = RestApiEvents.call(event);

        assertThat(call.query()).containsEntry("v", "1");
        assertThat(call.header("authorization")).isEqualTo("Bearer a");
        assertThat(call.body()).isEmpty();
    }
}
