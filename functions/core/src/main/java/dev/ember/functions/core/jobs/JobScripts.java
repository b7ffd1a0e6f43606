package dev.ember.functions.core.jobs;

/**
 * The job engine's Lua scripts: each state change of a job is one script, so it is atomic with the
 * stream operations that go with it (a job is never recorded without being queued, a result never
 * stored without its event, nor acknowledged before it is stored).
 */
final class JobScripts {
    private JobScripts() {}

    /*
     * KEYS: stream, backlog, idempotency key or '-', batch key or '-', then one record key per job.
     * ARGV: cap, ttl seconds, the id to answer, fields per job (F), the batch's fields (B pairs
     * count, then pairs), then per job: its id and F field/value pairs.
     * Returns {0, id} accepted, {1, id} an earlier submission with this idempotency key, {2, backlog}
     * over the cap (nothing written).
     */
    static final RedisScript SUBMIT = RedisScript.of("""
            local cap = tonumber(ARGV[1])
            local ttl = tonumber(ARGV[2])
            local id = ARGV[3]
            local nf = tonumber(ARGV[4])
            if KEYS[3] ~= '-' then
              local existing = redis.call('GET', KEYS[3])
              if existing then return {1, existing} end
            end
            local n = #KEYS - 4
            local backlog = tonumber(redis.call('GET', KEYS[2]) or '0')
            if backlog + n > cap then return {2, tostring(backlog)} end
            local a = 5
            local nb = tonumber(ARGV[a]); a = a + 1
            if KEYS[4] ~= '-' then
              local bf = {}
              for i = 1, nb * 2 do bf[i] = ARGV[a]; a = a + 1 end
              redis.call('HSET', KEYS[4], unpack(bf))
              redis.call('EXPIRE', KEYS[4], ttl)
            else
              a = a + nb * 2
            end
            for i = 1, n do
              local jobId = ARGV[a]; a = a + 1
              local fields = {}
              for f = 1, nf * 2 do fields[f] = ARGV[a]; a = a + 1 end
              redis.call('HSET', KEYS[4 + i], unpack(fields))
              redis.call('EXPIRE', KEYS[4 + i], ttl)
              redis.call('XADD', KEYS[1], '*', 'job', jobId)
            end
            redis.call('INCRBY', KEYS[2], n)
            if KEYS[3] ~= '-' then redis.call('SET', KEYS[3], id, 'EX', ttl) end
            return {0, id}
            """);

    static final String[] RECORD_FIELDS = {
        "status",
        "attempts",
        "class",
        "tenant",
        "model",
        "version",
        "request",
        "jlen",
        "sink",
        "submitted",
        "batch",
        "failures"
    };

    /*
     * A consumer takes a job. KEYS: record, stream, backlog. ARGV: stream entry id, group.
     * Returns {'missing'} (the record expired: the entry is acknowledged and uncounted), {status}
     * when it already finished (acknowledged: a re-delivery after a crash), else the record's
     * RECORD_FIELDS with status 'running' and attempts counted.
     */
    static final RedisScript START = RedisScript.of("""
            local st = redis.call('HGET', KEYS[1], 'status')
            if not st then
              redis.call('XACK', KEYS[2], ARGV[2], ARGV[1])
              redis.call('DECR', KEYS[3])
              return {'missing'}
            end
            if st == 'done' or st == 'failed' then
              redis.call('XACK', KEYS[2], ARGV[2], ARGV[1])
              return {st}
            end
            redis.call('HSET', KEYS[1], 'status', 'running')
            redis.call('HINCRBY', KEYS[1], 'attempts', 1)
            return redis.call('HMGET', KEYS[1], 'status', 'attempts', 'class', 'tenant', 'model', 'version',
              'request', 'jlen', 'sink', 'submitted', 'batch', 'failures')
            """);

    /*
     * A job's one result. KEYS: record, stream, backlog, finished counter, events, dead letters,
     * batch key or '-', the counter of finishes that came too late (a re-run after a crash). ARGV: 'done' or 'failed', the response (JSON) or the reason, now (ms), ttl
     * seconds, stream entry id or '-', group, event type, job id, the default sink ('' for none:
     * a job without a callback then has no event).
     * Only the first finish of a job writes (status, result, counters, dead letter, outbox event);
     * every call acknowledges the entry. Returns 1 for the first finish, 0 otherwise.
     */
    static final RedisScript FINISH = RedisScript.of("""
            local st = redis.call('HGET', KEYS[1], 'status')
            local first = 0
            if st and st ~= 'done' and st ~= 'failed' then
              first = 1
              local done = ARGV[1] == 'done'
              redis.call('HSET', KEYS[1], 'status', ARGV[1], done and 'result' or 'error', ARGV[2], 'finished', ARGV[3])
              if not done then redis.call('HDEL', KEYS[1], 'result') end
              redis.call('HDEL', KEYS[1], 'request')
              redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
              redis.call('DECR', KEYS[3])
              redis.call('INCR', KEYS[4])
              if KEYS[7] ~= '-' then redis.call('HINCRBY', KEYS[7], done and 'done' or 'failed', 1) end
              if not done then
                local attempts = redis.call('HGET', KEYS[1], 'attempts') or '0'
                local cls = redis.call('HGET', KEYS[1], 'class') or ''
                redis.call('XADD', KEYS[6], '*', 'job', ARGV[8], 'class', cls, 'attempts', attempts, 'reason', ARGV[2])
              end
              local sink = redis.call('HGET', KEYS[1], 'sink')
              if not sink or sink == '' then sink = ARGV[9] end
              if sink ~= '' then
                redis.call('XADD', KEYS[5], '*', 'job', ARGV[8], 'type', ARGV[7], 'sink', sink)
              end
            elseif st then
              redis.call('INCR', KEYS[8])
            end
            if ARGV[5] ~= '-' then redis.call('XACK', KEYS[2], ARGV[6], ARGV[5]) end
            return first
            """);

    /*
     * A driver that is its own queue (an SQS message: one job) takes a job by id, recording it first
     * when it has no record yet. KEYS: record, backlog. ARGV: ttl seconds, then the new record's
     * field/value pairs (none: take only). Returns {'missing'} (no record, none given), {status} when
     * it already finished (a redelivery: nothing to run), else the record's RECORD_FIELDS with status
     * 'running' and attempts counted. A new record counts in the backlog, as a queued job does.
     * (Defined after RECORD_FIELDS, whose fields it returns.)
     */
    static final RedisScript CLAIM = RedisScript.of("""
            local st = redis.call('HGET', KEYS[1], 'status')
            if st == 'done' or st == 'failed' then return {st} end
            if not st then
              if #ARGV < 3 then return {'missing'} end
              redis.call('HSET', KEYS[1], unpack(ARGV, 2))
              redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
              redis.call('INCR', KEYS[2])
            end
            redis.call('HSET', KEYS[1], 'status', 'running')
            redis.call('HINCRBY', KEYS[1], 'attempts', 1)
            return redis.call('HMGET', KEYS[1], %s)
            """.formatted(luaList(RECORD_FIELDS)));

    private static String luaList(String[] names) {
        return String.join(
                ", ", java.util.Arrays.stream(names).map(n -> "'" + n + "'").toList());
    }

    /* A failed run that will run again. KEYS: record. ARGV: the reason, '1' if the failure counts. */
    static final RedisScript REQUEUE = RedisScript.of("""
            local st = redis.call('HGET', KEYS[1], 'status')
            if st and st ~= 'done' and st ~= 'failed' then
              redis.call('HSET', KEYS[1], 'status', 'queued', 'last_error', ARGV[1])
              if ARGV[2] == '1' then redis.call('HINCRBY', KEYS[1], 'failures', 1) end
              return 1
            end
            return 0
            """);
}
