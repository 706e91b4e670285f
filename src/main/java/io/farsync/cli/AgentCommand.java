package io.farsync.cli;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code farsync agent start|stop|status|run}: the resident JVM that runs syncs for the command ({@link Agent}). */
@Command(name = "agent", description = "Keep a resident farsync process that runs 'farsync sync' commands: a command then starts"
        + " in ~0.15 s and reuses the SSH connections of earlier runs (as the Gradle daemon, or OpenSSH's"
        + " ControlPersist). FARSYNC_AGENT=off runs a command without it.")
final class AgentCommand implements Runnable {
    /** {@code farsync agent status} when none runs, as a script can test. */
    private static final int NOT_RUNNING = 1;
    /** How long {@code start} waits for the new agent to listen. */
    private static final Duration START_WAIT = Duration.ofSeconds(60);
    /** JVM options of the starting command that must not be the agent's too (a debugger's port, a recording). */
    private static final List<String> NOT_INHERITED = List.of("-agentlib:", "-agentpath:", "-javaagent:", "-Xrunjdwp",
            "-Xdebug", "-XX:StartFlightRecording", "-XX:FlightRecorderOptions");

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private final Main.Context context;

    AgentCommand(Main.Context context) {
        this.context = context;
    }

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: start, stop, status or run");
    }

    private Path socket() {
        return AgentProtocol.socket(context.home().dir());
    }

    @Command(name = "start", description = "start the agent in the background (nothing if one runs); its log is agent.log in the farsync home")
    int start(@Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "1h",
            description = "stop after this long without commands: 90s, 30m, 2h (default: ${DEFAULT-VALUE})") String idle) {
        Duration timeout = duration(idle);
        String running = AgentClient.ask(socket(), AgentProtocol.STATUS);
        if (running != null) {
            context.out().println(running);
            return ExitCode.OK.code();
        }
        Path log = AgentProtocol.log(context.home().dir());
        List<String> command = new ArrayList<>();
        // a session of its own: the terminal's hangup and Ctrl-C are not the agent's
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid");
        }
        command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> NOT_INHERITED.stream().noneMatch(a::startsWith)).forEach(command::add);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "agent", "run", "--idle-timeout", idle, "--ready-line"));
        try {
            Files.createDirectories(context.home().dir());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(context.home().dir().toFile())   // not the starter's: the agent would keep it busy
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().clear();
            builder.environment().putAll(context.env());
            builder.environment().put("FARSYNC_HOME", context.home().dir().toAbsolutePath().toString());
            Process agent = builder.start();
            if (!readyWithin(agent, START_WAIT)) {
                agent.destroy();
                String other = statusWithin(Duration.ofSeconds(3));
                if (other != null) {
                    // another start won the race: an agent runs, as asked
                    context.out().println(other);
                    return ExitCode.OK.code();
                }
                throw new FarsyncException(ExitCode.INTERNAL, "the agent did not start; its log: " + log);
            }
            context.out().println("farsync: agent started (pid " + agent.pid() + ", socket " + socket() + ", log " + log
                    + "); 'farsync sync' runs through it until 'farsync agent stop' or " + timeout.toSeconds() + " s without commands");
            return ExitCode.OK.code();
        } catch (IOException e) {
            throw new FarsyncException(ExitCode.INTERNAL, "cannot start the agent: " + e.getMessage(), e);
        }
    }

    /** The running agent's status, asked again for up to {@code wait} (one that is starting binds its socket last). */
    private String statusWithin(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        String status = AgentClient.ask(socket(), AgentProtocol.STATUS);
        while (status == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            status = AgentClient.ask(socket(), AgentProtocol.STATUS);
        }
        return status;
    }

    /** True once the agent printed its ready line; false if it ended (or printed nothing) first, or took too long. */
    private static boolean readyWithin(Process agent, Duration wait) {
        java.util.concurrent.CompletableFuture<Boolean> ready = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
                // the JVM's own warnings may come first on stdout
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("ready ")) {
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        });
        try {
            return ready.get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Command(name = "stop", description = "stop the agent once its running commands end (new ones run without it at once)")
    int stop() {
        String answer = AgentClient.ask(socket(), AgentProtocol.STOP);
        context.out().println(answer != null ? "farsync: " + answer : "farsync: no agent is running (" + socket() + ")");
        return ExitCode.OK.code();
    }

    @Command(name = "status", description = "show the agent's state; exit 1 when none runs")
    int status() {
        String answer = AgentClient.ask(socket(), AgentProtocol.STATUS);
        if (answer == null) {
            context.out().println("farsync: no agent is running (" + socket() + ")");
            return NOT_RUNNING;
        }
        context.out().println(answer);
        return ExitCode.OK.code();
    }

    @Command(name = "run", description = "run the agent in the foreground (for a service manager); logs on stderr")
    int run(@Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "1h",
                    description = "stop after this long without commands (default: ${DEFAULT-VALUE})") String idle,
            @Option(names = "--ready-line", hidden = true) boolean readyLine) {
        if (context.env().get("FARSYNC_LOG_LEVEL") == null) {
            // its own comings and goings in its log; the runs' lines go to their clients at their level
            ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Agent.class)).setLevel(ch.qos.logback.classic.Level.INFO);
        }
        Agent agent = Agent.listen(context.home(), duration(idle), context.env());
        // SIGTERM (a service manager's stop, a logout): the runs stop as at their clients' Ctrl-C, and say why
        Thread hook = new Thread(() -> agent.stopRuns("the farsync agent was stopped"), "farsync-agent-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        if (readyLine) {
            context.out().println("ready " + ProcessHandle.current().pid());
            context.out().flush();
            context.out().close();   // the starter stops reading: nothing else goes there
        }
        agent.serve();
        return ExitCode.OK.code();
    }

    /** 90s, 30m, 2h, or plain seconds. */
    static Duration duration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.isEmpty()) {
                throw new NumberFormatException("empty");
            }
            char unit = t.charAt(t.length() - 1);
            long n = Long.parseLong(Character.isDigit(unit) ? t : t.substring(0, t.length() - 1));
            Duration d = switch (unit) {
                case 'h' -> Duration.ofHours(n);
                case 'm' -> Duration.ofMinutes(n);
                case 's' -> Duration.ofSeconds(n);
                default -> Character.isDigit(unit) ? Duration.ofSeconds(n) : null;
            };
            if (d != null && n > 0) {
                return d;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new FarsyncException(ExitCode.USAGE, "invalid duration '" + text + "': expected a positive number of seconds, or 90s, 30m, 2h");
    }
}
