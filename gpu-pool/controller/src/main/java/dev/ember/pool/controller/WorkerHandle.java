package dev.ember.pool.controller;

import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.worker.WorkerProcess;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One worker process serving one model, as the pool sees it: where to send requests, how many it
 * holds now, and whether it takes new ones.
 */
final class WorkerHandle {
    enum State {
        /** Takes requests. */
        READY,
        /** Finishing what it holds before it is stopped; takes nothing new. */
        DRAINING,
        /** Exited or stopped. */
        GONE
    }

    final String model;
    final WorkerProcess process;
    final HttpPoolClient client;
    final Instant readySince;
    final AtomicInteger outstanding = new AtomicInteger();
    final AtomicBoolean lost = new AtomicBoolean();
    volatile State state = State.READY;

    WorkerHandle(String model, WorkerProcess process, HttpPoolClient client, Instant readySince) {
        this.model = model;
        this.process = process;
        this.client = client;
        this.readySince = readySince;
    }

    boolean ready() {
        return state == State.READY && process.isAlive();
    }

    @Override
    public String toString() {
        return "worker " + process.pid() + " (" + model + ", " + state + ", " + outstanding.get() + " in flight)";
    }
}
