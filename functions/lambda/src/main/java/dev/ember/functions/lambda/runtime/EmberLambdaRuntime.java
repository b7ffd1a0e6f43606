package dev.ember.functions.lambda.runtime;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ember.functions.lambda.HttpApiHandler;
import dev.ember.functions.lambda.RestApiHandler;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.function.aws.runtime.AbstractMicronautLambdaRuntime;
import java.util.function.Supplier;

/**
 * The custom runtime's entry point ({@code bootstrap} in the deployment package runs it, for a
 * {@code provided.al2023} function with a JVM of its own): Micronaut's Runtime API loop — {@code
 * /invocation/next}, then {@code /response} or {@code /error}, and {@code /init/error} when the
 * handler cannot be built — around the handler named by {@code _HANDLER}, the same classes the
 * managed Java runtime loads. The event type comes from the handler, so each has its loop.
 */
public final class EmberLambdaRuntime {
    private EmberLambdaRuntime() {}

    public static void main(String[] args) throws Exception {
        String handler = System.getenv("_HANDLER");
        String name = handler == null ? "" : handler.split("::")[0];
        AbstractMicronautLambdaRuntime<?, ?, ?, ?> runtime;
        if (name.equals(HttpApiHandler.class.getName())) {
            runtime = new HttpApi(HttpApiHandler::new);
        } else if (name.equals(RestApiHandler.class.getName())) {
            runtime = new RestApi(RestApiHandler::new);
        } else {
            runtime = new HttpApi(() -> {
                throw new ConfigurationException("_HANDLER '" + handler + "' is none of Ember's handlers: use "
                        + HttpApiHandler.class.getName() + " or " + RestApiHandler.class.getName());
            });
        }
        runtime.run(args);
        // The loop returns only after reporting an init error: end the process, as Lambda expects.
        System.exit(1);
    }

    static final class HttpApi
            extends AbstractMicronautLambdaRuntime<
                    APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse, APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
        private final Supplier<RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handler;

        HttpApi(Supplier<RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handler) {
            this.handler = handler;
        }

        @Override
        protected RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> createRequestHandler(String... args) {
            return handler.get();
        }
    }

    static final class RestApi
            extends AbstractMicronautLambdaRuntime<
                    APIGatewayProxyRequestEvent,
                    APIGatewayProxyResponseEvent,
                    APIGatewayProxyRequestEvent,
                    APIGatewayProxyResponseEvent> {
        private final Supplier<RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent>> handler;

        RestApi(Supplier<RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent>> handler) {
            this.handler = handler;
        }

        @Override
        protected RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> createRequestHandler(
                String... args) {
            return handler.get();
        }
    }
}
