package io.farsync.sync.nway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.farsync.sync.ConflictPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * An n-way job: three or more (at least two) endpoints kept in sync by pairwise bidirectional
 * syncs, in a hub-and-spoke or a mesh layout. Read from a JSON file (see README "N-way sync"):
 *
 * <pre>{@code
 * {"topology": "hub", "hub": "hq", "conflict": "keep-both",
 *  "rate": "200M", "policy": "fair", "share": "split",
 *  "endpoints": [{"name": "hq", "path": "/srv/data"},
 *                {"name": "lon", "path": "sync@lon.example.com:/data", "rate": "50M"},
 *                {"name": "nyc", "path": "nyc.example.com:/data", "policy": "high"}]}
 * }</pre>
 *
 * Rates and policies stay text here (the CLI parses them), so this package needs nothing of the
 * front ends. Immutable.
 *
 * @param topology  hub or mesh
 * @param hub       the hub's endpoint name (hub topology only; null for mesh)
 * @param conflicts how concurrent changes are settled at every pair
 * @param rate      the target rate of each session, or with {@code share: split} the hub's total
 *                  shared by the spokes it serves at once; null for the CLI's default
 * @param policy    rate policy of each session unless its endpoint names one; null for default
 * @param share     how the hub's sessions to its spokes share {@code rate}
 * @param endpoints in file order, names unique
 */
public record NwayJob(Topology topology, String hub, ConflictPolicy conflicts, String rate, String policy, Share share,
        List<Endpoint> endpoints) {

    public enum Topology { HUB, MESH }

    /** How concurrent sessions from the hub share its rate. */
    public enum Share {
        /** Each of the n sessions gets rate / n as its target. */
        SPLIT,
        /** Each session gets the whole rate as target, and the delay-based policy shares the bottleneck. */
        POLICY
    }

    /**
     * One replica.
     *
     * @param name   unique in the job, letters, digits, '.', '_', '-'; names conflict copies made there
     * @param path   a local path or {@code [user@]host:path} as for {@code farsync sync}
     * @param rate   this link's target rate (text), overriding the job's; null if none
     * @param policy this link's rate policy, overriding the job's; null if none
     * @param port   the server port of a remote endpoint; null for the CLI's default
     * @param local  the endpoint's path on its own node, for a mesh job run on every node with
     *               {@code --self}; null if {@code path} is local there
     */
    public record Endpoint(String name, String path, String rate, String policy, Integer port, String local) {
        public Endpoint {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(path, "path");
        }
    }

    public NwayJob {
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(conflicts, "conflicts");
        Objects.requireNonNull(share, "share");
        endpoints = List.copyOf(endpoints);
    }

    public Endpoint endpoint(String name) {
        for (Endpoint e : endpoints) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("no endpoint named '" + name + "' in the job (endpoints: " + names() + ")");
    }

    private List<String> names() {
        return endpoints.stream().map(Endpoint::name).toList();
    }

    /** Reads and checks a job file; throws IllegalArgumentException naming the file and the problem. */
    public static NwayJob read(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage());
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    static NwayJob parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the job must be a JSON object");
        }
        checkKeys(root, "job", Set.of("topology", "hub", "conflict", "rate", "policy", "share", "endpoints"));
        String topo = text(root, "topology", "mesh");
        Topology topology = switch (topo.toLowerCase(Locale.ROOT)) {
            case "hub", "hub-and-spoke" -> Topology.HUB;
            case "mesh" -> Topology.MESH;
            default -> throw new IllegalArgumentException("unknown topology '" + topo + "': expected hub or mesh");
        };
        String shareText = text(root, "share", "split");
        Share share = switch (shareText.toLowerCase(Locale.ROOT)) {
            case "split" -> Share.SPLIT;
            case "policy" -> Share.POLICY;
            default -> throw new IllegalArgumentException("unknown share '" + shareText + "': expected split or policy");
        };
        ConflictPolicy conflicts = ConflictPolicy.parse(text(root, "conflict", ConflictPolicy.KEEP_BOTH.label()));
        JsonNode list = root.get("endpoints");
        if (list == null || !list.isArray() || list.size() < 2) {
            throw new IllegalArgumentException("'endpoints' must list at least two endpoints");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode n : list) {
            if (!n.isObject()) {
                throw new IllegalArgumentException("each endpoint must be an object with name and path");
            }
            checkKeys(n, "endpoint", Set.of("name", "path", "rate", "policy", "port", "local"));
            String name = text(n, "name", null);
            String path = text(n, "path", null);
            if (name == null || path == null) {
                throw new IllegalArgumentException("each endpoint needs a name and a path");
            }
            if (!name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("endpoint name '" + name + "' may hold only letters, digits, '.', '_' and '-'");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException("two endpoints are named '" + name + "'");
            }
            Integer port = n.has("port") ? n.get("port").asInt() : null;
            if (port != null && (port < 1 || port > 65535)) {
                throw new IllegalArgumentException("endpoint '" + name + "': port " + port + " is not in 1..65535");
            }
            endpoints.add(new Endpoint(name, path, text(n, "rate", null), text(n, "policy", null), port, text(n, "local", null)));
        }
        String hub = text(root, "hub", null);
        NwayJob job = new NwayJob(topology, hub, conflicts, text(root, "rate", null), text(root, "policy", null), share, endpoints);
        if (topology == Topology.HUB) {
            if (hub == null) {
                throw new IllegalArgumentException("a hub topology needs 'hub': the name of one endpoint");
            }
            job.endpoint(hub);
        } else if (hub != null) {
            throw new IllegalArgumentException("'hub' is only for topology hub");
        }
        return job;
    }

    private static void checkKeys(JsonNode n, String what, Set<String> known) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!known.contains(k)) {
                throw new IllegalArgumentException("unknown " + what + " field '" + k + "' (known: " + new java.util.TreeSet<>(known) + ")");
            }
        }
    }

    private static String text(JsonNode n, String key, String dflt) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual() && !v.isNumber()) {
            throw new IllegalArgumentException("'" + key + "' must be a string");
        }
        return v.asText();
    }
}
