package dev.ember.knative.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.knative.Fixtures;
import dev.ember.knative.cli.DeployMain;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** What a user is told when there is no cluster, no Knative, or no permission (mock server in expectation mode). */
@EnableKubernetesMockClient
class ClusterErrorsTest {
    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void withoutKnativesCrdsTheListIsA404ExplainedAsKnativeMissing() {
        server.expect()
                .get()
                .withPath("/apis/serving.knative.dev/v1/namespaces/inference/services?labelSelector="
                        + "app.kubernetes.io%2Fmanaged-by%3Dember-deploy")
                .andReturn(
                        404,
                        new StatusBuilder()
                                .withCode(404)
                                .withMessage("the server could not find the requested resource")
                                .build())
                .always();
        Cluster cluster = new Cluster(client, "inference");
        assertThatThrownBy(cluster::services)
                .isInstanceOf(DeployException.class)
                .hasMessageContaining("Knative is not installed")
                .hasMessageContaining("serving.knative.dev/v1 Services");
    }

    @Test
    void forbiddenNamesTheNamespaceAndTheVerb() {
        server.expect()
                .get()
                .withPath("/apis/serving.knative.dev/v1/namespaces/inference/services?labelSelector="
                        + "app.kubernetes.io%2Fmanaged-by%3Dember-deploy")
                .andReturn(
                        403,
                        new StatusBuilder()
                                .withCode(403)
                                .withMessage("services.serving.knative.dev is forbidden: User \"dev\" cannot list")
                                .build())
                .always();
        assertThatThrownBy(new Cluster(client, "inference")::services)
                .hasMessageContaining("forbidden")
                .hasMessageContaining("namespace 'inference'")
                .hasMessageContaining("list knative services");
    }

    @Test
    void noClusterSaysSoAndApplyDryRunStillPrintsTheServices() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl("http://127.0.0.1:" + closed)
                .withRequestRetryBackoffLimit(0)
                .withConnectionTimeout(2000)
                .build();
        try (KubernetesClient nowhere =
                new KubernetesClientBuilder().withConfig(config).build()) {
            assertThatThrownBy(new Cluster(nowhere, "inference")::services)
                    .hasMessageContaining("no Kubernetes cluster answers at http://127.0.0.1:" + closed)
                    .hasMessageContaining("--dry-run");
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = DeployMain.execute(
                new String[] {
                    "apply",
                    "--dry-run",
                    "--models",
                    Fixtures.resource("repo").toString(),
                    "--config",
                    Fixtures.resource("deploy.yaml").toString(),
                    "--context",
                    "no-such-context"
                },
                new PrintWriter(out),
                new PrintWriter(err));
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("dry run: everything below would be created in namespace 'inference' (3 Knative Services)")
                .contains("name: \"ember-pool-det\"", "name: \"ember-pool-vad\"", "name: \"ember-functions\"");
    }
}
