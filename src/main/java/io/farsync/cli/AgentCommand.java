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
@Command(name = "agent", description = "Keep a resident farsync process that runs 'farsync sync' commands: each starts"
        + " in tens of milliseconds and reuses the SSH connections of earlier runs (as the Gradle daemon, or OpenSSH's"
        + " ControlPersist). FARSYNC_AGENT=off runs a command without it.")
final class AgentCommand {
    private final Main.Context context;

    AgentCommand(Main.Context context) {
        this.context = context;
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
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "agent", "run", "--idle-timeout", idle, "--ready-line"));
        try {
            Files.createDirectories(context.home().dir());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().clear();
            builder.environment().putAll(context.env());
            Process agent = builder.start();
            String ready;
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
                ready = lines.readLine();   // the agent's one line once it listens; end of file if it failed
            }
            if (ready == null || !ready.startsWith("ready")) {
                throw new FarsyncException(ExitCode.INTERNAL, "the agent did not start; its log: " + log);
            }
            context.out().println("farsync: agent started (pid " + agent.pid() + ", socket " + socket() + ", log " + log
                    + "); 'farsync sync' runs through it until 'farsync agent stop' or " + timeout.toSeconds() + " s without commands");
            return ExitCode.OK.code();
        } catch (IOException e) {
            throw new FarsyncException(ExitCode.INTERNAL, "cannot start the agent: " + e.getMessage(), e);
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
            return ExitCode.PARTIAL.code();
        }
        context.out().println(answer);
        return ExitCode.OK.code();
    }

    @Command(name = "run", description = "run the agent in the foreground (for a service manager); logs on stderr")
    int run(@Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "1h",
                    description = "stop after this long without commands (default: ${DEFAULT-VALUE})") String idle,
            @Option(names = "--ready-line", hidden = true) boolean readyLine) {
        Agent agent = Agent.listen(context.home(), duration(idle), context.env());
        Thread hook = new Thread(agent::close, "farsync-agent-stop");
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
