package dev.ember.functions.core.jobs;

import java.util.List;

/**
 * A batch's progress and one page of its jobs ({@code GET /jobs/{id}?offset=&limit=}): how many of
 * its {@code total} requests are done or failed, and the jobs {@code offset} to {@code offset +
 * jobs.size() - 1}, in submission order.
 */
public record BatchView(String id, String tenant, long total, long done, long failed, int offset, List<JobView> jobs) {
    public boolean finished() {
        return done + failed >= total;
    }
}
