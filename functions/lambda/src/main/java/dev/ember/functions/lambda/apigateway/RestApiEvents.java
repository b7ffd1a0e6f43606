package dev.ember.functions.lambda.apigateway;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.ember.functions.core.http.HttpCall;
import dev.ember.functions.core.http.HttpHeaders;
import dev.ember.functions.core.http.HttpReply;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * API Gateway REST API proxy events (payload format 1.0) to and from the functions' HTTP seam.
 * The REST API must list the binary tensor extension's type ({@code application/octet-stream}) in
 * its binary media types, or API Gateway sends binary bodies as mangled text (template.yaml does).
 */
public final class RestApiEvents {
    private RestApiEvents() {}

    /** The call an event carries; {@code path} is the resource path, without the stage. */
    public static HttpCall call(APIGatewayProxyRequestEvent event) {
        if (event.getHttpMethod() == null) {
            throw new IllegalArgumentException(
                    "not an API Gateway REST API proxy event (payload format 1.0): it has no httpMethod;"
                            + " an HTTP API or another trigger needs its own handler (see template.yaml)");
        }
        return new HttpCall(
                event.getHttpMethod(),
                Bodies.path(event.getPath()),
                Bodies.firstValues(event.getMultiValueQueryStringParameters(), event.getQueryStringParameters()),
                HttpHeaders.of(headers(event)),
                Bodies.decode(event.getBody(), event.getIsBase64Encoded()));
    }

    public static APIGatewayProxyResponseEvent response(HttpReply reply) {
        return new APIGatewayProxyResponseEvent()
                .withStatusCode(reply.status())
                .withHeaders(Bodies.headers(reply))
                .withBody(Bodies.encode(reply))
                .withIsBase64Encoded(!Bodies.textual(reply));
    }

    private static Map<String, String> headers(APIGatewayProxyRequestEvent event) {
        Map<String, String> headers = new LinkedHashMap<>();
        Map<String, List<String>> multi = event.getMultiValueHeaders();
        if (multi != null) {
            multi.forEach((k, v) -> {
                if (v != null && !v.isEmpty()) {
                    headers.putIfAbsent(k, v.get(0));
                }
            });
        }
        if (event.getHeaders() != null) {
            event.getHeaders().forEach(headers::putIfAbsent);
        }
        return headers;
    }
}
