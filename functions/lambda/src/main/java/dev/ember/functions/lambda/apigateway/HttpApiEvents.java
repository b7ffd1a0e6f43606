package dev.ember.functions.lambda.apigateway;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ember.functions.core.http.HttpCall;
import dev.ember.functions.core.http.HttpHeaders;
import dev.ember.functions.core.http.HttpReply;

/**
 * API Gateway HTTP API events (payload format 2.0) to and from the functions' HTTP seam. Nothing is
 * decided here: the call goes to {@code FunctionsApi} as it came, and its reply comes back as it is.
 */
public final class HttpApiEvents {
    private HttpApiEvents() {}

    /**
     * The call an event carries. The path is {@code rawPath} decoded, less the stage when the API
     * has a named one ({@code /prod/v2/...} is {@code /v2/...}; the {@code $default} stage adds
     * nothing). An event without a method is not an HTTP API event: that is the deployment's
     * mistake, not a client's, so it is thrown and Lambda reports an invocation error.
     */
    public static HttpCall call(APIGatewayV2HTTPEvent event) {
        APIGatewayV2HTTPEvent.RequestContext context = event.getRequestContext();
        if (context == null || context.getHttp() == null || context.getHttp().getMethod() == null) {
            throw new IllegalArgumentException(
                    "not an API Gateway HTTP API event (payload format 2.0): it has no requestContext.http.method;"
                            + " a REST API or another trigger needs its own handler (see template.yaml)");
        }
        String path = withoutStage(event.getRawPath(), context.getStage());
        return new HttpCall(
                context.getHttp().getMethod(),
                Bodies.path(path),
                Bodies.query(event.getRawQueryString()),
                HttpHeaders.of(event.getHeaders()),
                Bodies.decode(event.getBody(), event.getIsBase64Encoded()));
    }

    public static APIGatewayV2HTTPResponse response(HttpReply reply) {
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(reply.status())
                .withHeaders(Bodies.headers(reply))
                .withBody(Bodies.encode(reply))
                .withIsBase64Encoded(!Bodies.textual(reply))
                .build();
    }

    private static String withoutStage(String rawPath, String stage) {
        if (rawPath == null) {
            return "/";
        }
        if (stage == null || stage.isEmpty() || stage.equals("$default")) {
            return rawPath;
        }
        String prefix = "/" + stage;
        if (rawPath.equals(prefix)) {
            return "/";
        }
        return rawPath.startsWith(prefix + "/") ? rawPath.substring(prefix.length()) : rawPath;
    }
}
