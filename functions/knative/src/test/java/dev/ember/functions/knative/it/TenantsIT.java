package dev.ember.functions.knative.it;

import static dev.ember.functions.knative.it.Requests.maskedSum;
import static dev.ember.functions.knative.it.Requests.uniqueBase;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Authentication and plans, with the tenants of {@code tenants-it.yaml}; rate limits live in Redis. */
@QuarkusIntegrationTest
@WithTestResource(value = PoolAndRedis.class, initArgs = @ResourceArg(name = "tenants", value = "tenants-it.yaml"))
class TenantsIT {
    private static final String ACME = "ek_test_acme"; // any model
    private static final String GLOBEX = "ek_test_globex"; // masked-sum only
    private static final String INITECH = "ek_test_initech"; // burst 2, then one request per 100 s

    @Test
    void noKeyIs401SayingHowToSendOne() {
        String error = infer(given(), maskedSum(uniqueBase()))
                .then()
                .statusCode(401)
                .extract()
                .path("error");
        assertThat(error).contains("Authorization: Bearer");
    }

    @Test
    void modelsNeedsAKeyAndListsOnlyTheTenantsModels() {
        given().get("/models").then().statusCode(401);
        List<String> globex = given().header("X-Api-Key", GLOBEX)
                .get("/models")
                .then()
                .statusCode(200)
                .extract()
                .path("name");
        assertThat(globex).containsExactly("masked-sum");
        List<String> acme = given().header("X-Api-Key", ACME)
                .get("/models")
                .then()
                .statusCode(200)
                .extract()
                .path("name");
        assertThat(acme).contains("masked-sum", "mlp-tiny");
    }

    @Test
    void anUnknownKeyIs401() {
        String error = infer(given().header("Authorization", "Bearer ek_test_nobody"), maskedSum(uniqueBase()))
                .then()
                .statusCode(401)
                .extract()
                .path("error");
        assertThat(error).isEqualTo("invalid API key").doesNotContain("ek_test_nobody");
    }

    @Test
    void aKnownKeyIsAcceptedAsBearerAsXApiKeyAndAsACloudEventAttribute() {
        infer(given().header("Authorization", "Bearer " + ACME), maskedSum(uniqueBase()))
                .then()
                .statusCode(200);
        infer(given().header("X-Api-Key", ACME), maskedSum(uniqueBase())).then().statusCode(200);
        given().header("ce-specversion", "1.0")
                .header("ce-id", "auth-" + uniqueBase())
                .header("ce-source", "/tests")
                .header("ce-type", "dev.ember.inference.requested")
                .header("ce-apikey", ACME)
                .contentType("application/json")
                .body(maskedSum(uniqueBase()))
                .post("/")
                .then()
                .statusCode(200)
                .header("ce-type", "dev.ember.inference.completed");
    }

    @Test
    void aTenantNotAllowedTheModelIs403() {
        infer(given().header("X-Api-Key", GLOBEX), maskedSum(uniqueBase()))
                .then()
                .statusCode(200);

        String error = infer(given().header("X-Api-Key", GLOBEX), Requests.mlp(uniqueBase(), 1))
                .then()
                .statusCode(403)
                .extract()
                .path("error");
        assertThat(error).contains("globex").contains("mlp-tiny");
    }

    @Test
    void overThePlansRateIs429WithRetryAfter() {
        RequestSpecification initech = given().header("Authorization", "Bearer " + INITECH);
        infer(initech, maskedSum(uniqueBase())).then().statusCode(200);
        infer(initech, maskedSum(uniqueBase())).then().statusCode(200);

        Response refused = infer(initech, maskedSum(uniqueBase()));
        refused.then().statusCode(429);
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 100L);
        assertThat(refused.jsonPath().getString("error")).contains("initech").contains("retry in");

        String metrics =
                PoolAndRedis.management().get("/q/metrics").then().extract().asString();
        assertThat(InferIT.counter(metrics, "ember_ratelimit_denied_total{tenant=\"initech\"}"))
                .isGreaterThanOrEqualTo(1);
    }

    private static Response infer(RequestSpecification spec, String body) {
        return spec.contentType("application/json").body(body).post("/infer");
    }
}
