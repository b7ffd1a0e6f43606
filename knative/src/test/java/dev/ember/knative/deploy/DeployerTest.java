package dev.ember.knative.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.knative.Fixtures;
import dev.ember.knative.render.Labels;
import dev.ember.knative.render.Manifests;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.ServiceStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The deploy verbs against fabric8's Kubernetes mock server in CRUD mode: a real HTTP API that
 * stores what it is sent (there is no Knative controller, so no revision ever becomes ready by
 * itself: tests set the status a controller would). No real cluster is reachable here.
 */
@EnableKubernetesMockClient(crud = true)
class DeployerTest {
    static final String NS = "inference";

    KubernetesClient client;
    Cluster cluster;
    Manifests manifests;

    @BeforeEach
    void setUp() {
        cluster = new Cluster(client, NS);
        manifests = Fixtures.manifests(NS);
    }

    @Test
    void applyCreatesEverythingAndApplyingTwiceChangesNothingNotEvenTheResourceVersion() {
        ApplyReport first = new Applier(cluster).apply(manifests, false);
        assertThat(first.count(ApplyReport.Action.CREATED)).isEqualTo(7);
        Service det = cluster.service("ember-pool-det").get();
        String version = det.getMetadata().getResourceVersion();
        Long generation = det.getMetadata().getGeneration();

        ApplyReport second = new Applier(cluster).apply(manifests, false);
        assertThat(second.count(ApplyReport.Action.UNCHANGED)).isEqualTo(7);
        Service again = cluster.service("ember-pool-det").get();
        assertThat(again.getMetadata().getResourceVersion()).isEqualTo(version);
        assertThat(again.getMetadata().getGeneration()).isEqualTo(generation);
    }

    @Test
    void aChangedConfigUpdatesOnlyWhatChangedAndDryRunWritesNothing() {
        new Applier(cluster).apply(manifests, false);
        var changed = Manifests.render(
                Fixtures.pools(),
                Fixtures.deployment().withNamespace(NS).withWorkerImage("registry.example.com/ember/worker:1.2.4"),
                NS);
        ApplyReport dry = new Applier(cluster).apply(changed, true);
        assertThat(dry.changes())
                .filteredOn(c -> c.action() == ApplyReport.Action.UPDATED)
                .extracting(ApplyReport.Change::name)
                .containsExactly("ember-pool-vad"); // det runs the GPU image
        assertThat(image("ember-pool-vad")).endsWith(":1.2.3");

        new Applier(cluster).apply(changed, false);
        assertThat(image("ember-pool-vad")).endsWith(":1.2.4");
        assertThat(new Applier(cluster).apply(changed, false).count(ApplyReport.Action.UNCHANGED))
                .isEqualTo(7);
    }

    @Test
    void prewarmPatchesMinScaleAndApplyLeavesALiveFloorAlone() {
        new Applier(cluster).apply(manifests, false);
        Scaler scaler = new Scaler(cluster);
        Instant now = Instant.parse("2026-12-01T08:00:00Z");

        Scaler.Change dry = scaler.prewarm("det", 4, Optional.empty(), now, true);
        assertThat(dry.applied()).isFalse();
        assertThat(minScale("ember-pool-det")).isEqualTo(1);

        Scaler.Change change = scaler.prewarm("det", 4, Optional.of(Duration.ofMinutes(30)), now, false);
        assertThat(change).isEqualTo(new Scaler.Change("ember-pool-det", 1, 4, true));
        Service det = cluster.service("ember-pool-det").get();
        assertThat(minScale("ember-pool-det")).isEqualTo(4);
        assertThat(Scaler.heldFloor(det, now.plusSeconds(60))).contains(4);
        assertThat(Scaler.heldFloor(det, now.plus(Duration.ofMinutes(31)))).isEmpty();

        assertThat(new Applier(cluster).apply(manifests, false).count(ApplyReport.Action.UNCHANGED))
                .isEqualTo(7);
        assertThat(minScale("ember-pool-det")).isEqualTo(4);

        assertThatThrownBy(() -> scaler.prewarm("det", 7, Optional.empty(), now, false))
                .hasMessageContaining("max-scale 6");
        assertThatThrownBy(() -> scaler.prewarm("nope", 1, Optional.empty(), now, false))
                .hasMessageContaining("no pool Service ember-pool-nope");

        assertThat(scaler.scaleToZero(false)).extracting(Scaler.Change::to).containsOnly(0);
        assertThat(minScale("ember-pool-det")).isZero();
        assertThat(cluster.service("ember-pool-det").get().getMetadata().getAnnotations())
                .doesNotContainKey(Labels.PREWARM_UNTIL);
    }

    @Test
    void rolloutSplitsTrafficBetweenTheStableAndTheNewRevisionAndRollbackRestoresIt() {
        new Applier(cluster).apply(manifests, false);
        Rollouts rollouts = new Rollouts(cluster);
        assertThatThrownBy(() -> rollouts.rollout("det", 2, 10, false)).hasMessageContaining("no ready revision");
        readyRevision("ember-pool-det", "ember-pool-det-00001");

        Rollouts.Result dry = rollouts.rollout("det", 2, 10, true);
        assertThat(dry.toString()).contains("ember-pool-det-00001=90%", "ember-pool-det-v2=10%");
        assertThat(cluster.service("ember-pool-det").get().getSpec().getTraffic())
                .isNullOrEmpty();

        rollouts.rollout("det", 2, 10, false);
        Service det = cluster.service("ember-pool-det").get();
        assertThat(det.getSpec().getTemplate().getMetadata().getName()).isEqualTo("ember-pool-det-v2");
        assertThat(det.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                .containsSequence("--up-to", "2");
        assertThat(det.getSpec().getTraffic())
                .extracting(t -> t.getRevisionName() + "=" + t.getPercent() + ":" + t.getTag())
                .containsExactly("ember-pool-det-00001=90:stable", "ember-pool-det-v2=10:candidate");

        // Mid-rollout a floor change would roll a revision that takes no traffic: refused.
        assertThatThrownBy(() -> new Scaler(cluster).prewarm("det", 3, Optional.empty(), Instant.now(), false))
                .hasMessageContaining("mid-rollout");
        // apply keeps the split.
        new Applier(cluster).apply(manifests, false);
        assertThat(cluster.service("ember-pool-det").get().getSpec().getTraffic())
                .hasSize(2);

        rollouts.rollout("det", 2, 50, false);
        assertThat(cluster.service("ember-pool-det").get().getSpec().getTraffic())
                .extracting(t -> t.getRevisionName() + "=" + t.getPercent())
                .containsExactly("ember-pool-det-00001=50", "ember-pool-det-v2=50");

        rollouts.rollback("det", false);
        assertThat(cluster.service("ember-pool-det").get().getSpec().getTraffic())
                .extracting(t -> t.getRevisionName() + "=" + t.getPercent())
                .containsExactly("ember-pool-det-00001=100");
        assertThatThrownBy(() -> rollouts.rollback("det", false)).hasMessageContaining("no rollout to roll back");
    }

    @Test
    void promotingSendsAllTrafficToTheLatestRevisionAndFloorsMoveAgain() {
        new Applier(cluster).apply(manifests, false);
        readyRevision("ember-pool-det", "ember-pool-det-00001");
        Rollouts rollouts = new Rollouts(cluster);
        rollouts.rollout("det", 2, 20, false);
        rollouts.rollout("det", 2, 100, false);
        Service det = cluster.service("ember-pool-det").get();
        assertThat(det.getSpec().getTraffic()).singleElement().satisfies(t -> {
            assertThat(t.getLatestRevision()).isTrue();
            assertThat(t.getPercent()).isEqualTo(100L);
        });
        assertThat(new Scaler(cluster)
                        .prewarm("det", 2, Optional.empty(), Instant.now(), false)
                        .applied())
                .isTrue();
    }

    @Test
    void statusShowsEachServiceAndDeleteRemovesEverythingEmberMade() {
        new Applier(cluster).apply(manifests, false);
        readyRevision("ember-pool-det", "ember-pool-det-00001");
        var status = new Inspector(cluster).status();
        assertThat(status)
                .extracting(Inspector.ServiceStatus::name)
                .containsExactlyInAnyOrder("ember-pool-det", "ember-pool-vad", "ember-functions");
        assertThat(status)
                .filteredOn(s -> s.name().equals("ember-pool-det"))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.ready()).isEqualTo("True");
                    assertThat(s.minScale()).isEqualTo(1);
                    assertThat(s.url()).isEqualTo("http://ember-pool-det.inference.example.com");
                    assertThat(s.toString()).contains("revision=ember-pool-det-00001");
                });

        assertThat(new Inspector(cluster).delete(true)).hasSize(7);
        assertThat(cluster.services()).hasSize(3);
        assertThat(new Inspector(cluster).delete(false)).hasSize(7);
        assertThat(cluster.services()).isEmpty();
        assertThat(client.configMaps().inNamespace(NS).withName("ember-config").get())
                .isNull();
    }

    private void readyRevision(String service, String revision) {
        Service s = cluster.service(service).get();
        s.setStatus(new ServiceStatusBuilder()
                .withLatestReadyRevisionName(revision)
                .withLatestCreatedRevisionName(revision)
                .withUrl("http://" + service + "." + NS + ".example.com")
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .build());
        cluster.service(service).updateStatus(s);
    }

    private int minScale(String service) {
        return Scaler.intAnnotation(cluster.service(service).get(), Labels.MIN_SCALE, -1);
    }

    private String image(String service) {
        return cluster.service(service)
                .get()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getImage();
    }
}
