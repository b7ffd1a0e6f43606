package dev.ember.functions.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * template.yaml against the code: every function's handler is a class of this module that handles
 * the events the template sends it, SnapStart is on for published versions, and the environment
 * names what {@code application.properties} reads. (AWS itself cannot be reached here: the
 * template is checked, not deployed.)
 */
class TemplateTest {
    private static final Map<String, Class<?>> EVENT_TYPES = Map.of(
            "HttpApi", APIGatewayV2HTTPEvent.class, "Api", APIGatewayProxyRequestEvent.class, "SQS", SQSEvent.class);

    private static JsonNode template;

    @BeforeAll
    static void read() throws Exception {
        // Intrinsic functions in short form (!Ref, !If) are YAML tags: the parser keeps their values.
        template = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(Path.of("template.yaml")));
    }

    private static List<Map.Entry<String, JsonNode>> functions() {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it =
                        template.path("Resources").fields();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> r = it.next();
            if (r.getValue().path("Type").asText().equals("AWS::Serverless::Function")) {
                out.add(r);
            }
        }
        return out;
    }

    @Test
    void everyHandlerIsAClassThatTakesTheEventsItIsSent() throws Exception {
        assertThat(functions()).hasSizeGreaterThanOrEqualTo(2);
        for (Map.Entry<String, JsonNode> f : functions()) {
            String handler = f.getValue().path("Properties").path("Handler").asText();
            Class<?> type = Class.forName(handler.split("::")[0]);
            assertThat(RequestHandler.class).as(handler).isAssignableFrom(type);
            assertThat(type.getConstructor())
                    .as(handler + " needs a public no-argument constructor")
                    .isNotNull();
            JsonNode events = f.getValue().path("Properties").path("Events");
            assertThat(events.size()).as(f.getKey() + " has events").isPositive();
            for (JsonNode event : events) {
                Class<?> expected = EVENT_TYPES.get(event.path("Type").asText());
                assertThat(expected).as("event type " + event.path("Type")).isNotNull();
                assertThat(inputType(type)).as(handler + " input").isEqualTo(expected);
            }
        }
    }

    @Test
    void snapStartIsOnForPublishedVersionsOfAJavaRuntime() {
        JsonNode globals = template.path("Globals").path("Function");
        assertThat(globals.path("SnapStart").path("ApplyOn").asText()).isEqualTo("PublishedVersions");
        assertThat(globals.path("AutoPublishAlias").asText()).isNotBlank();
        assertThat(globals.path("Runtime").asText()).startsWith("java");
    }

    @Test
    void theEnvironmentNamesWhatTheFunctionReads() throws Exception {
        JsonNode variables =
                template.path("Globals").path("Function").path("Environment").path("Variables");
        String properties = Files.readString(Path.of("src/main/resources/application.properties"));
        for (String name : List.of("REDIS_URL", "POOL_URL", "EMBER_MODELS")) {
            assertThat(variables.has(name)).as(name).isTrue();
            assertThat(properties).contains("${" + name + ":");
        }
    }

    @Test
    void thePackageIsWhatMavenBuilds() throws Exception {
        String codeUri =
                template.path("Globals").path("Function").path("CodeUri").asText();
        assertThat(codeUri).isEqualTo("target/ember-lambda.zip");
        assertThat(Files.readString(Path.of("pom.xml"))).contains("<finalName>ember-lambda</finalName>");
    }

    @Test
    void eventsReferToResourcesOfTheTemplate() {
        for (Map.Entry<String, JsonNode> f : functions()) {
            for (JsonNode event : f.getValue().path("Properties").path("Events")) {
                for (JsonNode ref : event.path("Properties").findValues("ApiId")) {
                    assertThat(template.path("Resources").has(ref.asText()))
                            .as(ref.asText())
                            .isTrue();
                }
                for (JsonNode ref : event.path("Properties").findValues("RestApiId")) {
                    assertThat(template.path("Resources").has(ref.asText()))
                            .as(ref.asText())
                            .isTrue();
                }
            }
        }
    }

    @Test
    void sqsJobsReportBatchItemFailuresAndPoisonMessagesEndInTheDeadLetterQueue() throws Exception {
        List<JsonNode> sqs = new ArrayList<>();
        for (Map.Entry<String, JsonNode> f : functions()) {
            for (JsonNode event : f.getValue().path("Properties").path("Events")) {
                if (event.path("Type").asText().equals("SQS")) {
                    sqs.add(event);
                    int maxAttempts = f.getValue()
                            .path("Properties")
                            .path("Environment")
                            .path("Variables")
                            .path("EMBER_SQS_MAX_ATTEMPTS")
                            .asInt();
                    JsonNode props = event.path("Properties");
                    assertThat(props.path("FunctionResponseTypes").toString()).contains("ReportBatchItemFailures");
                    // Short-form !GetAtt keeps its value: "JobQueue.Arn".
                    String queueName = props.path("Queue").asText().replace(".Arn", "");
                    JsonNode queue = template.path("Resources").path(queueName);
                    assertThat(queue.path("Type").asText()).isEqualTo("AWS::SQS::Queue");
                    JsonNode redrive = queue.path("Properties").path("RedrivePolicy");
                    String dlq = redrive.path("deadLetterTargetArn").asText().replace(".Arn", "");
                    assertThat(template.path("Resources").path(dlq).path("Type").asText())
                            .isEqualTo("AWS::SQS::Queue");
                    assertThat(maxAttempts).as("EMBER_SQS_MAX_ATTEMPTS").isPositive();
                    assertThat(redrive.path("maxReceiveCount").asInt())
                            .as("maxReceiveCount leaves the engine its tries")
                            .isGreaterThanOrEqualTo(maxAttempts);
                    int timeout = template.path("Globals")
                            .path("Function")
                            .path("Timeout")
                            .asInt();
                    assertThat(queue.path("Properties")
                                    .path("VisibilityTimeout")
                                    .asInt())
                            .as("the visibility timeout outlasts an invocation")
                            .isGreaterThanOrEqualTo(6 * timeout);
                }
            }
        }
        assertThat(sqs).hasSize(1);
        assertThat(Files.readString(Path.of("src/main/resources/application.properties")))
                .contains("${EMBER_SQS_MAX_ATTEMPTS:");
    }

    /** The {@code I} of the handler's {@code RequestHandler<I, O>}, through its superclasses. */
    private static Class<?> inputType(Class<?> handler) {
        for (Class<?> c = handler; c != null; c = c.getSuperclass()) {
            Type s = c.getGenericSuperclass();
            if (s instanceof ParameterizedType p && p.getActualTypeArguments()[0] instanceof Class<?> input) {
                return input;
            }
        }
        throw new AssertionError(handler + " does not name its event type");
    }
}
