package dev.ember.functions.knative.it;

import static dev.ember.functions.knative.it.Requests.maskedSum;
import static dev.ember.functions.knative.it.Requests.maskedSums;
import static dev.ember.functions.knative.it.Requests.uniqueBase;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

/** No Redis answers at startup and none is required: the app serves, caching in its own memory. */
@QuarkusIntegrationTest
@WithTestResource(value = PoolAndRedis.class, initArgs = @ResourceArg(name = "redis", value = "absent"))
class WithoutRedisIT {
    @Test
    void theAppServesAndCachesInProcess() {
        int base = uniqueBase();
        JsonPath first =
                InferIT.post(maskedSum(base)).then().statusCode(200).extract().jsonPath();
        JsonPath again =
                InferIT.post(maskedSum(base)).then().statusCode(200).extract().jsonPath();

        assertThat(first.getList("outputs[0].data", Float.class)).isEqualTo(maskedSums(base));
        assertThat(first.getString("parameters.'ember.cache'")).isEqualTo("miss");
        assertThat(again.getString("parameters.'ember.cache'")).isEqualTo("hit");
    }

    @Test
    void asyncSubmissionAnswers503SayingAsyncNeedsRedisWhileSyncServes() {
        io.restassured.response.Response r = io.restassured.RestAssured.given()
                .header("Prefer", "respond-async")
                .contentType("application/json")
                .body(Requests.mlpV2(uniqueBase(), 1))
                .post("/v2/models/mlp-tiny/infer");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.jsonPath().getString("error")).contains("async inference needs Redis");
        io.restassured.RestAssured.given()
                .contentType("application/json")
                .body(Requests.mlpV2(uniqueBase(), 1))
                .post("/v2/models/mlp-tiny/infer")
                .then()
                .statusCode(200);
    }
}
