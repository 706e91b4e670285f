package io.farsync.cli;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.console.ApiToken;
import io.farsync.console.NodeApi;
import io.farsync.history.HistoryStore;
import io.farsync.daemon.NodeJobs;
import io.farsync.daemon.SyncJobHandler;
import io.farsync.session.AuthorizedKeys;
import io.farsync.session.FarsyncServer;
import io.farsync.session.KeyFiles;
import io.farsync.transport.TransportConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "server", description = "Run the endpoint daemon: SSH on TCP for control, the data transport on UDP, same port.")
final class ServerCommand implements Callable<Integer> {
    private final Main.Context context;

    @Option(names = "--listen", paramLabel = "ADDR", defaultValue = "0.0.0.0",
            description = "address to listen on, ADDR or ADDR:PORT (default: ${DEFAULT-VALUE})")
    String listen;

    @Option(names = {"-P", "--port"}, defaultValue = "33001", description = "TCP and UDP port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--root", required = true, paramLabel = "DIR", description = "every remote path resolves inside this directory")
    Path root;

    @Option(names = "--authorized-keys", required = true, paramLabel = "FILE", description = "public keys allowed to log in (OpenSSH authorized_keys format)")
    Path authorizedKeys;

    @Option(names = "--host-key", paramLabel = "FILE", description = "the server's private host key, created on first start (default: ~/.farsync/ssh_host_ed25519_key)")
    Path hostKey;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "where session snapshot databases live (default: ~/.farsync/server)")
    Path stateDir;

    @Option(names = "--http", paramLabel = "ADDR:PORT", description = "serve the node's HTTP API (status, sessions, history, "
            + "/metrics) here; off by default, needs --api-token-file")
    String http;

    @Option(names = "--api-token-file", paramLabel = "FILE", description = "the bearer token HTTP API clients must send (first line)")
    Path apiTokenFile;

    @Option(names = "--node-name", paramLabel = "NAME", description = "the name the HTTP API reports (default: the host name)")
    String nodeName;

    @Option(names = "--run-jobs", description = "with --http: let API clients (the console) start syncs between this node and other"
            + " nodes, run by this node with its identity key (~/.farsync/id_ed25519) and known_hosts; off by default")
    boolean runJobs;

    @picocli.CommandLine.Mixin
    LogFormat logFormat = new LogFormat();

    /** Every session and entry is recorded here, in the state directory. */
    HistoryStore history;
    NodeApi api;
    NodeJobs jobs;

    ServerCommand(Main.Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws InterruptedException {
        logFormat.apply();
        if (System.getenv("FARSYNC_LOG_LEVEL") == null) {
            // a daemon's log is its history: sessions and failures at INFO unless told otherwise
            ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.farsync"))
                    .setLevel(ch.qos.logback.classic.Level.INFO);
        }
        FarsyncServer server = start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            // the API first: a job it started after jobs.close() would be neither stopped nor waited for
            if (api != null) {
                api.close();
            }
            if (jobs != null) {
                jobs.close();
            }
            history.close();
            stopped.countDown();
        }, "farsync-server-shutdown"));
        stopped.await();
        return ExitCode.OK.code();
    }

    FarsyncServer start() {
        InetSocketAddress address = parseListen();
        if (!Files.isDirectory(root)) {
            throw new FarsyncException(ExitCode.USAGE, "root is not a directory: " + root);
        }
        if (!Files.isReadable(authorizedKeys)) {
            throw new FarsyncException(ExitCode.USAGE, "authorized keys file not readable: " + authorizedKeys);
        }
        Path keyFile = hostKey != null ? hostKey : context.home().hostKey();
        KeyPair key = KeyFiles.loadOrCreateHostKey(keyFile);
        Path state = stateDir != null ? stateDir : context.home().dir().resolve("server");
        ApiToken token = null;
        if (runJobs && http == null) {
            throw new FarsyncException(ExitCode.USAGE, "--run-jobs needs --http: jobs are started through the HTTP API");
        }
        if (http != null) {
            if (apiTokenFile == null) {
                throw new FarsyncException(ExitCode.USAGE, "--http needs --api-token-file: the HTTP API is never served without a token");
            }
            token = ApiToken.read(apiTokenFile);
        }
        history = HistoryStore.open(state.resolve("history.db"));
        FarsyncServer server;
        try {
            server = FarsyncServer.start(FarsyncServer.Settings.of(address, key, new AuthorizedKeys(authorizedKeys),
                    new SyncJobHandler(root.toAbsolutePath().normalize(), state, history), TransportConfig.defaults()));
            if (http != null) {
                InetSocketAddress httpAddress = parseAddress(http, 0, "--http");
                if (runJobs) {
                    jobs = new NodeJobs(root.toAbsolutePath().normalize(), history, NodeJobSyncs.of(context.home(), context.home().identity()));
                }
                api = NodeApi.start(new NodeApi.Settings(httpAddress, token, nodeName != null ? nodeName : hostName(),
                        new Main.Version().getVersion()[0], history, Clock.systemUTC()).withJobs(server.port(), jobs));
                context.out().println("farsync HTTP API on http://" + httpAddress.getHostString() + ":" + api.port());
            }
        } catch (RuntimeException e) {
            history.close();
            throw e;
        }
        context.out().println("farsync server listening on " + address.getHostString() + ":" + server.port()
                + " (ssh tcp, data udp " + server.udpPort() + "), root " + root.toAbsolutePath().normalize()
                + ", host key " + KeyFiles.fingerprint(key.getPublic()));
        context.out().flush();
        return server;
    }

    private InetSocketAddress parseListen() {
        return parseAddress(listen, port, "--listen");
    }

    /** ADDR or ADDR:PORT (IPv4 or a name; a bare IPv6 address takes the default port). */
    static InetSocketAddress parseAddress(String value, int defaultPort, String option) {
        String host = value;
        int p = defaultPort;
        int colon = value.lastIndexOf(':');
        if (colon > 0 && value.indexOf(':') == colon) {
            host = value.substring(0, colon);
            try {
                p = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new FarsyncException(ExitCode.USAGE, "bad port in " + option + " " + value);
            }
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p);
        } catch (UnknownHostException e) {
            throw new FarsyncException(ExitCode.USAGE, "cannot resolve " + option + " address " + host);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
