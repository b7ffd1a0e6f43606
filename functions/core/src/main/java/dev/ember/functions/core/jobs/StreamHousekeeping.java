package dev.ember.functions.core.jobs;

import io.lettuce.core.XTrimArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.models.stream.PendingMessages;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Once a second, per class: the stream's length, its pending entries and the backlog into the
 * metrics, the finished counter into the class's {@link DrainMeter} (Retry-After at the cap); every
 * fifth second, each stream trimmed below what all its groups acknowledged ({@link TrimPoint}).
 */
final class StreamHousekeeping {
    private static final System.Logger LOG = System.getLogger(StreamHousekeeping.class.getName());

    private final JobStore store;
    private final JobMetrics metrics;
    private final Map<JobClass, DrainMeter> drain = new EnumMap<>(JobClass.class);
    private int ticks;

    StreamHousekeeping(JobStore store, JobMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
        for (JobClass c : JobClass.values()) {
            drain.put(c, new DrainMeter());
        }
    }

    double drainPerSecond(JobClass c) {
        return drain.get(c).perSecond();
    }

    void tick() {
        try {
            RedisAsyncCommands<String, byte[]> redis = store.redis();
            for (JobClass c : JobClass.values()) {
                String stream = store.keys().stream(c);
                long length = redis.xlen(stream).get(2, TimeUnit.SECONDS);
                PendingMessages pending = redis.xpending(stream, JobKeys.GROUP).get(2, TimeUnit.SECONDS);
                long[] counters = store.counters(c).get(2, TimeUnit.SECONDS);
                metrics.sampled(c, length, pending.getCount(), counters[0]);
                drain.get(c).observe(counters[1], System.nanoTime());
            }
            if (ticks++ % 5 == 0) {
                for (JobClass c : JobClass.values()) {
                    trim(redis, store.keys().stream(c));
                }
                trim(redis, store.keys().events());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the engine is closing
        } catch (Exception e) {
            // Redis away (or the groups not made yet): metrics keep their last values
            store.link().reportFailure(e);
        }
    }

    /** Trims {@code stream} below the first entry any group still needs; returns how many went. */
    long trim(RedisAsyncCommands<String, byte[]> redis, String stream) throws Exception {
        List<TrimPoint.Group> groups = new ArrayList<>();
        for (Object g : redis.xinfoGroups(stream).get(2, TimeUnit.SECONDS)) {
            Map<String, Object> info = pairs(g);
            String name = JobStore.text(info.get("name"));
            StreamId last = StreamId.parse(JobStore.text(info.get("last-delivered-id")));
            PendingMessages p = redis.xpending(stream, name).get(2, TimeUnit.SECONDS);
            Optional<StreamId> lowest = p.getCount() == 0
                    ? Optional.empty()
                    : Optional.of(StreamId.parse(p.getMessageIds().getLower().getValue()));
            groups.add(new TrimPoint.Group(name, last, lowest));
        }
        Optional<StreamId> point = TrimPoint.of(groups);
        if (point.isEmpty()) {
            return 0;
        }
        long trimmed = redis.xtrim(stream, XTrimArgs.Builder.minId(point.get().toString()))
                .get(2, TimeUnit.SECONDS);
        if (trimmed > 0) {
            LOG.log(System.Logger.Level.DEBUG, "trimmed {0} acknowledged entries of {1}", trimmed, stream);
        }
        return trimmed;
    }

    private static Map<String, Object> pairs(Object group) {
        Map<String, Object> out = new java.util.HashMap<>();
        if (group instanceof List<?> l) {
            for (int i = 0; i + 1 < l.size(); i += 2) {
                out.put(JobStore.text(l.get(i)), l.get(i + 1));
            }
        }
        return out;
    }
}
