package dev.ember.functions.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.ember.functions.lambda.apigateway.RestApiEvents;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.function.aws.MicronautRequestHandler;
import jakarta.inject.Inject;

/**
 * The handler of an API Gateway REST API's proxy integration (payload format 1.0, a {@code
 * {proxy+}} resource): the same routes as {@link HttpApiHandler}.
 */
public class RestApiHandler extends MicronautRequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    @Inject
    FunctionsHttp http;

    /** What Lambda calls. */
    public RestApiHandler() {}

    /** With a context of the caller's making (tests, the custom runtime). */
    public RestApiHandler(ApplicationContextBuilder context) {
        super(context);
    }

    @Override
    public APIGatewayProxyResponseEvent execute(APIGatewayProxyRequestEvent event) {
        return RestApiEvents.response(http.answer(() -> RestApiEvents.call(event)));
    }
}
