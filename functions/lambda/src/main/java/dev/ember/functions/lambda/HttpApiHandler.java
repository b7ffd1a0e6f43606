package dev.ember.functions.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ember.functions.lambda.apigateway.HttpApiEvents;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.function.aws.MicronautRequestHandler;
import jakarta.inject.Inject;

/**
 * The handler of an API Gateway HTTP API (payload format 2.0): every route of the functions
 * ({@code POST /infer}, the v2 protocol, the job endpoints) behind one {@code $default} route.
 * Constructing it is the init phase: the application context, the gateway and any in-process model
 * are built then.
 */
public class HttpApiHandler extends MicronautRequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    @Inject
    FunctionsHttp http;

    /** What Lambda calls. */
    public HttpApiHandler() {}

    /** With a context of the caller's making (tests, the custom runtime). */
    public HttpApiHandler(ApplicationContextBuilder context) {
        super(context);
    }

    @Override
    public APIGatewayV2HTTPResponse execute(APIGatewayV2HTTPEvent event) {
        return HttpApiEvents.response(http.answer(() -> HttpApiEvents.call(event)));
    }
}
