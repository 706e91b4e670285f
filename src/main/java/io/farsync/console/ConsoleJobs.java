package io.farsync.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, stops and schedules the console's jobs (a path of one registered node synced to a
 * path of another). The console never moves data itself: it asks the source node's API to push
 * (or, when only the destination runs jobs, the destination's to pull); that node logs in to
 * the other with its own identity key ({@link io.farsync.daemon.NodeJobs}).
 *
 * <p>Scheduling: each scheduled job has a next-run time in the console database.
 * {@link #runDue} starts every job whose time has come and sets the next time from now, so runs
 * missed while the console was down happen once, at the first check after it starts. The
 * console calls it every {@link Console#SCHEDULER_PERIOD}; tests call it after moving their clock.
 */
final class ConsoleJobs {
    private static final Logger log = LoggerFactory.getLogger(ConsoleJobs.class);
    static final String SCHEDULER = "(schedule)";

    private final ConsoleStore store;
    private final Clock clock;

    ConsoleJobs(ConsoleStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Asks a node to run {@code job} now; audited as {@code user}. Returns the node's answer
     * (its job: id, state, sessions) with the node's name and id added.
     */
    JsonNode start(ConsoleStore.Job job, String user) {
        try {
            return askToRun(job, user);
        } catch (RuntimeException e) {
            store.audit(user, "start job failed", job.name(), e.getMessage());
            throw e;
        }
    }

    private JsonNode askToRun(ConsoleStore.Job job, String user) {
        ConsoleStore.Node src = node(job.sourceNode(), job);
        ConsoleStore.Node dst = node(job.destNode(), job);
        JsonNode srcStatus = new NodeClient(src).get("/api/status");
        JsonNode dstStatus = new NodeClient(dst).get("/api/status");
        JsonNode options = options(job);
        boolean bidi = options.path("bidi").asBoolean(false);
        boolean push = srcStatus.path("runs_jobs").asBoolean(false);
        if (!push && (bidi || !dstStatus.path("runs_jobs").asBoolean(false))) {
            throw new IllegalStateException("neither " + src.name() + (bidi ? "" : " nor " + dst.name())
                    + " runs jobs: start " + (bidi ? "it" : "one of them") + " with farsync server --run-jobs");
        }
        ConsoleStore.Node runner = push ? src : dst;
        ConsoleStore.Node peer = push ? dst : src;
        JsonNode peerStatus = push ? dstStatus : srcStatus;
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("peer_host", URI.create(peer.url()).getHost());
        body.put("peer_port", peerStatus.path("ssh_port").asInt());
        body.put("local_path", push ? job.sourcePath() : job.destPath());
        body.put("remote_path", push ? job.destPath() : job.sourcePath());
        body.put("direction", bidi ? "bidi" : push ? "push" : "pull");
        body.put("rate_bps", Math.round(options.path("rate_mbps").asDouble(1000) * 1_000_000));
        body.put("policy", options.path("policy").asText("fair"));
        body.put("delete", options.path("delete").asBoolean(true));
        body.put("conflict", options.path("conflict").asText("keep-both"));
        body.put("continuous", options.path("continuous").asBoolean(false));
        body.put("every_seconds", options.path("every_seconds").asLong(60));
        body.put("requested_by", user);
        body.put("console_job", job.name());
        ObjectNode started = (ObjectNode) new NodeClient(runner).post("/api/jobs", body);
        store.jobStarted(job.id(), runner.id(), started.path("id").asLong());
        store.audit(user, "start job", job.name(), "on node " + runner.name() + " (its job " + started.path("id").asLong() + ")");
        started.put("node", runner.name());
        started.put("nodeId", runner.id());
        return started;
    }

    /** Stops the job's latest run on the node running it; audited as {@code user}. */
    JsonNode stop(ConsoleStore.Job job, String user) {
        if (job.runNode() == null || job.runJob() == null) {
            throw new IllegalStateException("job " + job.name() + " has not been started");
        }
        ConsoleStore.Node runner = node(job.runNode(), job);
        JsonNode stopped = new NodeClient(runner).post("/api/jobs/" + job.runJob() + "/stop",
                Map.of("reason", "stopped by " + user + " from the console"));
        store.audit(user, "stop job", job.name(), "on node " + runner.name());
        return stopped;
    }

    /** Sets ({@code text} non-blank) or clears the schedule; audited as {@code user}. */
    void schedule(ConsoleStore.Job job, String text, String user) {
        if (text == null || text.isBlank()) {
            store.setSchedule(job.id(), null, null);
            store.audit(user, "unschedule job", job.name(), null);
            return;
        }
        Schedule s = Schedule.parse(text);
        Instant next = s.next(clock.instant());
        store.setSchedule(job.id(), s.text(), next);
        store.audit(user, "schedule job", job.name(), s.text() + ", next " + next);
    }

    /** Starts every job that is due; returns their names. A job that cannot start is logged (and audited by start), and tried at its next time. */
    synchronized List<String> runDue() {
        Instant now = clock.instant();
        List<String> started = new ArrayList<>();
        for (ConsoleStore.Job job : store.dueJobs(now)) {
            // the next time first: a run that fails (or is slow) must not make the job due again at once
            store.setSchedule(job.id(), job.schedule(), Schedule.parse(job.schedule()).next(now));
            try {
                start(job, SCHEDULER);
                started.add(job.name());
            } catch (RuntimeException e) {
                log.warn("scheduled job {} did not start: {}", job.name(), e.getMessage());
            }
        }
        return started;
    }

    /** The node's view of the job's latest run (state, sessions, lastStatus), or null when there is none or the node does not answer. */
    JsonNode lastRun(ConsoleStore.Job job) {
        if (job.runNode() == null || job.runJob() == null) {
            return null;
        }
        try {
            ConsoleStore.Node runner = node(job.runNode(), job);
            ObjectNode run = (ObjectNode) new NodeClient(runner).get("/api/jobs/" + job.runJob());
            run.put("node", runner.name());
            run.put("nodeId", runner.id());
            return run;
        } catch (RuntimeException e) {
            return Json.MAPPER.createObjectNode().put("error", e.getMessage());
        }
    }

    static JsonNode options(ConsoleStore.Job job) {
        try {
            return Json.MAPPER.readTree(job.options());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("job " + job.name() + " has unreadable options: " + e.getMessage(), e);
        }
    }

    private ConsoleStore.Node node(long id, ConsoleStore.Job job) {
        return store.node(id).orElseThrow(() -> new IllegalStateException("job " + job.name() + " names node " + id
                + ", which is no longer registered"));
    }
}
